"""What the server writes to its log for requests over secret link paths: the URL pattern, never the
token (settings.LOGGING, core/logfilters.py). Read from the real console handler, as an operator would."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterator

import pytest
from django.test import Client

from buergerbuero.core.logfilters import UNKNOWN_PATH

pytestmark = pytest.mark.django_db

TOKEN = secrets.token_urlsafe(24)


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """The console handler that settings.LOGGING configured, writing to a buffer for the test."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize(
    ("method", "path", "status", "route"),
    [
        ("put", f"/termine/{TOKEN}/", 405, "/termine/<str:token>/"),
        ("delete", f"/termine/bestaetigen/{TOKEN}/", 405, "/termine/bestaetigen/<str:token>/"),
        ("put", f"/termine/{TOKEN}/absagen/", 405, "/termine/<str:token>/absagen/"),
    ],
)
def test_a_token_path_is_logged_as_its_route(server_log, method, path, status, route) -> None:
    response = getattr(Client(), method)(path)
    assert response.status_code == status
    log = server_log.getvalue()
    assert route in log
    assert TOKEN not in log and TOKEN[:12] not in log


def test_an_unknown_path_is_not_logged(server_log) -> None:
    assert Client().get(f"/{TOKEN}/{TOKEN}/{TOKEN}/").status_code == 404
    log = server_log.getvalue()
    assert TOKEN not in log
    assert UNKNOWN_PATH in log or log == ""
