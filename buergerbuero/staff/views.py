"""The officials' workspace: login, the dashboard, and one POST endpoint per action.

Every POST endpoint parses its input (bad input: 400), fetches its objects through ``staff.access``
(another authority's or an unassigned office's object: 404), calls exactly ONE action and answers
``{"ok": true}`` / ``{"ok": false, "code", "message"}`` (409 for a rule that said no) when asked with
``Accept: application/json``, else redirects to the dashboard with a message. The page learns the
effects over its socket (/ws/staff/), never from these answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.calls.actions import admission, colleagues, course
from buergerbuero.core.errors import ActionError
from buergerbuero.offices import actions as office_actions
from buergerbuero.offices.access import get_office_for_staff
from buergerbuero.staff import access
from buergerbuero.staff.forms import (
    TEXT_MAX_LENGTH,
    AdminLoginForm,
    AnswerInvitationForm,
    AvailabilityForm,
    CallPageForm,
    CloseOfficeForm,
    DeclineForm,
    InviteForm,
    OpenOfficeForm,
    StaffAuthenticationForm,
    TransferForm,
)
from buergerbuero.staff.selectors import workspace_snapshot
from buergerbuero.waitingroom import actions as waiting_actions

STATE_LABELS = {
    "closed": gettext_lazy("closed"),
    "open_free": gettext_lazy("open – available"),
    "open_busy": gettext_lazy("open – busy"),
}

# --- helpers -------------------------------------------------------------------------------------


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def done(request: HttpRequest, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": True})
    messages.success(request, message)
    return redirect("staff:dashboard")


def act(request: HttpRequest, action: Callable[[], object], success: str) -> HttpResponse:
    """Run one action: its refusal becomes a 409 (or a message), its success a confirmation."""
    try:
        action()
    except ActionError as error:
        return refused(request, error)
    return done(request, success)


def act_on(
    request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], object], success: str
) -> HttpResponse:
    """Check the posted form, then run the action with its cleaned data (see act)."""
    if not form.is_valid():
        return bad_input(request, form)
    return act(request, lambda: action(form.cleaned_data), success)


def refused(request: HttpRequest, error: ActionError) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": False, "code": error.code, "message": error.message}, status=409)
    messages.error(request, error.message)
    return redirect("staff:dashboard")


def bad_input(request: HttpRequest, form: forms.Form) -> HttpResponse:
    message = next(iter(e for errors in form.errors.values() for e in errors), _("Invalid input."))
    if wants_json(request):
        return JsonResponse({"ok": False, "code": "invalid", "message": message}, status=400)
    return render(request, "staff/bad_input.html", {"message": message}, status=400)


# --- login ---------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    form_class = StaffAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error("__all__", "locked"):
            response.status_code = 429
        return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's own login, answering 429 while locked as the staff login does. Routed in
    buergerbuero/site/urls.py ahead of the admin's URLs, which also gives the site forms.AdminLoginForm (the
    staff login's lockout)."""
    response = admin.site.login(request)
    context = getattr(response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(form, AdminLoginForm) and form.has_error("__all__", "locked"):
        response.status_code = 429
    return response


class LogoutView(auth_views.LogoutView):
    pass


# --- the dashboard -------------------------------------------------------------------------------


def _url(name: str, *args: int) -> str:
    return reverse(f"staff:{name}", args=args)


@require_GET
@staff_required
def dashboard(request: HttpRequest, staff: Staff) -> HttpResponse:
    # The page is drawn from this snapshot first (it works without script); the socket's snapshot
    # then replaces it and its deltas keep it current.
    snapshot = workspace_snapshot(staff)
    snapshot.pop("participant", None)
    offices = sorted(snapshot["offices"], key=lambda o: (not o["assigned"], o["name"].casefold()))
    for office in offices:
        office["state_label"] = STATE_LABELS[office["state"]["state"]]
    config = {
        "ws": "/ws/staff/",
        "csrf": get_token(request),
        "urls": {
            "open": _url("open-office", 0),
            "close": _url("close-office", 0),
            "admit_next": _url("admit-next", 0),
            "admit": _url("admit", 0),
            "decline": _url("decline", 0),
            "send_back": _url("send-back", 0),
            "transfer": _url("transfer", 0),
            "invite": _url("invite", 0),
            "answer": _url("answer-invitation", 0),
        },
        "labels": {
            **{key: str(label) for key, label in STATE_LABELS.items()},
            "waiting_title": _("%(count)s waiting"),
            "new_citizen": _("Someone new is waiting"),
            "new_citizen_in": _("Someone new is waiting in %(office)s."),
            "invited": _("%(by)s invites you to a consultation in %(office)s."),
            "invitation_title": _("Invitation to a consultation"),
            "transferred_from": _("Transferred from %(office)s"),
            "appointment": _("Appointment %(time)s"),
            "unnamed": _("No name given"),
            "you": _("You"),
            "failed": _("Something went wrong. Please try again."),
            "connection_lost": _("The connection was interrupted. Reconnecting …"),
            "unstable": _("The video connection is unstable. Trying to reconnect …"),
            "no_media": _("Your camera and microphone are not available. You can still see and hear others."),
            "camera_failed": _("This camera could not be started."),
            "call_ended": _("The consultation has ended."),
            "left": _("%(name)s has left the consultation."),
            "ended_citizen_gone": _(
                "The consultation has ended: the citizen's page was closed or offline for too long."
            ),
            "ended_official_gone": _(
                "The consultation has ended: this page was closed or offline for too long. The citizen is "
                "first in line again."
            ),
            "elsewhere": _("This consultation is running in another window."),
            "sound_on": _("Sound alerts: on"),
            "sound_off": _("Sound alerts: off"),
            "video_of": _("Video of %(name)s"),
            "citizen": _("Citizen"),
            "colleague": _("Colleague"),
            "official": _("Official"),
            "end": _("End consultation"),
            "leave": _("Leave consultation"),
        },
    }
    context = {
        "staff": staff,
        "authority": staff.authority,
        "offices": offices,
        "snapshot": snapshot,
        "availability_form": AvailabilityForm(initial={"availability": staff.availability}),
        "availability_choices": Availability.choices,
        "text_max_length": TEXT_MAX_LENGTH,
        "config": config,
    }
    return render(request, "staff/dashboard.html", context)


# --- offices and availability ----------------------------------------------------------------------


@require_POST
@staff_required
def open_office(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_staff(staff, office_id)
    return act_on(
        request,
        OpenOfficeForm(request.POST),
        lambda data: office_actions.open_office(staff, office, outside_hours=data["outside_hours"]),
        _("You have opened %(office)s.") % {"office": office.name},
    )


@require_POST
@staff_required
def close_office(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    """Closing with people waiting who would lose their place needs the official's confirmation naming
    their number (``confirm_waiting``); without it nothing changes and the answer asks for it: JSON with
    the number, or a page with the confirmation form (the workspace works without script)."""
    office = get_office_for_staff(staff, office_id)
    form = CloseOfficeForm(request.POST)
    if not form.is_valid():
        return bad_input(request, form)
    try:
        waiting_actions.check_close_office(staff, office, form.cleaned_data["confirm_waiting"] or 0)
    except waiting_actions.CloseNeedsConfirmation as question:
        if wants_json(request):
            answer = {"ok": False, "code": question.code, "message": question.message}
            return JsonResponse({**answer, "waiting": question.waiting}, status=409)
        context = {"office": office, "message": question.message, "waiting": question.waiting}
        return render(request, "staff/confirm_close.html", context, status=409)
    except ActionError as error:
        return refused(request, error)
    return done(request, _("You have left %(office)s.") % {"office": office.name})


@require_POST
@staff_required
def set_availability(request: HttpRequest, staff: Staff) -> HttpResponse:
    return act_on(
        request,
        AvailabilityForm(request.POST),
        lambda data: office_actions.set_availability(staff, data["availability"]),
        _("Your availability has been changed."),
    )


# --- the queue -----------------------------------------------------------------------------------


@require_POST
@staff_required
def admit_next(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_staff(staff, office_id)
    return act_on(
        request,
        CallPageForm(request.POST),
        lambda data: admission.admit(staff, office, page=data["page"]),
        _("The next person has been let in."),
    )


@require_POST
@staff_required
def admit(request: HttpRequest, staff: Staff, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_staff(staff, ticket_id)
    return act_on(
        request,
        CallPageForm(request.POST),
        lambda data: admission.admit(staff, ticket.office, ticket_id=ticket.pk, page=data["page"]),
        _("The person has been let in."),
    )


@require_POST
@staff_required
def decline(request: HttpRequest, staff: Staff, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_staff(staff, ticket_id)
    return act_on(
        request,
        DeclineForm(request.POST),
        lambda data: waiting_actions.decline(staff, ticket, data["message"]),
        _("The request has been declined."),
    )


# --- the consultation ------------------------------------------------------------------------------


@require_POST
@staff_required
def send_back(request: HttpRequest, staff: Staff, consultation_id: int) -> HttpResponse:
    consultation = access.get_consultation_for_staff(staff, consultation_id)
    return act(
        request,
        lambda: course.send_back(consultation, staff),
        _("The citizen is back in the waiting area, first in line."),
    )


@require_POST
@staff_required
def transfer(request: HttpRequest, staff: Staff, consultation_id: int) -> HttpResponse:
    consultation = access.get_consultation_for_staff(staff, consultation_id)
    form = TransferForm(request.POST)
    if not form.is_valid():
        return bad_input(request, form)
    target = access.get_transfer_target_for_staff(staff, form.cleaned_data["office"])
    return act(
        request,
        lambda: course.transfer(consultation, staff, target, form.cleaned_data["note"]),
        _("The citizen now waits in %(office)s.") % {"office": target.name},
    )


@require_POST
@staff_required
def invite(request: HttpRequest, staff: Staff, consultation_id: int) -> HttpResponse:
    consultation = access.get_consultation_for_staff(staff, consultation_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return bad_input(request, form)
    colleague = access.get_colleague_for_staff(staff, form.cleaned_data["colleague"])
    return act(
        request,
        lambda: colleagues.invite_colleague(consultation, staff, colleague),
        _("%(name)s has been invited.") % {"name": colleague.display_name},
    )


@require_POST
@staff_required
def answer_invitation(request: HttpRequest, staff: Staff, participant_id: int) -> HttpResponse:
    participant = access.get_invitation_for_staff(staff, participant_id)
    form = AnswerInvitationForm(request.POST)
    if not form.is_valid():
        return bad_input(request, form)
    accept = form.cleaned_data["accept"]
    try:
        colleagues.answer_invitation(participant, staff, accept, page=form.cleaned_data["page"])
    except ActionError as error:
        return refused(request, error)
    return done(
        request, _("You have joined the consultation.") if accept else _("You have declined the invitation.")
    )
