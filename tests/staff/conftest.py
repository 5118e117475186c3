"""The login lockout's fixtures, shared by the staff login's and the admin login's tests."""

from __future__ import annotations

import pytest

from buergerbuero.staff import ratelimit


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    settings.LOGIN_LOCKOUT_SECONDS = 600
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 86400
    return settings


class Clock:
    """The lockout's clock, moved by the test instead of waiting (staff.ratelimit reads ``_now``)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit, "_now", fake)
    return fake
