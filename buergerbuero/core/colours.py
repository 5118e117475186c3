"""Colours as #RRGGBB and their contrast (WCAG 2.1): the public pages' theme darkens an authority's colour
to a readable one, and the authority's settings refuse a colour that would need it.

An authority's colour carries white text (header, buttons) and is itself text on the light page surface
(links, secondary buttons), so it must reach 4.5:1 against both (WCAG 2.1 AA for normal text).
"""

from __future__ import annotations

RGB = tuple[int, int, int]

WHITE: RGB = (0xFF, 0xFF, 0xFF)
# The lightest background the colour is set against as text (base.css: --surface).
SURFACE: RGB = (0xF4, 0xF6, 0xF8)
MIN_CONTRAST = 4.5


def parse(colour: str) -> RGB:
    """``#1d4f91`` as (29, 79, 145); :class:`ValueError` for anything else."""
    value = colour.removeprefix("#")
    if len(value) != 6:
        raise ValueError(colour)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def brand_contrast(rgb: RGB) -> float:
    """The lower of the colour's two contrasts, against white text and against the page surface."""
    return min(contrast(rgb, WHITE), contrast(rgb, SURFACE))
