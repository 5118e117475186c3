"""The citizens' booking pages: the week of free slots, the booking form and the page after booking; and
the pages behind a booking's secret links: the confirmation of the double opt-in, and the management page
with its steps to cancel, to move and, at the appointment time, to join the waiting area.

Every booking view fetches the office by slug (an office slug of another authority is a 404), calls at
most one action and renders or redirects. On the pages behind a secret link an unknown token is a 404 page
that says what to do; opening such a page never changes anything, only its POST forms do, and all of them
are ``private`` (core.http): not cached, the token in no Referer.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from buergerbuero.appointments import actions
from buergerbuero.appointments.forms import BookingForm
from buergerbuero.appointments.models import Booking
from buergerbuero.appointments.pages import (
    WEEK_PARAM,
    book_url,
    booking_context,
    get_office,
    invalid_link,
    local,
    monday,
    offers_appointments,
    office_url,
    slot_label,
    time_label,
    unavailable,
    week_context,
    week_url,
    zone_note,
)
from buergerbuero.appointments.slots import Slot, find_slot, parse_key
from buergerbuero.appointments.tokens import hash_token, manage_token
from buergerbuero.core import bookinglimit as ratelimit
from buergerbuero.core import pow
from buergerbuero.core.errors import ActionError
from buergerbuero.core.forms import error_list
from buergerbuero.core.http import private
from buergerbuero.core.ratelimit import BOOKINGS_REFUSED, client_address
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.tokens import remember as remember_ticket

SESSION_BOOKED = "bb_appointment_booked"
BOOKED_PAGE_LIFETIME = dt.timedelta(hours=1)


@require_safe
def week(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = get_office(authority_slug, office_slug)
    appointment_settings = offers_appointments(office)
    if appointment_settings is None:
        return unavailable(request, office)
    context, status = week_context(
        office,
        appointment_settings,
        timezone.now(),
        request.GET.get(WEEK_PARAM),
        link_to_slot=lambda s: book_url(office, s),
        link_to_week=lambda w: week_url(office, w),
    )
    context["office_url"] = office_url(office)
    return render(request, "appointments/week.html", context, status=status)


# --- booking -------------------------------------------------------------------------------------


def _slot_or_message(request: HttpRequest, office: Office, key: str, now: dt.datetime) -> Slot | HttpResponse:
    """The bookable slot of a key, or a redirect to the week view with a message why not."""
    start = parse_key(key)
    if start is None:
        messages.error(
            request, _("This link to an appointment time is not valid. Please choose a time from the list.")
        )
        return redirect(week_url(office))
    slot = find_slot(office, start, now)
    week = monday(local(start, office).date())
    if slot is None:
        messages.error(request, _("This time cannot be booked. Please choose another one."))
        return redirect(week_url(office, week if start > now else None))
    if slot.blocked or slot.free <= 0:
        messages.error(request, _("This time has just been taken. Please choose another one."))
        return redirect(week_url(office, week))
    return slot


def _render_form(
    request: HttpRequest, office: Office, slot: Slot, form: BookingForm, status: int = 200
) -> HttpResponse:
    context = {
        "errors": error_list(form) if form.is_bound else [],
        "office": office,
        "authority": office.authority,
        "slot_text": slot_label(slot.start, slot.end, office),
        "zone_note": zone_note(office),
        "form": form,
        "week_url": week_url(office, monday(local(slot.start, office).date())),
        "office_url": office_url(office),
        "retention_days": settings.RETENTION_DAYS,
        "pow_config": pow.page_config(),
    }
    return render(request, "appointments/book.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def book(request: HttpRequest, authority_slug: str, office_slug: str, slot_key: str) -> HttpResponse:
    office = get_office(authority_slug, office_slug)
    if offers_appointments(office) is None:
        return unavailable(request, office)
    now = timezone.now()
    slot = _slot_or_message(request, office, slot_key, now)
    if isinstance(slot, HttpResponse):
        return slot
    if request.method != "POST":
        return _render_form(request, office, slot, BookingForm())
    form = BookingForm(request.POST)
    if not form.is_valid():
        return _render_form(request, office, slot, form, status=400)
    data = form.cleaned_data
    address = client_address(request)
    refused = BOOKINGS_REFUSED.check(ratelimit.BOOKINGS, address, data["email"])
    if refused:
        form.add_error(None, refused)
        return _render_form(request, office, slot, form, status=429)
    try:
        booking = actions.book(
            office,
            slot.start,
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            concern=data["concern"],
            language=request.LANGUAGE_CODE,
        )
    except ActionError as exc:
        ratelimit.give_back(address, data["email"])
        if exc.code in ("slot_full", "no_such_slot"):
            messages.error(request, exc.message)
            return redirect(week_url(office, monday(local(slot.start, office).date())))
        form.add_error(None, exc.message)
        return _render_form(request, office, slot, form, status=409)
    request.session[SESSION_BOOKED] = booking.pk
    return redirect("appointments:booked", authority_slug=office.authority.slug, office_slug=office.slug)


@private
@require_safe
def booked(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    """After booking (POST/redirect/GET): what happens next. The booking comes from the session."""
    office = get_office(authority_slug, office_slug)
    booked_id = request.session.get(SESSION_BOOKED)
    booking = Booking.objects.filter(pk=booked_id, office=office).first() if booked_id else None
    now = timezone.now()
    # Shown for an hour only: on a shared computer the next person must not find the management link.
    if booking is None or booking.created_at < now - BOOKED_PAGE_LIFETIME:
        request.session.pop(SESSION_BOOKED, None)
        messages.info(request, _("There is no booking to show. Please choose a time."))
        return redirect(week_url(office))
    context = booking_context(booking, now)
    context["manage_url"] = request.build_absolute_uri(
        reverse("appointments:manage", args=[manage_token(booking.token_salt)])
    )
    context["hold_minutes"] = actions.HOLD_MINUTES
    return render(request, "appointments/booked.html", context)


@require_safe
def pow_challenge(request: HttpRequest) -> HttpResponse:
    """A fresh proof-of-work challenge for a form that stayed open longer than its challenge lives."""
    response = JsonResponse(pow.create_challenge())
    response["Cache-Control"] = "no-store"
    return response


# --- confirming (double opt-in) ------------------------------------------------------------------


@private
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    booking = (
        Booking.objects.select_related("office__authority")
        .filter(confirm_token_hash=hash_token(token))
        .first()
        if len(token) <= 100
        else None
    )
    if booking is None:
        return invalid_link(request)
    now = timezone.now()
    manage_url = reverse("appointments:manage", args=[manage_token(booking.token_salt)])
    if request.method == "POST":
        try:
            actions.confirm(token)
        except ActionError as exc:
            booking.refresh_from_db()
            return _render_confirm(request, booking, now, error=exc.message, status=409)
        messages.success(request, _("Thank you. Your appointment is confirmed."))
        return redirect(manage_url)
    return _render_confirm(request, booking, now)


def _render_confirm(
    request: HttpRequest, booking: Booking, now: dt.datetime, error: str = "", status: int = 200
) -> HttpResponse:
    lapsed = actions.hold_lapsed(booking, now)
    context = {
        **booking_context(booking, now),
        "error": error,
        "lapsed": lapsed,
        "can_confirm": actions.can_confirm(booking, now),
        "manage_url": reverse("appointments:manage", args=[manage_token(booking.token_salt)]),
        "week_url": week_url(booking.office),
    }
    if lapsed and not status >= 400:
        status = 410
    return render(request, "appointments/confirm.html", context, status=status)


# --- managing a booking --------------------------------------------------------------------------


def _booking(token: str) -> Booking | None:
    return actions.booking_by_manage_token(token)


@private
@require_safe
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking(token)
    if booking is None:
        return invalid_link(request)
    now = timezone.now()
    context = {
        **booking_context(booking, now),
        "token": token,
        "can_join": actions.can_arrive(booking, now),
        "is_past": now > booking.start + actions.ARRIVE_LATE,
        "join_from": time_label(booking.start - actions.ARRIVE_EARLY, booking.office),
        "join_until": time_label(booking.start + actions.ARRIVE_LATE, booking.office),
        "week_url": week_url(booking.office),
        "office_url": office_url(booking.office),
    }
    return render(request, "appointments/manage.html", context)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "really cancel?"; the POST of that page cancels."""
    booking = _booking(token)
    if booking is None:
        return invalid_link(request)
    manage_url = reverse("appointments:manage", args=[token])
    now = timezone.now()
    if request.method == "POST":
        try:
            actions.cancel(booking)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment is cancelled."))
        return redirect(manage_url)
    context = booking_context(booking, now)
    if not context["can_change"]:
        messages.error(request, _("This appointment can no longer be cancelled."))
        return redirect(manage_url)
    return render(request, "appointments/cancel.html", {**context, "token": token, "manage_url": manage_url})


@private
@require_safe
def reschedule_week(request: HttpRequest, token: str) -> HttpResponse:
    """The week view again, with the booking attached: every slot leads to "move it here?"."""
    booking = _booking(token)
    if booking is None:
        return invalid_link(request)
    now = timezone.now()
    manage_url = reverse("appointments:manage", args=[token])
    appointment_settings = offers_appointments(booking.office)
    if not booking_context(booking, now)["can_change"] or appointment_settings is None:
        messages.error(request, _("This appointment can no longer be moved."))
        return redirect(manage_url)
    base = reverse("appointments:reschedule", args=[token])
    context, status = week_context(
        booking.office,
        appointment_settings,
        now,
        request.GET.get(WEEK_PARAM),
        link_to_slot=lambda s: reverse("appointments:reschedule-slot", args=[token, s.key]),
        link_to_week=lambda w: f"{base}?{WEEK_PARAM}={w.isoformat()}",
        skip=booking.start,
    )
    context.update(
        {
            "booking": booking,
            "when": slot_label(booking.start, booking.end, booking.office),
            "manage_url": manage_url,
        }
    )
    return render(request, "appointments/week.html", context, status=status)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule_slot(request: HttpRequest, token: str, slot_key: str) -> HttpResponse:
    """GET asks "move it to this time?"; the POST of that page moves it."""
    booking = _booking(token)
    if booking is None:
        return invalid_link(request)
    manage_url = reverse("appointments:manage", args=[token])
    week_url = reverse("appointments:reschedule", args=[token])
    now = timezone.now()
    start = parse_key(slot_key)
    slot = find_slot(booking.office, start, now) if start is not None else None
    if slot is None or slot.blocked or slot.free <= 0 or start == booking.start:
        messages.error(request, _("This time cannot be booked. Please choose another one."))
        return redirect(week_url)
    if request.method == "POST":
        try:
            actions.reschedule(booking, slot.start)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect(week_url if exc.code in ("slot_full", "no_such_slot") else manage_url)
        messages.success(request, _("Your appointment has been moved."))
        return redirect(manage_url)
    context = booking_context(booking, now)
    if not context["can_change"]:
        messages.error(request, _("This appointment can no longer be moved."))
        return redirect(manage_url)
    context.update(
        {
            "new_when": slot_label(slot.start, slot.end, booking.office),
            "token": token,
            "slot_key": slot.key,
            "manage_url": manage_url,
            "week_url": week_url,
        }
    )
    return render(request, "appointments/reschedule.html", context)


@private
@require_POST
def join(request: HttpRequest, token: str) -> HttpResponse:
    """At the appointment time: into the office's waiting area, ahead of walk-ins. The ticket's token
    goes (hashed) into the session, as when entering from the office page (public.views.offices._enter)."""
    booking = _booking(token)
    if booking is None:
        return invalid_link(request)
    try:
        ticket, ticket_token = actions.arrive(booking)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("appointments:manage", token=token)
    request.session.cycle_key()
    remember_ticket(request.session, ticket_token)
    return redirect(
        "public:waiting", authority_slug=ticket.office.authority.slug, office_slug=ticket.office.slug
    )
