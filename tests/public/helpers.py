"""Small helpers shared by the public view tests (personas come from tests/conftest.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import translation

from buergerbuero.audit.models import AuditEntry
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.tokens import SESSION_KEY, remember


def url(name: str, office: Office) -> str:
    return reverse(f"public:{name}", args=[office.authority.slug, office.slug])


def with_ticket(client: Client, token: str, legacy: bool = False) -> Client:
    """Put a ticket token's hash into the client's session, as entering does (with ``legacy`` the raw
    token, as sessions written by older versions hold it)."""
    session = client.session
    if legacy:
        session[SESSION_KEY] = token
    else:
        remember(session, token)
    session.save()
    return client


def audit_actions(authority) -> list[str]:
    return list(
        AuditEntry.objects.filter(authority=authority).order_by("id").values_list("action", flat=True)
    )


def de(message: str) -> str:
    """The German text of a msgid: pages answer in German unless the visitor chose English."""
    with translation.override("de"):
        return translation.gettext(message)
