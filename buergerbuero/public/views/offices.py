"""The citizens' pages: overview, office page, entering, waiting (and the consultation), thank you.

Every view fetches the authority and the office by slug (an office slug of another authority is a 404),
calls at most one action and renders or redirects. The citizen's ticket is found through the token in
the Django session, never through the URL.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from buergerbuero.appointments.pages import offers_appointments, week_url
from buergerbuero.appointments.pages import office_offer as appointment_offer
from buergerbuero.authorities.models import Authority
from buergerbuero.calls.actions.admission import citizen_leaves
from buergerbuero.core import pow
from buergerbuero.core.errors import ActionError
from buergerbuero.core.ratelimit import client_address
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import office_state, office_states
from buergerbuero.public import theme
from buergerbuero.public.forms import EnterForm, RatingForm
from buergerbuero.public.pages import STATE_LABELS, live_config, office_info, when
from buergerbuero.waitingroom import actions
from buergerbuero.waitingroom import ratelimit as entry_limit
from buergerbuero.waitingroom.models import ACTIVE_STATES, Ticket, TicketState
from buergerbuero.waitingroom.selectors import position, ticket_of_session
from buergerbuero.waitingroom.tokens import SESSION_KEY, remember, upgrade_session

# --- helpers -------------------------------------------------------------------------------------


def _office(authority_slug: str, office_slug: str) -> Office:
    authority = get_object_or_404(Authority, slug=authority_slug)
    # An archived office is gone for citizens (offices.actions.archive_office).
    offices = Office.objects.select_related("authority").filter(archived_at__isnull=True)
    return get_object_or_404(offices, authority=authority, slug=office_slug)


def _session_ticket(request: HttpRequest) -> Ticket | None:
    upgrade_session(request.session)  # an older session's raw token becomes its hash
    return ticket_of_session(request.session)


def _url(name: str, office: Office) -> str:
    return reverse(f"public:{name}", args=[office.authority.slug, office.slug])


def upcoming_openings(schedule: Schedule, now: dt.datetime, count: int = 8) -> list[dict[str, str]]:
    """The next starts of opening hours, so that a page left open for hours can still name the next one
    after ``now`` when the office closes: ``[{at: ISO 8601, text: "Donnerstag, …"}]``."""
    openings = []
    moment = now
    for _i in range(count):
        start = schedule.next_opening(moment)
        if start is None:
            break
        openings.append({"at": start.isoformat(), "text": when(start)})
        moment = start
    return openings


def wait_text(seconds: int) -> str:
    if seconds <= 0:
        return _("You will be served shortly.")
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Expected wait: about %(minutes)s minute", "Expected wait: about %(minutes)s minutes", minutes
    ) % {"minutes": minutes}


def position_html(pos: int) -> SafeString:
    # The number sits in its own element (#position) so the page script can change just the number.
    number = format_html('<span id="position">{}</span>', pos)
    return mark_safe(escape(_("You are number %(position)s in line")) % {"position": number})  # noqa: S308


def _render_office(
    request: HttpRequest,
    office: Office,
    form: EnterForm | None = None,
    error: str = "",
    status: int = 200,
    queue_full: bool = False,
) -> HttpResponse:
    now = timezone.now()
    info = office_info(office, now)
    queue_full = queue_full or 0 < office.max_queue_length <= info["state"].waiting
    office_url = _url("office", office)
    context = {
        **info,
        "authority": office.authority,
        "form": form or EnterForm(),
        "error": error,
        "direct_link": request.build_absolute_uri(office_url),
        "qr_url": _url("office-qr", office),
        "enter_url": _url("enter", office),
        "retention_days": settings.RETENTION_DAYS,
        "live": live_config(office.authority, reload_when_open=True),
        # Solved in the background on every visit; required only under pressure (waitingroom.ratelimit).
        "pow_config": pow.page_config(),
        # Booking link; the next free slots when the waiting area cannot take the citizen now.
        **appointment_offer(office, now, with_slots=queue_full or not info["is_open"]),
    }
    return render(request, "public/office.html", context, status=status)


def _ended_message(ticket: Ticket) -> str:
    if ticket.state == TicketState.DECLINED:
        text = _("The office could not take your request.")
        if ticket.decline_message:
            text += " " + _("Message from the office: %(message)s") % {"message": ticket.decline_message}
        return text
    if ticket.state == TicketState.EXPIRED:
        return _("Your place in the waiting area has ended.")
    if ticket.state == TicketState.LEFT:
        return _("You have left the waiting area.")
    return _("You are not in the waiting area of this office.")


# --- pages ---------------------------------------------------------------------------------------


@require_safe
def authority_list(request: HttpRequest) -> HttpResponse:
    authorities = list(Authority.objects.order_by("name"))
    if len(authorities) == 1:
        return redirect("public:overview", authority_slug=authorities[0].slug)
    return render(request, "public/authorities.html", {"authorities": authorities})


@require_safe
def overview(request: HttpRequest, authority_slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=authority_slug)
    now = timezone.now()
    offices = list(
        Office.objects.filter(authority=authority, archived_at__isnull=True)
        .select_related("authority")
        .order_by("name")
    )
    states = office_states(offices)
    cards = [office_info(office, now, states[office.pk]) for office in offices]
    return render(
        request,
        "public/overview.html",
        {"authority": authority, "cards": cards, "live": live_config(authority)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def office_page(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    if request.method == "POST":
        return _enter(request, office)
    return _render_office(request, office)


@require_http_methods(["GET", "HEAD", "POST"])
def enter(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    if request.method == "POST":
        return _enter(request, office)
    return redirect(_url("office", office) + "#enter-form")


def _enter(request: HttpRequest, office: Office) -> HttpResponse:
    current = _session_ticket(request)
    if current is not None and current.state in ACTIVE_STATES:
        # One place at a time: a second submit (or another office's form) leads back to the waiting page.
        return redirect(_url("waiting", current.office))
    form = EnterForm(request.POST, pow_required=entry_limit.under_pressure(office))
    if not form.is_valid():
        return _render_office(request, office, form, status=400)
    address = client_address(request)
    limited = entry_limit.take(address, request.session)
    if limited is not None:
        error = (
            _("Too many entries have come from your internet connection. Please try again later.")
            if limited == entry_limit.ADDRESS
            else _("You have entered the waiting area too often in a short time. Please try again later.")
        )
        response = _render_office(request, office, form, error=error, status=429)
        response["Retry-After"] = str(entry_limit.window_seconds())
        return response
    try:
        _ticket, token = actions.enter_queue(
            office, form.cleaned_data["display_name"], form.cleaned_data["concern"], request.LANGUAGE_CODE
        )
    except ActionError as exc:
        entry_limit.give_back(address, request.session)
        return _render_office(
            request, office, form, error=exc.message, status=409, queue_full=exc.code == "queue_full"
        )
    request.session.cycle_key()
    remember(request.session, token)
    return redirect(_url("waiting", office))


@require_safe
def authority_theme(request: HttpRequest, authority_slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=authority_slug)
    response = HttpResponse(theme.stylesheet(authority.colour), content_type="text/css; charset=utf-8")
    # The link carries the colour (?v=…), so a changed colour is a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def office_qr(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    link = request.build_absolute_uri(_url("office", office))
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, border=2, dark="#000000", light="#ffffff")
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def waiting(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    ticket = _session_ticket(request)
    if ticket is not None and ticket.office_id != office.pk:
        if ticket.state in ACTIVE_STATES:
            # Transferred, or entered elsewhere: the place is in the ticket's own office.
            return redirect(_url("waiting", ticket.office))
        ticket = None
    if ticket is None:
        messages.info(request, _("You are not in the waiting area of this office."))
        return redirect(_url("office", office))
    if ticket.state == TicketState.DONE:
        return redirect(_url("thanks", office))
    if ticket.state not in ACTIVE_STATES:
        messages.info(request, _ended_message(ticket))
        return redirect(_url("office", office))

    now = timezone.now()
    state = office_state(office)
    pos = position(ticket) if ticket.state == TicketState.WAITING else 0
    schedule = Schedule.for_office(office, around=timezone.localtime(now, office.tz).date())
    authority = office.authority
    config = {
        "ws": "/ws/ticket/",
        "office_slug": office.slug,
        "position": pos,
        "expected_wait_seconds": state.expected_wait_seconds(pos),
        "ticket_state": ticket.state,
        "next_openings": upcoming_openings(schedule, now),
        "labels": {key: str(label) for key, label in STATE_LABELS.items()},
        "urls": {
            # "__office__" is replaced by the slug of the office the ticket is in (it can be transferred).
            "office": reverse("public:office", args=[authority.slug, "__office__"]),
            "waiting": reverse("public:waiting", args=[authority.slug, "__office__"]),
            "leave": reverse("public:leave", args=[authority.slug, "__office__"]),
            "thanks": reverse("public:thanks", args=[authority.slug, "__office__"]),
            "overview": reverse("public:overview", args=[authority.slug]),
            # Offered with the closing notice when the office closes while the citizen waits.
            "book": week_url(office) if offers_appointments(office) else "",
        },
    }
    context = {
        "authority": authority,
        "office": office,
        "ticket": ticket,
        "is_waiting": ticket.state == TicketState.WAITING,
        "position_html": position_html(pos),
        "wait_text": wait_text(state.expected_wait_seconds(pos)),
        "state_label": STATE_LABELS[state.state],
        "config": config,
    }
    return render(request, "public/waiting.html", context)


@require_POST
def leave(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    ticket = _session_ticket(request)
    if ticket is None or ticket.office_id != office.pk:
        messages.info(request, _("You are not in the waiting area of this office."))
        return redirect(_url("office", office))
    try:
        citizen_leaves(ticket)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("You have left the waiting area."))
    return redirect(_url("office", office))


@require_http_methods(["GET", "HEAD", "POST"])
def thanks(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    office = _office(authority_slug, office_slug)
    ticket = _session_ticket(request)
    if ticket is not None and ticket.office_id != office.pk:
        ticket = None
    form = RatingForm()
    error = ""
    status = 200
    if request.method == "POST":
        form = RatingForm(request.POST)
        if ticket is None:
            error, status = _("There is no consultation to rate."), 400
        elif not form.is_valid():
            status = 400
        else:
            try:
                actions.rate(ticket, form.cleaned_data["rating"])
            except ActionError as exc:
                error, status = exc.message, 409
            else:
                messages.success(request, _("Thank you for your rating."))
                return redirect(_url("thanks", office))
    can_rate = ticket is not None and ticket.state == TicketState.DONE and ticket.rating is None
    context = {
        "authority": office.authority,
        "office": office,
        "form": form,
        "error": error,
        "can_rate": can_rate,
        "retention_days": settings.RETENTION_DAYS,
    }
    return render(request, "public/thanks.html", context, status=status)
