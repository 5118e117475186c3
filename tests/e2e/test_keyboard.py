"""The citizen's journey with the keyboard alone (Tab, Space, Enter): every control is reachable, and
the focused control is visibly marked."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "jugendamt"  # opened by its official when the test data is made

# Is the focused element marked so a sighted keyboard user sees it? (An outline or a box shadow that
# :focus-visible gives it; the browser's default ring counts, a rule that removes it does not.)
FOCUS_VISIBLE_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: 'nothing focused'};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {ok: el.matches(':focus-visible') && (outline || shadow),
          what: `${el.tagName.toLowerCase()}#${el.id} outline=${s.outlineStyle} ${s.outlineWidth}`
                + ` shadow=${s.boxShadow}`};
}
"""


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab on {page.url}")


def assert_focus_visible(page) -> None:
    result = page.evaluate(FOCUS_VISIBLE_JS)
    assert result["ok"], f"focus is not visible on {page.url}: {result['what']}"


def test_citizen_journey_by_keyboard(app, pages, expect) -> None:
    citizen = pages.new("citizen")
    citizen.goto(app.office_url(OFFICE))

    tab_to(citizen, "#id_display_name")
    assert_focus_visible(citizen)
    citizen.keyboard.type("Karl Tastatur")
    tab_to(citizen, "#id_consent")
    assert_focus_visible(citizen)
    citizen.keyboard.press("Space")
    expect(citizen.locator("#id_consent")).to_be_checked()
    tab_to(citizen, "#enter-button")
    assert_focus_visible(citizen)
    citizen.keyboard.press("Enter")
    j.wait_for_position(citizen, 1, expect)

    tab_to(citizen, "#leave-button")
    assert_focus_visible(citizen)
    citizen.keyboard.press("Enter")
    j.confirm_leave_by_keyboard(citizen)
    expect(citizen.locator("#position")).to_have_count(0)
