"""audit.sources: the offices app hands the audit log the names of an authority's offices when Django
starts, archived ones included (old entries still name them), and another authority's never."""

from __future__ import annotations

import pytest
from django.utils import timezone

from buergerbuero.audit.sources import sources
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import office_names

pytestmark = pytest.mark.django_db


def test_offices_names_its_offices_for_the_audit_log(world) -> None:
    assert sources.office_names is office_names
    Office.objects.filter(pk=world.office_b.pk).update(archived_at=timezone.now())
    assert sources.office_names(world.authority.pk) == [
        (world.office_a.pk, "Energieberatung"),
        (world.office_b.pk, "Gartenkultur"),
    ]
    assert sources.office_names(world.other_authority.pk) == [(world.other_office.pk, "Bürgeramt")]
