"""The citizens' booking pages: the week of free slots, the booking form and the page after booking
(the pages behind the secret links are in link_views.py).

Every view fetches the office by slug (an office slug of another authority is a 404), calls at most one
action and renders or redirects.
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
from django.views.decorators.http import require_http_methods, require_safe

from buergerbuero.appointments import actions
from buergerbuero.appointments.display import local, monday, offers_appointments, slot_label, zone_note
from buergerbuero.appointments.forms import BookingForm
from buergerbuero.appointments.models import Booking
from buergerbuero.appointments.pages import (
    WEEK_PARAM,
    book_url,
    booking_context,
    get_office,
    office_url,
    unavailable,
    week_context,
    week_url,
)
from buergerbuero.appointments.slots import Slot, find_slot, parse_key
from buergerbuero.appointments.tokens import manage_token
from buergerbuero.core import bookinglimit as ratelimit
from buergerbuero.core import pow
from buergerbuero.core.errors import ActionError
from buergerbuero.core.forms import error_list
from buergerbuero.core.http import private
from buergerbuero.core.ratelimit import BOOKINGS_REFUSED, client_address
from buergerbuero.offices.models import Office

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
