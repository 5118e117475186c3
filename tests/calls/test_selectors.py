"""calls.selectors: the figures the office's live state takes from the calls (the median length of a
consultation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from buergerbuero.calls.models import Consultation
from buergerbuero.calls.selectors import (
    DEFAULT_SERVICE_SECONDS,
    median_service_seconds,
    median_service_seconds_of,
)
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def make_consultations(office, ticket, minutes: list[float], days_ago: int = 1) -> None:
    end = timezone.now() - timedelta(days=days_ago)
    for n, length in enumerate(minutes):
        stop = end - timedelta(hours=n)
        Consultation.objects.create(
            office=office,
            ticket=ticket,
            started_at=stop - timedelta(minutes=length),
            connected_at=stop - timedelta(minutes=length),
            ended_at=stop,
        )


def enter_closed(world):
    open_(world.official_a, world.office_a)
    return enter(world.office_a)


def test_median_service_time(world) -> None:
    ticket, _ = enter_closed(world)
    assert median_service_seconds(world.office_a) == DEFAULT_SERVICE_SECONDS
    make_consultations(world.office_a, ticket, [4, 8, 30])
    assert median_service_seconds(world.office_a) == 8 * 60


def test_median_ignores_old_unconnected_and_other_offices(world) -> None:
    ticket, _ = enter_closed(world)
    make_consultations(world.office_a, ticket, [50, 50, 50], days_ago=31)
    make_consultations(world.office_b, ticket, [50])
    Consultation.objects.create(
        office=world.office_a, ticket=ticket, started_at=timezone.now(), ended_at=timezone.now()
    )
    assert median_service_seconds(world.office_a) == DEFAULT_SERVICE_SECONDS


def test_median_of_the_last_twenty_and_at_least_a_minute(world) -> None:
    ticket, _ = enter_closed(world)
    make_consultations(world.office_a, ticket, [0.1] * 20, days_ago=1)
    make_consultations(world.office_a, ticket, [40] * 10, days_ago=2)
    assert median_service_seconds(world.office_a) == 60


def test_medians_of_several_offices_take_each_office_s_last_twenty(world) -> None:
    ticket, _ = enter_closed(world)
    make_consultations(world.office_a, ticket, [0.1] * 20, days_ago=1)
    make_consultations(world.office_a, ticket, [40] * 10, days_ago=2)
    make_consultations(world.office_b, ticket, [40] * 10, days_ago=2)
    assert median_service_seconds_of([world.office_a.pk, world.office_b.pk]) == {
        world.office_a.pk: 60,
        world.office_b.pk: 40 * 60,
    }
