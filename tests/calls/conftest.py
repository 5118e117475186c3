"""What the call tests share: an office two officials of it have opened, and the code of a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from buergerbuero.core.errors import ActionError
from tests.conftest import open_


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    return world.office_a


def code_of(call: Callable[..., Any], *args: Any) -> str:
    """The code of the ActionError that ``call(*args)`` raises."""
    with pytest.raises(ActionError) as exc:
        call(*args)
    return exc.value.code
