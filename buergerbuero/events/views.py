"""The public event pages: an authority's upcoming events, an event with its registration form, the
invitation page behind a secret link, the page after registering, and the registrant's own page (from
the link in the mail) with the cancellation.

A view fetches its event through ``access`` (another authority's, or an invitation-only event without
its link: 404), calls at most one action and renders or redirects. Pages behind a secret link are
``private`` (core.http): not cached, not indexed, the token in no Referer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from buergerbuero.authorities.models import Authority
from buergerbuero.core import pow
from buergerbuero.core.errors import ActionError
from buergerbuero.core.forms import error_list
from buergerbuero.core.http import private
from buergerbuero.core.ratelimit import REGISTRATIONS_REFUSED, client_address
from buergerbuero.events import access, mails, ratelimit
from buergerbuero.events.actions import lifecycle, registrations, rules
from buergerbuero.events.forms import RegistrationForm
from buergerbuero.events.models import Event, Registration
from buergerbuero.events.pages import event_facts

SESSION_REGISTERED = "bb_event_registered"
REGISTERED_PAGE_LIFETIME = dt.timedelta(hours=1)


@require_safe
def event_list(request: HttpRequest, authority_slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=authority_slug)
    now = timezone.now()
    events = (
        access.public_events(authority)
        .filter(ends_at__gt=now)
        .select_related("office", "room", "authority")
        .order_by("starts_at", "id")
    )
    entries = [
        {
            **event_facts(event, now),
            "url": reverse("events:detail", args=[authority.slug, event.pk]),
        }
        for event in events
    ]
    return render(request, "events/list.html", {"authority": authority, "entries": entries})


def _render_event(
    request: HttpRequest,
    event: Event,
    form: RegistrationForm | None = None,
    *,
    invitation: bool = False,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    form = form or RegistrationForm()
    refusal = rules.registration_refusal(event, now)
    context: dict[str, Any] = {
        "authority": event.authority,
        "event": event,
        "facts": event_facts(event, now),
        "refusal": refusal.message if refusal else "",
        "refusal_code": refusal.code if refusal else "",
        "form": form,
        "errors": error_list(form) if form.is_bound else [],
        "invitation": invitation,
        "list_url": reverse("events:list", args=[event.authority.slug]),
        "retention_days": settings.RETENTION_DAYS,
        "pow_config": pow.page_config(),
    }
    return render(request, "events/detail.html", context, status=status)


def _register(request: HttpRequest, event: Event, *, invitation: bool) -> HttpResponse:
    """The POST of the registration form (on the event page or the invitation page)."""
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return _render_event(request, event, form, invitation=invitation, status=400)
    data = form.cleaned_data
    address = client_address(request)
    refused = REGISTRATIONS_REFUSED.check(ratelimit.REGISTRATIONS, address, data["email"])
    if refused:
        form.add_error(None, refused)
        return _render_event(request, event, form, invitation=invitation, status=429)
    try:
        registration = registrations.register(
            event, name=data["name"], email=data["email"], language=request.LANGUAGE_CODE
        )
    except ActionError as exc:
        ratelimit.give_back(address, data["email"])
        form.add_error(None, exc.message)
        return _render_event(request, event, form, invitation=invitation, status=409)
    request.session[SESSION_REGISTERED] = registration.pk
    return redirect("events:registered")


@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, authority_slug: str, event_id: int) -> HttpResponse:
    event = access.get_public_event(authority_slug, event_id)
    if request.method == "POST":
        return _register(request, event, invitation=False)
    return _render_event(request, event)


def invalid_link(request: HttpRequest, what: str = "invitation") -> HttpResponse:
    return render(request, "events/invalid_link.html", {"what": what}, status=404)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    event = lifecycle.event_by_invitation(token)
    if event is None:
        return invalid_link(request)
    if request.method == "POST":
        return _register(request, event, invitation=True)
    return _render_event(request, event, invitation=True)


@private
@require_safe
def registered(request: HttpRequest) -> HttpResponse:
    """After registering (POST/redirect/GET); the registration comes from the session and is shown for
    an hour only (on a shared computer the next person must not find the links)."""
    registration_id = request.session.get(SESSION_REGISTERED)
    registration = (
        Registration.objects.select_related("event__authority", "event__office", "event__room")
        .filter(pk=registration_id)
        .first()
        if registration_id
        else None
    )
    if registration is None or registration.created_at < timezone.now() - REGISTERED_PAGE_LIFETIME:
        request.session.pop(SESSION_REGISTERED, None)
        return invalid_link(request, "registration")
    return render(request, "events/registered.html", _registration_context(registration))


def _registration_context(registration: Registration) -> dict[str, Any]:
    event = registration.event
    now = timezone.now()
    token = registrations.join_token(registration)
    return {
        "authority": event.authority,
        "event": event,
        "registration": registration,
        "facts": event_facts(event, now),
        "join_url": mails.join_path(token) if token and registration.is_active else "",
        "registration_url": mails.registration_path(registration),
        "can_cancel": registrations.can_cancel(registration, now),
    }


@private
@require_http_methods(["GET", "HEAD", "POST"])
def registration(request: HttpRequest, token: str) -> HttpResponse:
    """The registrant's page from the link in the mail. GET shows it (and asks "cancel?"); POST
    cancels."""
    found = registrations.registration_by_token(token)
    if found is None:
        return invalid_link(request, "registration")
    if request.method == "POST":
        try:
            registrations.cancel_registration(found)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your registration has been cancelled."))
        return redirect("events:registration", token=token)
    return render(request, "events/registration.html", _registration_context(found))
