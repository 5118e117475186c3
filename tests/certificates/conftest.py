"""Certificates of the personas' authority (office A) and of the other authority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count

import pytest

from buergerbuero.certificates import actions
from buergerbuero.certificates.models import Certificate
from buergerbuero.offices.models import Office

LEGAL_BASIS = "§ 43 Abs. 1 Nr. 1 Infektionsschutzgesetz (IfSG)"
TITLE = "Belehrung nach § 43 Infektionsschutzgesetz"

_keys = count(1)


@pytest.fixture
def make_certificate(world) -> Callable[..., Certificate]:
    def make(
        office: Office | None = None,
        holder_name: str = "Jörg Müßig-Äbele",
        birth_date: dt.date = dt.date(2007, 3, 14),
        held_on: dt.date = dt.date(2025, 5, 6),
        source_key: str | None = None,
        **extra,
    ) -> Certificate:
        office = office or world.office_a
        return actions.issue(
            authority=office.authority,
            office=office,
            holder_name=holder_name,
            birth_date=birth_date,
            title=extra.pop("title", TITLE),
            legal_basis=extra.pop("legal_basis", LEGAL_BASIS),
            held_on=held_on,
            source_key=source_key or f"test-{next(_keys)}",
            **extra,
        )

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Lookup counters (ratelimit) live in the cache; each test starts without any."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
