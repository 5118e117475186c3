"""authorities.access: who is an official (a bare superuser is not)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from buergerbuero.authorities import access

pytestmark = pytest.mark.django_db


def test_staff_for_user(world) -> None:
    assert access.get_staff_for_user(world.official_a.user) == world.official_a
    with pytest.raises(PermissionDenied):
        access.get_staff_for_user(AnonymousUser())
    with pytest.raises(PermissionDenied):
        access.get_staff_for_user(get_user_model().objects.create_superuser("root", "", "x"))
