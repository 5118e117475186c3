"""offices.access: the one rule for which offices an official reaches and leads. Another authority's
office is always a 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from buergerbuero.offices import access
from buergerbuero.offices.models import Assignment

pytestmark = pytest.mark.django_db


def test_office_for_staff(world) -> None:
    assert access.get_office_for_staff(world.official_a, world.office_a.pk) == world.office_a
    assert access.get_office_for_staff(world.admin, world.office_b.pk) == world.office_b
    for staff, office in [
        (world.official_b, world.office_a),
        (world.other_admin, world.office_a),
        (world.admin, world.other_office),
    ]:
        with pytest.raises(Http404):
            access.get_office_for_staff(staff, office.pk)


def test_led_offices(world) -> None:
    # official_a leads office_a; official_a2 works there without leading it.
    assert access.led_office_ids(world.official_a) == {world.office_a.pk}
    assert access.leads(world.official_a, world.office_a.pk)
    assert not access.leads(world.official_a, world.office_b.pk)
    assert access.led_office_ids(world.official_a2) == frozenset()
    assert not access.leads(world.official_a2, world.office_a.pk)
    Assignment.objects.filter(staff=world.official_a2, office=world.office_a).update(is_lead=True)
    assert access.leads(world.official_a2, world.office_a.pk)
    # An administrator leads every office of their authority, none of another.
    assert access.led_office_ids(world.admin) == {world.office_a.pk, world.office_b.pk}
    assert access.leads(world.admin, world.office_b.pk)
    assert not access.leads(world.admin, world.other_office.pk)
