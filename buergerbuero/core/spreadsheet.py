"""Text for a cell of a file that people open in a spreadsheet (CSV exports).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and Excel also
one that starts with a tab or a carriage return before such a sign (CSV injection). Text that people typed
(names of offices and officials, an authority's name) gets a leading apostrophe there, which spreadsheets
show as text and never evaluate.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text
