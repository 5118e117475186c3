"""The people of an authority and one's own account (/staff/people/).

Every official: their account page (the name citizens see, the password). The authority's
administrators: the list of people, inviting an official, and a person's page (role, deactivation, the
invitation sent again or revoked). Signed out: the password reset by mail (Django's views with our
templates and form) and taking up an invitation; these pages are reached by a secret link or lead to
one, so they are ``private`` and behind no login.

As in the other staff pages, a view parses its input, fetches the person through ``access`` (another
authority's: 404), calls one action and answers POST/redirect/GET with a message. A form with errors is
shown again with what was typed (400); a refused action with its reason (409 where something was typed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.authorities import actions
from buergerbuero.authorities.access import admin_required, get_person_for_admin, staff_required
from buergerbuero.authorities.forms import (
    ActiveForm,
    DisplayNameForm,
    InviteForm,
    LimitedPasswordChangeForm,
    RoleForm,
    StaffPasswordResetForm,
)
from buergerbuero.authorities.models import Role, Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.core.http import private


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


# --- one's own account -----------------------------------------------------------------------------


def _render_account(
    request: HttpRequest, staff: Staff, form: DisplayNameForm, status: int = 200
) -> HttpResponse:
    return render(request, "authorities/staff/account.html", _context(staff, form=form), status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def account(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return _render_account(request, staff, DisplayNameForm(initial={"display_name": staff.display_name}))
    form = DisplayNameForm(request.POST)
    if not form.is_valid():
        return _render_account(request, staff, form, status=400)
    try:
        actions.change_display_name(staff, form.cleaned_data["display_name"])
    except ActionError as error:
        form.add_error("display_name", error.message)
        return _render_account(request, staff, form, status=409)
    messages.success(request, _("Your name has been saved."))
    return redirect("staff_people:account")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def password_change(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = LimitedPasswordChangeForm(staff.user, request.POST or None, request=request)
    if request.method == "POST":
        if form.is_valid():
            actions.change_password(staff, form.cleaned_data["new_password1"])
            # The new password ends every other session of this official; this one stays signed in.
            staff.user.refresh_from_db()
            update_session_auth_hash(request, staff.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("staff_people:account")
        status = 429 if form.has_error("old_password", "locked") else 400
    else:
        status = 200
    return render(request, "authorities/staff/password.html", _context(staff, form=form), status=status)


# --- the password reset by mail (signed out) -------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "authorities/staff/reset_form.html"
    form_class = StaffPasswordResetForm
    success_url = reverse_lazy("staff_people:reset-sent")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: StaffPasswordResetForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        response.status_code = 429 if form.has_error("email", "locked") else 400
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "authorities/staff/reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "authorities/staff/reset_confirm.html"
    success_url = reverse_lazy("staff:login")
    token_generator = default_token_generator

    def get_user(self, uidb64: str) -> Any:
        # Only officials reset here (the form mails no one else); anyone else's link reads as invalid.
        user = super().get_user(uidb64)
        return user if user is not None and Staff.objects.filter(user_id=user.pk).exists() else None

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        # As Django's view, but the password is set by our action (audited); no login follows, so the
        # next sign-in goes through the staff login and its lockout.
        staff = Staff.objects.select_related("authority").get(user_id=form.user.pk)
        actions.reset_password(staff, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password has been saved. Please log in with it."))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        response.status_code = 400
        return response


# The address carries a token (or leads to the page that does): never cached, never in a Referer.
def _private_view(view: Any) -> Callable[..., HttpResponse]:
    # Django's password views answer with HttpResponse subclasses only (pages and redirects).
    return private(cast("Callable[..., HttpResponse]", view.as_view()))


password_reset = _private_view(PasswordResetView)
password_reset_sent = _private_view(PasswordResetDoneView)
password_reset_confirm = _private_view(PasswordResetConfirmView)


# --- taking up an invitation (signed out) ----------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@private
def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = actions.check_invitation(token)
    except ActionError as error:
        # A link that never was (or was revoked) is not found; one used or expired is gone.
        status = 404 if error.code == "invitation_unknown" else 410
        return render(request, "authorities/staff/accept.html", {"problem": error.message}, status=status)
    staff = invitation.staff
    form = SetPasswordForm(staff.user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.accept_invitation(token, form.cleaned_data["new_password1"])
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, _("Your password has been saved. Please log in with it."))
                return redirect("staff:login")
        else:
            status = 400
    context = {"form": form, "invitee": staff, "authority": staff.authority}
    return render(request, "authorities/staff/accept.html", context, status=status)


# --- the people of the authority (administrators) --------------------------------------------------


def _state(person: Staff, now: dt.datetime) -> str:
    invitation = getattr(person, "invitation", None)
    if invitation is not None and invitation.is_open:
        if invitation.expires_at <= now:
            return pgettext("account status", "Invitation expired")
        return pgettext("account status", "Invited")
    if person.user.is_active:
        return pgettext("account status", "Active")
    return pgettext("account status", "Deactivated")


@require_GET
@admin_required
def people(request: HttpRequest, staff: Staff) -> HttpResponse:
    now = timezone.now()
    persons = (
        Staff.objects.filter(authority_id=staff.authority_id)
        .select_related("user", "invitation")
        .order_by("display_name", "pk")
    )
    rows = [{"person": p, "state": _state(p, now)} for p in persons]
    return render(request, "authorities/staff/people.html", _context(staff, rows=rows))


def _render_invite(request: HttpRequest, staff: Staff, form: InviteForm, status: int = 200) -> HttpResponse:
    return render(request, "authorities/staff/invite.html", _context(staff, form=form), status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@admin_required
def invite(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return _render_invite(request, staff, InviteForm())
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_invite(request, staff, form, status=400)
    try:
        person, _token = actions.invite(staff, **form.cleaned_data)
    except ActionError as error:
        field = "username" if error.code in ("username_taken", "invalid_username") else None
        form.add_error(field, error.message)
        return _render_invite(request, staff, form, status=409)
    messages.success(request, _("The invitation has been sent to %(email)s.") % {"email": person.user.email})
    return redirect("staff_people:person", person.pk)


def _render_person(
    request: HttpRequest, staff: Staff, person: Staff, status: int = 200, **forms: Any
) -> HttpResponse:
    now = timezone.now()
    invitation = getattr(person, "invitation", None)
    context = _context(
        staff,
        person=person,
        state=_state(person, now),
        open_invitation=invitation if invitation is not None and invitation.is_open else None,
        invitation_expired=invitation is not None and invitation.is_open and invitation.expires_at <= now,
        role_form=forms.get("role_form") or RoleForm(initial={"role": person.role}),
        is_self=person.pk == staff.pk,
        roles=Role,
    )
    return render(request, "authorities/staff/person.html", context, status=status)


@require_GET
@admin_required
def person(request: HttpRequest, staff: Staff, staff_id: int) -> HttpResponse:
    return _render_person(request, staff, get_person_for_admin(staff, staff_id))


def _act(
    request: HttpRequest, staff: Staff, person: Staff, action: Callable[[], object], success: str
) -> HttpResponse:
    try:
        action()
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("staff_people:person", person.pk)
    messages.success(request, success)
    if person.pk == staff.pk:
        # An administrator who stepped down (or deactivated themselves) may no longer see this page.
        return redirect("staff:dashboard")
    return redirect("staff_people:person", person.pk)


@require_POST
@admin_required
def change_role(request: HttpRequest, staff: Staff, staff_id: int) -> HttpResponse:
    person = get_person_for_admin(staff, staff_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_person(request, staff, person, status=400, role_form=form)
    role = form.cleaned_data["role"]
    return _act(
        request,
        staff,
        person,
        lambda: actions.change_role(staff, person, role),
        _("The role has been changed."),
    )


@require_POST
@admin_required
def set_active(request: HttpRequest, staff: Staff, staff_id: int) -> HttpResponse:
    person = get_person_for_admin(staff, staff_id)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["active"][0]))
        return _render_person(request, staff, person, status=400)
    active = form.cleaned_data["active"]
    success = _("The account has been activated.") if active else _("The account has been deactivated.")
    return _act(request, staff, person, lambda: actions.set_active(staff, person, active), success)


@require_POST
@admin_required
def resend_invitation(request: HttpRequest, staff: Staff, staff_id: int) -> HttpResponse:
    person = get_person_for_admin(staff, staff_id)
    success = _("The invitation has been sent again to %(email)s.") % {"email": person.user.email}
    return _act(request, staff, person, lambda: actions.resend_invitation(staff, person), success)


@require_POST
@admin_required
def revoke_invitation(request: HttpRequest, staff: Staff, staff_id: int) -> HttpResponse:
    person = get_person_for_admin(staff, staff_id)
    try:
        actions.revoke_invitation(staff, person)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("staff_people:person", person.pk)
    messages.success(
        request, _("The invitation of %(name)s has been revoked.") % {"name": person.display_name}
    )
    return redirect(reverse("staff_people:index"))
