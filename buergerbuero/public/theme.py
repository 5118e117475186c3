"""An authority's brand colour as a small stylesheet (the CSP forbids inline styles).

The colour is used for white text (header, buttons) and as text on the light page surfaces (links,
secondary buttons), so it must reach 4.5:1 against both (WCAG 2.1 AA). A colour that does not is darkened
until it does; the page keeps the authority's hue and stays readable.
"""

from __future__ import annotations

DEFAULT_COLOUR = "#1d4f91"
# The lightest background the colour is set against as text (base.css: --surface).
SURFACE = (0xF4, 0xF6, 0xF8)
MIN_CONTRAST = 4.5

RGB = tuple[int, int, int]


def _parse(colour: str) -> RGB:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(colour)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: RGB) -> str:
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


def _darken(rgb: RGB, factor: float) -> RGB:
    r, g, b = (round(c * factor) for c in rgb)
    return r, g, b


def readable(colour: str) -> str:
    """The colour, darkened just enough for 4.5:1 against white and the page surface."""
    try:
        rgb = _parse(colour)
    except ValueError:
        return DEFAULT_COLOUR
    factor = 1.0
    candidate = rgb
    while contrast(candidate, (255, 255, 255)) < MIN_CONTRAST or contrast(candidate, SURFACE) < MIN_CONTRAST:
        factor -= 0.02
        candidate = _darken(rgb, factor)
    return _hex(candidate)


def stylesheet(colour: str) -> str:
    primary = _parse(readable(colour))
    return f":root {{\n  --primary: {_hex(primary)};\n  --primary-dark: {_hex(_darken(primary, 0.75))};\n}}\n"
