"""Short names that fixed paths use are refused for authorities and offices (admin forms run these)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from buergerbuero.authorities.models import Authority
from buergerbuero.offices.models import Office


@pytest.mark.parametrize(
    "slug", ["raum", "schulungen", "Veranstaltungen", "bescheinigung", "termine", "staff"]
)
def test_an_authority_cannot_take_a_reserved_name(db, slug) -> None:
    with pytest.raises(ValidationError) as refused:
        Authority(name="Kreis", slug=slug).full_clean()
    assert "slug" in refused.value.message_dict


def test_an_office_cannot_take_a_name_of_the_authoritys_paths(world) -> None:
    for slug in ("schulungen", "veranstaltungen"):
        with pytest.raises(ValidationError) as refused:
            Office(authority=world.authority, slug=slug, name="X").full_clean()
        assert "slug" in refused.value.message_dict
    Office(authority=world.authority, slug="raum", name="Raumplanung").full_clean()  # fine for an office
