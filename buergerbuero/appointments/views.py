"""The citizens' booking pages: the week of free slots, the booking form, the page after booking, the
confirmation link of the double opt-in, and the page behind the personal management link.

Every view fetches the office by slug (an office slug of another authority is a 404) or the booking by
its secret token (an unknown token is a 404 page that says what to do), calls at most one action and
renders or redirects. Opening a token page never changes anything; only its POST forms do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from buergerbuero.appointments import actions, pow, ratelimit
from buergerbuero.appointments.forms import BookingForm
from buergerbuero.appointments.models import HOLDING, AppointmentSettings, Booking, BookingState
from buergerbuero.appointments.slots import Slot, find_slot, office_slots, parse_key
from buergerbuero.appointments.tokens import hash_token, manage_token
from buergerbuero.authorities.models import Authority
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.staff.ratelimit import client_address
from buergerbuero.waitingroom.tokens import SESSION_KEY as TICKET_SESSION_KEY

SESSION_BOOKED = "bb_appointment_booked"
WEEK_PARAM = "woche"
REFERRER_POLICY = "strict-origin"


# --- helpers -------------------------------------------------------------------------------------


def _office(authority_slug: str, office_slug: str) -> Office:
    authority = get_object_or_404(Authority, slug=authority_slug)
    return get_object_or_404(
        Office.objects.select_related("authority"), authority=authority, slug=office_slug
    )


def _offers_appointments(office: Office) -> AppointmentSettings | None:
    return AppointmentSettings.objects.filter(office=office, enabled=True).first()


def _local(moment: dt.datetime, office: Office) -> dt.datetime:
    return timezone.localtime(moment, office.tz)


def day_label(day: dt.date) -> str:
    return f"{date_format(day, 'l')}, {date_format(day, 'DATE_FORMAT')}"


def time_label(moment: dt.datetime, office: Office) -> str:
    return time_format(_local(moment, office), "TIME_FORMAT")


def slot_label(start: dt.datetime, end: dt.datetime, office: Office) -> str:
    """A slot as a person reads it ("Montag, 3. März 2025, 14:30-14:50"), in the office's time zone."""
    return _("%(day)s, %(start)s–%(end)s") % {
        "day": day_label(_local(start, office).date()),
        "start": time_label(start, office),
        "end": time_label(end, office),
    }


def _zone_note(office: Office) -> str:
    if office.time_zone == settings.TIME_ZONE:
        return ""
    return _("All times are in the time zone of the office (%(zone)s).") % {"zone": office.time_zone}


def _week_url(office: Office, week: dt.date | None = None) -> str:
    url = reverse("appointments:week", args=[office.authority.slug, office.slug])
    return f"{url}?{WEEK_PARAM}={week.isoformat()}" if week else url


def _book_url(office: Office, slot: Slot) -> str:
    return reverse("appointments:book", args=[office.authority.slug, office.slug, slot.key])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def next_free_slots(
    office: Office, now: dt.datetime, count: int = 3, after: dt.date | None = None
) -> list[Slot]:
    """The first ``count`` free slots (from local date ``after`` on), looking two weeks at a time."""
    appointment_settings = _offers_appointments(office)
    if appointment_settings is None:
        return []
    today = _local(now, office).date()
    horizon = today + dt.timedelta(days=appointment_settings.horizon_days)
    found: list[Slot] = []
    first = max(after or today, today)
    while first <= horizon and len(found) < count:
        found.extend(office_slots(office, now, first=first, days=14)[: count - len(found)])
        first += dt.timedelta(days=14)
    return found


def office_offer(office: Office, now: dt.datetime, with_slots: bool) -> dict[str, Any]:
    """For the office page: the link to book, and (when the office is closed or its waiting area full)
    the next three free slots."""
    if _offers_appointments(office) is None:
        return {"appointments_url": "", "next_slots": []}
    slots = next_free_slots(office, now) if with_slots else []
    return {
        "appointments_url": _week_url(office),
        "next_slots": [
            {"url": _book_url(office, s), "text": slot_label(s.start, s.end, office)} for s in slots
        ],
    }


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that carry or are reached by a secret link: never cached, never indexed, and the link never
    in a Referer header.

    ``strict-origin`` rather than ``no-referrer``: both keep the path (and so the token) out of every
    Referer, to other sites and to our own server's logs alike, but under ``no-referrer`` browsers send
    ``Origin: null`` with a same-origin form POST, which Django's CSRF check rejects; the pages' own
    forms (cancel, move, confirm, the language switch) would all fail with 403 in every real browser.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/invalid_link.html", status=404)


def _unavailable(request: HttpRequest, office: Office) -> HttpResponse:
    return render(
        request,
        "appointments/unavailable.html",
        {"authority": office.authority, "office": office, "office_url": _office_url(office)},
    )


def _office_url(office: Office) -> str:
    return reverse("public:office", args=[office.authority.slug, office.slug])


def _booking_context(booking: Booking, now: dt.datetime) -> dict[str, Any]:
    office = booking.office
    return {
        "booking": booking,
        "office": office,
        "authority": office.authority,
        "when": slot_label(booking.start, booking.end, office),
        "zone_note": _zone_note(office),
        "is_open": booking.state in HOLDING,
        "is_held": booking.state == BookingState.HELD,
        "can_change": booking.state in HOLDING and booking.start > now,
    }


# --- the week ------------------------------------------------------------------------------------


def _week_context(
    office: Office,
    appointment_settings: AppointmentSettings,
    now: dt.datetime,
    requested: str | None,
    slot_url: Callable[[Slot], str],
    week_url: Callable[[dt.date], str],
    skip: dt.datetime | None = None,
) -> tuple[dict[str, Any], int]:
    """The days of one week (from today on, up to the horizon) with their free slots, and links to the
    weeks before and after. ``skip``: a start not to offer (the booking's own when rescheduling)."""
    today = _local(now, office).date()
    horizon = today + dt.timedelta(days=appointment_settings.horizon_days)
    first_week, last_week = _monday(today), _monday(horizon)
    notice, status = "", 200
    week = first_week
    if requested:
        try:
            week = _monday(dt.date.fromisoformat(requested))
        except ValueError:
            notice, status = _("This week could not be read. Here is the current week."), 400
        else:
            if week < first_week:
                notice, week = (
                    _("Appointments can only be booked from today on. Here is the current week."),
                    first_week,
                )
            elif week > last_week:
                notice = _("Appointments can be booked at most %(days)d days ahead.") % {
                    "days": appointment_settings.horizon_days
                }
                week = last_week
    first_day = max(week, today)
    last_day = min(week + dt.timedelta(days=6), horizon)
    slots = [
        s
        for s in office_slots(office, now, first=first_day, days=(last_day - first_day).days + 1)
        if s.start != skip
    ]
    days = []
    day = first_day
    while day <= last_day:
        label = day_label(day)
        day_slots = [s for s in slots if _local(s.start, office).date() == day]
        days.append(
            {
                "label": label,
                "is_today": day == today,
                "slots": [
                    {"url": slot_url(s), "time": time_label(s.start, office), "label": f"{label}, "}
                    for s in day_slots
                ],
            }
        )
        day += dt.timedelta(days=1)
    later = None
    if not slots:
        upcoming = [
            s
            for s in next_free_slots(office, now, 2, after=last_day + dt.timedelta(days=1))
            if s.start != skip
        ]
        if upcoming:
            later = {
                "url": week_url(_monday(_local(upcoming[0].start, office).date())),
                "text": slot_label(upcoming[0].start, upcoming[0].end, office),
            }
    context = {
        "office": office,
        "authority": office.authority,
        "week_label": _("%(first)s to %(last)s")
        % {
            "first": date_format(week, "SHORT_DATE_FORMAT"),
            "last": date_format(week + dt.timedelta(days=6), "SHORT_DATE_FORMAT"),
        },
        "days": days,
        "prev_url": week_url(week - dt.timedelta(days=7)) if week > first_week else "",
        "next_url": week_url(week + dt.timedelta(days=7)) if week < last_week else "",
        "notice": notice,
        "later": later,
        "zone_note": _zone_note(office),
        "duration": appointment_settings.slot_minutes,
    }
    return context, status


@require_safe
def week(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    appointment_settings = _offers_appointments(office)
    if appointment_settings is None:
        return _unavailable(request, office)
    context, status = _week_context(
        office,
        appointment_settings,
        timezone.now(),
        request.GET.get(WEEK_PARAM),
        slot_url=lambda s: _book_url(office, s),
        week_url=lambda w: _week_url(office, w),
    )
    context["office_url"] = _office_url(office)
    return render(request, "appointments/week.html", context, status=status)


# --- booking -------------------------------------------------------------------------------------


def _slot_or_message(request: HttpRequest, office: Office, key: str, now: dt.datetime) -> Slot | HttpResponse:
    """The bookable slot of a key, or a redirect to the week view with a message why not."""
    start = parse_key(key)
    if start is None:
        messages.error(
            request, _("This link to an appointment time is not valid. Please choose a time from the list.")
        )
        return redirect(_week_url(office))
    slot = find_slot(office, start, now)
    week = _monday(_local(start, office).date())
    if slot is None:
        messages.error(request, _("This time cannot be booked. Please choose another one."))
        return redirect(_week_url(office, week if start > now else None))
    if slot.blocked or slot.free <= 0:
        messages.error(request, _("This time has just been taken. Please choose another one."))
        return redirect(_week_url(office, week))
    return slot


def _error_list(form: BookingForm) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; each links to its field (the check to its box)."""
    errors = [("", str(message)) for message in form.non_field_errors()]
    for name in form.fields:
        anchor = "pow-check" if name == "pow" else f"id_{name}"
        errors.extend((anchor, str(message)) for message in form.errors.get(name, []))
    return errors


def _render_form(
    request: HttpRequest, office: Office, slot: Slot, form: BookingForm, status: int = 200
) -> HttpResponse:
    context = {
        "errors": _error_list(form) if form.is_bound else [],
        "office": office,
        "authority": office.authority,
        "slot_text": slot_label(slot.start, slot.end, office),
        "zone_note": _zone_note(office),
        "form": form,
        "week_url": _week_url(office, _monday(_local(slot.start, office).date())),
        "office_url": _office_url(office),
        "retention_days": settings.RETENTION_DAYS,
        "pow_config": {
            "challenge": pow.create_challenge(),
            "challenge_url": reverse("appointments:pow-challenge"),
        },
    }
    return render(request, "appointments/book.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def book(request: HttpRequest, authority_slug: str, office_slug: str, slot_key: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    if _offers_appointments(office) is None:
        return _unavailable(request, office)
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
    limited = ratelimit.take(address, data["email"])
    if limited is not None:
        form.add_error(
            None,
            _("Too many bookings were made from your connection within an hour. Please try again later.")
            if limited == ratelimit.ADDRESS
            else _(
                "Too many bookings were made for this e-mail address within an hour. Please try again later."
            ),
        )
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
            return redirect(_week_url(office, _monday(_local(slot.start, office).date())))
        form.add_error(None, exc.message)
        return _render_form(request, office, slot, form, status=409)
    request.session[SESSION_BOOKED] = booking.pk
    return redirect("appointments:booked", authority_slug=office.authority.slug, office_slug=office.slug)


@private
@require_safe
def booked(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    """After booking (POST/redirect/GET): what happens next. The booking comes from the session."""
    office = _office(authority_slug, office_slug)
    booking = Booking.objects.filter(pk=request.session.get(SESSION_BOOKED), office=office).first()
    if booking is None:
        messages.info(request, _("There is no booking to show. Please choose a time."))
        return redirect(_week_url(office))
    context = _booking_context(booking, timezone.now())
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
        return _invalid_link(request)
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
    lapsed = booking.state == BookingState.EXPIRED or (
        booking.state == BookingState.HELD
        and booking.hold_expires_at is not None
        and booking.hold_expires_at <= now
    )
    context = {
        **_booking_context(booking, now),
        "error": error,
        "lapsed": lapsed,
        "can_confirm": booking.state == BookingState.HELD and not lapsed,
        "manage_url": reverse("appointments:manage", args=[manage_token(booking.token_salt)]),
        "week_url": _week_url(booking.office),
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
        return _invalid_link(request)
    now = timezone.now()
    context = {
        **_booking_context(booking, now),
        "token": token,
        "can_join": actions.can_arrive(booking, now),
        "join_from": time_label(booking.start - actions.ARRIVE_EARLY, booking.office),
        "join_until": time_label(booking.start + actions.ARRIVE_LATE, booking.office),
        "week_url": _week_url(booking.office),
        "office_url": _office_url(booking.office),
    }
    return render(request, "appointments/manage.html", context)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "really cancel?"; the POST of that page cancels."""
    booking = _booking(token)
    if booking is None:
        return _invalid_link(request)
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
    context = _booking_context(booking, now)
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
        return _invalid_link(request)
    now = timezone.now()
    manage_url = reverse("appointments:manage", args=[token])
    appointment_settings = _offers_appointments(booking.office)
    if not _booking_context(booking, now)["can_change"] or appointment_settings is None:
        messages.error(request, _("This appointment can no longer be moved."))
        return redirect(manage_url)
    base = reverse("appointments:reschedule", args=[token])
    context, status = _week_context(
        booking.office,
        appointment_settings,
        now,
        request.GET.get(WEEK_PARAM),
        slot_url=lambda s: reverse("appointments:reschedule-slot", args=[token, s.key]),
        week_url=lambda w: f"{base}?{WEEK_PARAM}={w.isoformat()}",
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
        return _invalid_link(request)
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
    context = _booking_context(booking, now)
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
    goes into the session, as when entering from the office page (public.views._enter)."""
    booking = _booking(token)
    if booking is None:
        return _invalid_link(request)
    try:
        ticket, ticket_token = actions.arrive(booking)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("appointments:manage", token=token)
    request.session.cycle_key()
    request.session[TICKET_SESSION_KEY] = ticket_token
    return redirect(
        "public:waiting", authority_slug=ticket.office.authority.slug, office_slug=ticket.office.slug
    )
