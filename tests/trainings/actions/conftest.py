"""A training session of office A with three places, presented by official A."""

from __future__ import annotations

import pytest

from tests.trainings.helpers import make_session, make_type


@pytest.fixture
def session(world):
    return make_session(make_type(world.office_a, world.official_a), world.official_a, capacity=3)
