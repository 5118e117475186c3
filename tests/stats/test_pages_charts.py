"""stats.pages.charts: the SVG charts parse as XML, name themselves (title, desc), carry their values as text,
escape labels from the database, keep their contrast, and have a table with the same values; no data
gives a message instead of an empty drawing."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from django.utils import translation

from buergerbuero.stats.pages import charts
from buergerbuero.stats.types import DayFigures, Figures, Period, RowFigures, Scope

NS = {"svg": "http://www.w3.org/2000/svg"}
DECEMBER = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def make_figures(period: Period = DECEMBER, **changes: object) -> Figures:
    """Figures as ``stats.figures.compute`` returns them, with round numbers to find again."""
    heat = [[0] * 24 for _day in range(7)]
    heat[0][9] = 5  # Monday 9-10
    heat[2][14] = 12  # Wednesday 14-15
    figures = Figures(
        scope=Scope(authority_id=1),
        period=period,
        participants=30,
        open_minutes=750,
        meetings=20,
        contact_persons=25,
        tickets_created=40,
        tickets_admitted=30,
        tickets_left=6,
        tickets_declined=2,
        tickets_transferred=2,
        abandonment_rate=0.15,
        wait_median_s=270,
        wait_p90_s=900,
        consultation_median_s=600,
        rating_count=10,
        rating_average=4.3,
        ratings={1: 0, 2: 1, 3: 1, 4: 2, 5: 6},
        appointments_booked=5,
        appointments_cancelled=1,
        appointments_no_show=1,
        trainings_held=1,
        training_participants=12,
        events_held=2,
        event_participants=40,
        certificates_issued=11,
        heatmap=heat,
        daily=[
            DayFigures(dt.date(2026, 12, 2), 10, 300, 7, 12),
            DayFigures(dt.date(2026, 12, 3), 20, 450, 13, 28),
        ],
        rows=[
            RowFigures("office-1", "Energieberatung", 20, 400, 13, 25, 240),
            RowFigures("office-2", "Gartenkultur", 10, 350, 7, 15, None),
        ],
    )
    return replace(figures, **changes)  # type: ignore[arg-type]


def empty_figures(period: Period = DECEMBER) -> Figures:
    return make_figures(
        period,
        participants=0,
        open_minutes=0,
        meetings=0,
        contact_persons=0,
        tickets_created=0,
        rating_count=0,
        rating_average=None,
        ratings=dict.fromkeys(range(1, 6), 0),
        abandonment_rate=None,
        wait_median_s=None,
        wait_p90_s=None,
        consultation_median_s=None,
        heatmap=[[0] * 24 for _day in range(7)],
        daily=[],
        rows=[],
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def parse(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == chart.title and desc.text == chart.description and desc.text
    # The site's CSP allows no inline styles: presentation attributes only.
    assert all("style" not in element.attrib for element in root.iter())
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iterfind(".//svg:text", NS)]


def test_the_chart_over_time_has_a_column_and_a_value_per_day() -> None:
    chart = charts.over_time(make_figures())
    root = parse(chart)
    assert len(chart.rows) == 31  # every day of December, also those without figures
    assert chart.rows[1] == ("Wed 12/02/2026", ["10", "5.0", "7", "12"])
    assert chart.rows[0][1] == ["0", "0.0", "0", "0"]
    assert len(root.findall(".//svg:rect", NS)) == 2  # the two days with participants
    assert {"10", "20"} <= set(texts(root))
    assert "30" in chart.description  # the total
    assert chart.header == [
        "Period",
        "Participants",
        "Hours open",
        "Meetings",
        "Arrivals in the waiting area",
    ]


@pytest.mark.parametrize(
    ("start", "end", "count", "first"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 12, 31), 31, "Tue 12/01/2026"),
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31), 14, "Week 40/2026"),
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), 12, "January 2026"),
        (dt.date(2020, 1, 1), dt.date(2026, 12, 31), 7, "2020"),
    ],
)
def test_long_periods_are_drawn_by_week_month_or_year(start, end, count, first) -> None:
    days = [DayFigures(end, 3, 60, 2, 4), DayFigures(start, 1, 0, 1, 1)]
    chart = charts.over_time(make_figures(Period(start, end), daily=days))
    parse(chart)
    assert len(chart.rows) == count
    assert chart.rows[0] == (first, ["1", "0.0", "1", "1"])
    assert chart.rows[-1][1] == ["3", "1.0", "2", "4"]


def test_ratings_are_bars_with_count_and_share() -> None:
    chart = charts.ratings(make_figures())
    root = parse(chart)
    assert chart.rows[0] == ("5 of 5 stars", ["6", "60.0 %"])
    assert chart.rows[-1] == ("1 of 5 stars", ["0", "0.0 %"])
    assert "6 (60.0 %)" in texts(root)
    assert "4.3" in chart.description


def test_the_breakdown_escapes_names_from_the_database() -> None:
    nasty = '<script>alert("x")</script> & Co'
    figures = make_figures(
        rows=[
            RowFigures("office-1", nasty, 20, 400, 13, 25, 240),
            RowFigures("office-2", "B", 0, 0, 0, 0, None),
        ]
    )
    chart = charts.breakdown(figures)
    assert "<script>" not in str(chart.svg)
    root = parse(chart)
    assert any(t.startswith("<script>") for t in texts(root))  # the text itself, escaped in the markup
    assert chart.rows[0] == (nasty, ["20", "6.7", "13", "25", "4 min"])
    assert chart.header[0] == "Office"


def test_a_breakdown_by_officials_and_one_without_participants() -> None:
    rows = [RowFigures("staff-4", "Anna Amsel", 0, 0, 0, 3, 60)]
    chart = charts.breakdown(make_figures(rows=rows))
    assert chart.header[0] == "Staff member"
    assert chart.rows == [("Anna Amsel", ["0", "0.0", "0", "3", "1 min"])]
    assert str(chart.svg) == ""  # nothing to draw, but the table stays
    idle = [RowFigures("office-1", "Energieberatung", 0, 0, 0, 0, None)]
    assert charts.breakdown(make_figures(rows=idle)).is_empty  # a line without any figure is no breakdown


def test_the_heat_map_shows_the_hours_with_arrivals_and_a_number_in_each_busy_cell() -> None:
    chart = charts.heatmap(make_figures())
    root = parse(chart)
    assert chart.header == ["Weekday", *[f"{h} h" for h in range(8, 18)]]  # at least 8 to 17 h
    assert [label for label, _cells in chart.rows] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]  # fmt: skip
    assert chart.rows[0][1] == ["0", "5", *["0"] * 8]
    assert chart.rows[2][1][6] == "12"
    assert {"5", "12"} <= set(texts(root))
    assert len(root.findall(".//svg:rect", NS)) == 7 * 10
    late = make_figures(heatmap=[[0] * 20 + [3, 0, 0, 0]] + [[0] * 24] * 6)
    assert charts.heatmap(late).header[1:][-1] == "20 h" and charts.heatmap(late).header[1] == "8 h"
    assert "Wednesday" in chart.description


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_meet_wcag_aa() -> None:
    assert contrast(charts.BAR, "#ffffff") >= 3  # non-text contrast of a bar
    assert contrast(charts.TEXT, "#ffffff") >= 4.5
    for fill, ink in charts.HEAT_STEPS:
        assert contrast(fill, ink) >= 4.5, fill
    assert contrast(charts.HEAT_BORDER, "#ffffff") >= 3  # empty cells stay visible as cells
    assert [charts.heat_step(v, 12) for v in (0, 1, 5, 12)] == [0, 1, 3, 5]


def test_no_data_gives_messages_instead_of_empty_charts() -> None:
    for chart in charts.for_dashboard(empty_figures()).values():
        assert chart.is_empty and str(chart.svg) == "" and chart.empty_message
