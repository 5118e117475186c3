"""The officials' event pages (/staff/events/): the list, creating and editing an event, its page with
the registrations (and their removal), the invitation link and the meeting hall's link, cancelling and
starting it.

As in the other staff pages, a view parses its input, fetches its event through ``access`` (another
authority's event, or one the official does not reach: 404), calls at most one action and answers
POST/redirect/GET with a message. A refused action on a page with typed input (the event form, the
cancellation) shows that page again with the reason (409), so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.events import access, mails
from buergerbuero.events.actions import lifecycle, registrations, rules
from buergerbuero.events.forms import CancelEventForm, EventForm
from buergerbuero.events.models import Event, RegistrationMode
from buergerbuero.events.pages import event_facts


def room_url(event: Event) -> str:
    """The live room's staff page (rooms.urls, /staff/rooms/<room id>/)."""
    return f"/staff/rooms/{event.room_id}/"


def _detail_url(event: Event) -> str:
    return reverse("staff_events:detail", args=[event.pk])


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


def _act(request: HttpRequest, event: Event, action: Callable[[], object], success: str) -> HttpResponse:
    try:
        action()
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(_detail_url(event))


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    now = timezone.now()
    events = access.events_for_staff(staff).select_related("office", "room", "authority")
    upcoming = [event_facts(e, now) for e in events.filter(ends_at__gt=now).order_by("starts_at", "id")]
    past = [event_facts(e, now) for e in events.filter(ends_at__lte=now).order_by("-starts_at", "-id")[:50]]
    return render(
        request,
        "events/staff/index.html",
        _context(
            staff,
            upcoming=upcoming,
            past=past,
            public_url=reverse("events:list", args=[staff.authority.slug]),
        ),
    )


def _fields(form: EventForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        name: data[name]
        for name in (
            "office",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "mode",
            "lobby",
            "registration",
            "capacity",
            "moderators",
            "speakers",
        )
    }


def _render_form(
    request: HttpRequest, staff: Staff, form: EventForm, event: Event | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "events/staff/form.html",
        _context(staff, form=form, event=event, conference_max=rules.capacity_limit("conference")),
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def create(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return _render_form(request, staff, EventForm(staff=staff), None)
    form = EventForm(request.POST, staff=staff)
    if not form.is_valid():
        return _render_form(request, staff, form, None, status=400)
    try:
        event = lifecycle.create_event(staff, **_fields(form))
    except ActionError as error:
        form.add_error(None, error.message)
        return _render_form(request, staff, form, None, status=409)
    messages.success(request, _("The event has been created."))
    return redirect(_detail_url(event))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def edit(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    if request.method != "POST":
        return _render_form(request, staff, EventForm(staff=staff, event=event), event)
    form = EventForm(request.POST, staff=staff, event=event)
    if not form.is_valid():
        return _render_form(request, staff, form, event, status=400)
    try:
        lifecycle.update_event(event, staff, **_fields(form))
    except ActionError as error:
        form.add_error(None, error.message)
        return _render_form(request, staff, form, event, status=409)
    messages.success(request, _("The event has been saved."))
    return redirect(_detail_url(event))


@require_GET
@staff_required
def detail(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    now = timezone.now()
    listed = list(event.registrations.order_by("cancelled_at", "created_at", "id"))
    hall = lifecycle.hall_token(event)
    invitation = ""
    if event.registration == RegistrationMode.INVITATION:
        invitation = request.build_absolute_uri(mails.invitation_path(event))
    open_ = not event.is_cancelled and not rules.has_ended(event, now)
    context = _context(
        staff,
        event=event,
        facts=event_facts(event, now),
        registrations=listed,
        active_count=sum(1 for r in listed if r.is_active),
        invitation_url=invitation,
        hall_url=request.build_absolute_uri(mails.join_path(hall)) if hall else "",
        public_url=reverse("events:detail", args=[event.authority.slug, event.pk])
        if event.registration == RegistrationMode.OPEN
        else "",
        room_url=room_url(event),
        is_open=open_,
        can_edit=open_ and event.room.state == "scheduled",
        moderators=list(event.moderators.order_by("display_name")),
        speakers=list(event.speakers.order_by("display_name")),
    )
    return render(request, "events/staff/detail.html", context)


@require_POST
@staff_required
def remove_registration(
    request: HttpRequest, staff: Staff, event_id: int, registration_id: int
) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    registration = access.get_registration_for_staff(staff, event, registration_id)
    return _act(
        request,
        event,
        lambda: registrations.cancel_registration(registration, actor=staff),
        _("The registration has been removed; the person has been told by e-mail."),
    )


@require_POST
@staff_required
def renew_invitation(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    return _act(
        request,
        event,
        lambda: lifecycle.renew_invitation(event, staff),
        _("There is a new invitation link. The old one no longer works."),
    )


@require_POST
@staff_required
def hall_link(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    renewed = event.hall_member_id is not None
    return _act(
        request,
        event,
        lambda: lifecycle.make_hall_link(event, staff),
        _("There is a new link for the meeting hall. The old one no longer works.")
        if renewed
        else _("The link for the meeting hall has been created."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def cancel(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    """GET asks "really cancel?" (with a message to the registrants); the POST cancels."""
    event = access.get_event_for_staff(staff, event_id)
    form = CancelEventForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                lifecycle.cancel_event(event, staff, form.cleaned_data["message"])
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(
                    request, _("The event has been cancelled; everyone registered has been told by e-mail.")
                )
                return redirect(_detail_url(event))
        else:
            status = 400
    context = _context(
        staff,
        event=event,
        form=form,
        facts=event_facts(event, timezone.now()),
        active_count=rules.active_registrations(event).count(),
    )
    return render(request, "events/staff/cancel.html", context, status=status)


@require_POST
@staff_required
def start(request: HttpRequest, staff: Staff, event_id: int) -> HttpResponse:
    event = access.get_event_for_staff(staff, event_id)
    try:
        lifecycle.start_event(event, staff)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(event))
    return redirect(room_url(event))
