"""The officials' appointment pages (/staff/appointments/): a day and a week list per office, booking on
behalf of a caller, cancelling with a message to the citizen, moving, marking a no-show, and blocking or
freeing single slots.

Like the workspace (``staff.views``), a view parses its input (bad input: 400 with the reason), fetches
its objects for the official (another authority's or an unassigned office's object: 404, as in
``staff.access``), calls at most one action and answers POST/redirect/GET with a message. A refusal of an
action on a page with typed input (book, move, cancel) shows that page again with the reason (409), so
nothing typed is lost. Times are the office's wall-clock times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.appointments import actions, pages
from buergerbuero.appointments.models import AppointmentSettings, Booking
from buergerbuero.appointments.slots import parse_key
from buergerbuero.appointments.staff_forms import (
    CONCERN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    BookForm,
    CancelForm,
    DateForm,
    MoveForm,
    SlotForm,
)
from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.dates import weekday_date
from buergerbuero.core.errors import ActionError
from buergerbuero.offices import access
from buergerbuero.offices.access import offices_of
from buergerbuero.offices.models import Office

# --- access ----------------------------------------------------------------------------------------


def get_booking_for_staff(staff: Staff, booking_id: int) -> Booking:
    """A booking of an office the official reaches (``offices.access`` rules); anything else is a 404."""
    booking = (
        Booking.objects.select_related("office__authority", "booked_by")
        .filter(pk=booking_id, office__in=offices_of(staff))
        .first()
    )
    if booking is None:
        raise Http404(_("No such appointment."))
    return booking


# --- page parts ------------------------------------------------------------------------------------


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


def _bad_input(request: HttpRequest, staff: Staff, form: Any, back: str, message: str = "") -> HttpResponse:
    """The page for a refused POST: the form's first error, or ``message`` (an action's refusal)."""
    message = message or next(iter(e for errors in form.errors.values() for e in errors), _("Invalid input."))
    return render(
        request,
        "appointments/staff/bad_input.html",
        _context(staff, message=message, back=back),
        status=400,
    )


def _date_or_today(form: DateForm, office: Office, now: dt.datetime) -> dt.date:
    return form.cleaned_data["date"] or pages.today(now, office)


def _nobody_told(booking: Booking) -> str:
    if booking.phone:
        return _("There is no e-mail address: please tell the person yourself (phone %(phone)s).") % {
            "phone": booking.phone
        }
    return _("There is no e-mail address: please tell the person yourself.")


# --- pages -----------------------------------------------------------------------------------------


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    offices = list(offices_of(staff).select_related("authority").order_by("name"))
    enabled = set(
        AppointmentSettings.objects.filter(office__in=offices, enabled=True).values_list(
            "office_id", flat=True
        )
    )
    entries = [{"office": office, "enabled": office.pk in enabled} for office in offices]
    return render(request, "appointments/staff/index.html", _context(staff, entries=entries))


@require_GET
@staff_required
def day(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = access.get_office_for_staff(staff, office_id)
    form = DateForm(request.GET)
    if not form.is_valid():
        return _bad_input(request, staff, form, reverse("staff_appointments:day", args=[office.pk]))
    now = timezone.now()
    date = _date_or_today(form, office, now)
    (shown,) = pages.listed_days(office, date, 1, now, with_slots=False)
    context = _context(
        staff,
        office=office,
        day=shown,
        enabled=pages.offers_appointments(office) is not None,
        is_today=date == pages.today(now, office),
        previous_url=pages.staff_day_url(office, date - pages.ONE_DAY),
        next_url=pages.staff_day_url(office, date + pages.ONE_DAY),
        today_url=reverse("staff_appointments:day", args=[office.pk]),
        week_url=pages.staff_week_url(office, date),
        book_url=pages.with_date(reverse("staff_appointments:book", args=[office.pk]), date),
    )
    return render(request, "appointments/staff/day.html", context)


@require_GET
@staff_required
def week(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = access.get_office_for_staff(staff, office_id)
    form = DateForm(request.GET)
    if not form.is_valid():
        return _bad_input(request, staff, form, reverse("staff_appointments:week", args=[office.pk]))
    now = timezone.now()
    today = pages.today(now, office)
    monday = pages.monday(form.cleaned_data["date"] or today)
    settings = pages.offers_appointments(office)
    context = _context(
        staff,
        office=office,
        monday=monday,
        sunday=monday + dt.timedelta(days=6),
        days=pages.listed_days(office, monday, 7, now, with_slots=True),
        enabled=settings is not None,
        capacity=settings.capacity if settings else 0,
        is_this_week=monday == pages.monday(today),
        previous_url=pages.staff_week_url(office, monday - dt.timedelta(days=7)),
        next_url=pages.staff_week_url(office, monday + dt.timedelta(days=7)),
        today_url=reverse("staff_appointments:week", args=[office.pk]),
        day_url=pages.staff_day_url(office, today if pages.monday(today) == monday else monday),
        book_url=reverse("staff_appointments:book", args=[office.pk]),
    )
    return render(request, "appointments/staff/week.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def book(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = access.get_office_for_staff(staff, office_id)
    date_form = DateForm(request.GET)
    if not date_form.is_valid():
        return _bad_input(request, staff, date_form, reverse("staff_appointments:book", args=[office.pk]))
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = actions.book(
                    office,
                    data["slot"],
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    concern=data["concern"],
                    language=data["language"],
                    actor=staff,
                )
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                when = pages.local(booking.start, office)
                message = _("%(appointment)s on %(day)s is booked for %(name)s.") % {
                    "appointment": pages.appointment_label(office, booking.start),
                    "day": weekday_date(when.date()),
                    "name": booking.name,
                }
                if booking.email:
                    message += " " + _("The confirmation goes to %(email)s.") % {"email": booking.email}
                else:
                    message += " " + _("No e-mail is sent: please tell the person the time yourself.")
                messages.success(request, message)
                return redirect(pages.staff_day_url(office, when.date()))
        else:
            status = 400
        chosen = form.cleaned_data.get("slot")
    else:
        # ``?slot=`` (the week list's "book" link) only preselects; the POST checks what is sent.
        chosen = parse_key(request.GET.get("slot", ""))
        form = BookForm(initial={"slot": request.GET.get("slot", "") if chosen else ""})
    shown = date_form.cleaned_data["date"] or pages.local(chosen or now, office).date()
    context = _context(
        staff,
        office=office,
        form=form,
        enabled=pages.offers_appointments(office) is not None,
        selected=form["slot"].value() or "",
        limits={
            "name": NAME_MAX_LENGTH,
            "email": EMAIL_MAX_LENGTH,
            "phone": PHONE_MAX_LENGTH,
            "concern": CONCERN_MAX_LENGTH,
        },
        picker_url=reverse("staff_appointments:book", args=[office.pk]),
        back_url=pages.staff_day_url(office, shown),
        **pages.slot_picker(office, pages.monday(shown), now),
    )
    return render(request, "appointments/staff/book.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def cancel(request: HttpRequest, staff: Staff, booking_id: int) -> HttpResponse:
    booking = get_booking_for_staff(staff, booking_id)
    office = booking.office
    status = 200
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                booking = actions.cancel(booking, actor=staff, message=form.cleaned_data["message"])
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                message = _("%(appointment)s on %(day)s is cancelled.") % {
                    "appointment": pages.appointment_label(office, booking.start),
                    "day": weekday_date(pages.local(booking.start, office).date()),
                }
                if booking.email:
                    message += " " + _("The citizen gets your message by e-mail.")
                else:
                    message += " " + _nobody_told(booking)
                messages.success(request, message)
                return redirect(pages.staff_day_url(office, pages.local(booking.start, office).date()))
        else:
            status = 400
    else:
        form = CancelForm()
    context = _context(
        staff,
        office=office,
        row=pages.booking_row(office, booking, timezone.now()),
        day_label=weekday_date(pages.local(booking.start, office).date()),
        form=form,
        message_max_length=MESSAGE_MAX_LENGTH,
        back_url=pages.staff_day_url(office, pages.local(booking.start, office).date()),
    )
    return render(request, "appointments/staff/cancel.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def move(request: HttpRequest, staff: Staff, booking_id: int) -> HttpResponse:
    booking = get_booking_for_staff(staff, booking_id)
    office = booking.office
    date_form = DateForm(request.GET)
    back = pages.staff_day_url(office, pages.local(booking.start, office).date())
    if not date_form.is_valid():
        return _bad_input(request, staff, date_form, back)
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = MoveForm(request.POST)
        if form.is_valid():
            old_start = booking.start
            try:
                booking = actions.reschedule(booking, form.cleaned_data["slot"], actor=staff)
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                when = pages.local(booking.start, office)
                if booking.start == old_start:
                    message = _("The appointment stays at this time.")
                else:
                    message = _("The appointment is moved to %(time)s on %(day)s.") % {
                        "time": when.strftime("%H:%M"),
                        "day": weekday_date(when.date()),
                    }
                    if booking.email:
                        message += " " + _("The citizen is told by e-mail.")
                    else:
                        message += " " + _nobody_told(booking)
                messages.success(request, message)
                return redirect(pages.staff_day_url(office, when.date()))
        else:
            status = 400
    else:
        form = MoveForm()
    shown = date_form.cleaned_data["date"] or max(
        pages.local(booking.start, office).date(), pages.today(now, office)
    )
    context = _context(
        staff,
        office=office,
        row=pages.booking_row(office, booking, now),
        day_label=weekday_date(pages.local(booking.start, office).date()),
        form=form,
        selected=form["slot"].value() or "",
        picker_url=reverse("staff_appointments:move", args=[booking.pk]),
        back_url=back,
        **pages.slot_picker(office, pages.monday(shown), now, exclude=booking.start),
    )
    return render(request, "appointments/staff/move.html", context, status=status)


@require_POST
@staff_required
def no_show(request: HttpRequest, staff: Staff, booking_id: int) -> HttpResponse:
    booking = get_booking_for_staff(staff, booking_id)
    office = booking.office
    try:
        actions.mark_no_show(booking, staff)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(appointment)s is recorded as missed.")
            % {"appointment": pages.appointment_label(office, booking.start)},
        )
    return redirect(pages.staff_day_url(office, pages.local(booking.start, office).date()))


def _change_slot(
    request: HttpRequest,
    staff: Staff,
    office_id: int,
    change: Callable[[Office, dt.datetime, Staff], object],
    done: str,
) -> HttpResponse:
    """Block or free one slot of the week view (``done`` has %(time)s and %(day)s)."""
    office = access.get_office_for_staff(staff, office_id)
    form = SlotForm(request.POST)
    back = reverse("staff_appointments:week", args=[office.pk])
    if not form.is_valid():
        return _bad_input(request, staff, form, back)
    start = form.cleaned_data["slot"]
    try:
        change(office, start, staff)
    except ActionError as error:
        return _bad_input(request, staff, form, back, message=error.message)
    when = pages.local(start, office)
    messages.success(request, done % {"time": when.strftime("%H:%M"), "day": weekday_date(when.date())})
    return redirect(pages.staff_week_url(office, when.date()))


@require_POST
@staff_required
def block(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    return _change_slot(
        request,
        staff,
        office_id,
        actions.block_slot,
        _("%(time)s on %(day)s is blocked: citizens cannot book it. Appointments already booked stay."),
    )


@require_POST
@staff_required
def free(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    return _change_slot(
        request, staff, office_id, actions.free_slot, _("%(time)s on %(day)s can be booked again.")
    )
