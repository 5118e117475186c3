from __future__ import annotations

from buergerbuero.core.spreadsheet import safe_text


def test_formula_starts_are_neutralised() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_text(text) == "'" + text
    assert safe_text("Bürgeramt") == "Bürgeramt"
    assert safe_text("Amt = Büro") == "Amt = Büro"  # only the first character counts
