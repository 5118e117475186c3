"""stats.demo: load_demo makes three weeks of past activity, rolled up, quickly and only once."""

from __future__ import annotations

import time

from buergerbuero.core.demo import load_demo
from buergerbuero.stats.figures import compute
from buergerbuero.stats.models import OfficeDay
from buergerbuero.stats.periods import named_period
from buergerbuero.stats.types import Scope
from buergerbuero.waitingroom.models import Ticket


def test_demo_history_is_made_once_and_rolled_up(db) -> None:
    started = time.perf_counter()
    authority = load_demo()
    assert time.perf_counter() - started < 5  # the history itself takes well under 2 s
    tickets = Ticket.objects.filter(office__authority=authority).count()
    assert tickets > 100
    assert OfficeDay.objects.filter(authority=authority, final=True).count() >= 7 * 20
    load_demo()
    assert Ticket.objects.filter(office__authority=authority).count() == tickets
    from django.utils import timezone

    figures = compute(Scope(authority.pk), named_period("all", timezone.localdate(), authority.pk))
    assert figures.meetings > 50 and figures.open_minutes > 1000 and figures.contact_persons > 5
    assert figures.rating_count > 0 and figures.wait_median_s is not None
    # Anonymous: no name in the history.
    assert not Ticket.objects.filter(office__authority=authority).exclude(display_name="").exists()
