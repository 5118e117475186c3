"""stats.demo: load_demo makes three weeks of past activity, rolled up, and only once. (How long it takes
is no test's business: a timed assertion fails on a loaded machine.)"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from buergerbuero.site.demo import load_demo
from buergerbuero.stats.figures import compute
from buergerbuero.stats.models import OfficeDay
from buergerbuero.stats.periods import named_period
from buergerbuero.stats.types import Scope
from buergerbuero.waitingroom.models import Ticket


def test_demo_history_is_made_once_and_rolled_up(db) -> None:
    authority = load_demo()
    tickets = Ticket.objects.filter(office__authority=authority).count()
    assert tickets > 100
    # Every day before yesterday is final at any hour; yesterday only from 3 a.m. local time on
    # (stats.actions.FINAL_DELAY), so it is left out: the test runs at any time of day.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert not OfficeDay.objects.filter(authority=authority, day__lt=yesterday, final=False).exists()
    assert OfficeDay.objects.filter(authority=authority, day__lt=yesterday, final=True).count() >= 7 * 19
    load_demo()
    assert Ticket.objects.filter(office__authority=authority).count() == tickets
    figures = compute(Scope(authority.pk), named_period("all", timezone.localdate(), authority.pk))
    assert figures.meetings > 50 and figures.open_minutes > 1000 and figures.contact_persons > 5
    assert figures.rating_count > 0 and figures.wait_median_s is not None
    # Anonymous: no name in the history.
    assert not Ticket.objects.filter(office__authority=authority).exclude(display_name="").exists()
