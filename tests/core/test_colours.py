from __future__ import annotations

import pytest

from buergerbuero.core import colours


def test_contrast_follows_wcag() -> None:
    assert colours.contrast((0, 0, 0), colours.WHITE) == pytest.approx(21.0)
    assert colours.contrast(colours.WHITE, colours.WHITE) == pytest.approx(1.0)
    # Symmetric, and the known ratio of WCAG's own example grey #767676 on white.
    assert colours.contrast(colours.parse("#767676"), colours.WHITE) == pytest.approx(4.54, abs=0.01)
    assert colours.contrast(colours.WHITE, colours.parse("#767676")) == pytest.approx(4.54, abs=0.01)


def test_brand_contrast_is_the_lower_of_white_and_the_surface() -> None:
    grey = colours.parse("#767676")
    assert colours.brand_contrast(grey) == pytest.approx(colours.contrast(grey, colours.SURFACE))
    assert colours.brand_contrast(grey) < colours.MIN_CONTRAST < colours.contrast(grey, colours.WHITE)


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#gggggg", ""])
def test_parse_refuses_what_is_no_colour(value) -> None:
    with pytest.raises(ValueError):
        colours.parse(value)


def test_parse_and_hex_round_trip() -> None:
    assert colours.parse("#1D4F91") == (0x1D, 0x4F, 0x91)
    assert colours.to_hex((0x1D, 0x4F, 0x91)) == "#1d4f91"
