"""Small helpers shared by the staff view tests (personas come from tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from buergerbuero.audit.models import AuditEntry


def url(name: str, *args: int) -> str:
    return reverse(f"staff:{name}", args=args)


def post_json(client: Client, path: str, data: dict[str, Any] | None = None):
    return client.post(path, data or {}, HTTP_ACCEPT="application/json")


def actions_of(authority, object_type: str | None = None) -> list[str]:
    entries = AuditEntry.objects.filter(authority=authority).order_by("id")
    if object_type:
        entries = entries.filter(object_type=object_type)
    return list(entries.values_list("action", flat=True))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_refused(response, code: str, status: int = 409) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["ok"] is False
    assert body["code"] == code
    assert body["message"]
