"""An authority's brand colour as a small stylesheet (the CSP forbids inline styles).

The colour is used for white text (header, buttons) and as text on the light page surfaces (links,
secondary buttons), so it must reach 4.5:1 against both (WCAG 2.1 AA, ``core.colours``). A colour that does
not is darkened until it does; the page keeps the authority's hue and stays readable. (The authority's
settings page refuses such a colour; one set in the admin or before that check is still darkened here.)
"""

from __future__ import annotations

from buergerbuero.core.colours import MIN_CONTRAST, RGB, brand_contrast, parse, to_hex

DEFAULT_COLOUR = "#1d4f91"


def _darken(rgb: RGB, factor: float) -> RGB:
    r, g, b = (round(c * factor) for c in rgb)
    return r, g, b


def readable(colour: str) -> str:
    """The colour, darkened just enough for 4.5:1 against white and the page surface."""
    try:
        rgb = parse(colour)
    except ValueError:
        return DEFAULT_COLOUR
    factor = 1.0
    candidate = rgb
    while brand_contrast(candidate) < MIN_CONTRAST:
        factor -= 0.02
        candidate = _darken(rgb, factor)
    return to_hex(candidate)


def stylesheet(colour: str) -> str:
    primary = parse(readable(colour))
    dark = _darken(primary, 0.75)
    return f":root {{\n  --primary: {to_hex(primary)};\n  --primary-dark: {to_hex(dark)};\n}}\n"
