"""The dashboard's charts as inline SVG drawn on the server: no chart library, no script, nothing from a
third party, and they work under the site's CSP (presentation attributes such as ``fill`` are markup,
not inline styles).

Every chart is a ``Chart``: the SVG (``role="img"``, named by its ``<title>`` and ``<desc>``) and the same
numbers as a table (``header``/``rows``), which the template puts after the chart. The SVG is built with
ElementTree, so every label (office names come from the database) is escaped by construction. Colour is
never the only carrier of a value: bars carry their number as text, heat-map cells print theirs.
Contrast (WCAG 2.1 AA): bars #1d4f91 on white 8.1:1; heat-map text on its cells at least 5.1:1
(tests/stats/test_pages_charts.py computes them).
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from buergerbuero.stats.pages.formatting import duration, hours, no_data, number, percent, short_date
from buergerbuero.stats.types import DayFigures, Figures, Period

SVG_NS = "http://www.w3.org/2000/svg"
TEXT = "#1a1a1a"
BAR = "#1d4f91"
AXIS = "#1a1a1a"
GRID = "#c9ced4"
# Heat-map steps from few to many; the text colour of each keeps at least 4.5:1 on its cell.
HEAT_STEPS = [
    ("#ffffff", TEXT),
    ("#e3ebf5", TEXT),
    ("#b3c9e6", TEXT),
    ("#7a9fd0", TEXT),
    ("#3f6fb0", "#ffffff"),
    ("#1d4f91", "#ffffff"),
]
HEAT_BORDER = "#6b7580"
LABEL_CHARS = 28  # longer labels are shortened in the drawing; the table has them in full


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    caption: str
    header: list[str]
    rows: list[tuple[str, list[str]]]
    svg: SafeString = field(default_factory=lambda: mark_safe(""))
    empty_message: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows


# --- the figures over time ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    label: str  # in the table
    short: str  # under the column
    participants: int
    open_minutes: int
    meetings: int
    tickets_created: int


def buckets(days: Sequence[DayFigures], period: Period) -> list[Bucket]:
    """Days for a month or less, ISO weeks up to half a year, months up to three years, then years: a
    chart of more than about three dozen columns cannot be read (every day stays in the export)."""
    by_day = {d.day: d for d in days}
    if period.days <= 31:
        key, label, short = _day_unit()
    elif period.days <= 186:
        key, label, short = _week_unit()
    elif period.days <= 1096:
        key, label, short = _month_unit()
    else:
        key, label, short = _year_unit()
    groups: dict[object, list[dt.date]] = {}
    for offset in range(period.days):
        day = period.start + dt.timedelta(days=offset)
        groups.setdefault(key(day), []).append(day)
    result = []
    for members in groups.values():
        found = [by_day[d] for d in members if d in by_day]
        result.append(
            Bucket(
                label=label(members[0]),
                short=short(members[0]),
                participants=sum(d.participants for d in found),
                open_minutes=sum(d.open_minutes for d in found),
                meetings=sum(d.meetings for d in found),
                tickets_created=sum(d.tickets_created for d in found),
            )
        )
    return result


# A unit of the chart over time: the key that groups days, the label in the table, the label in the chart.
Unit = tuple[Callable[[dt.date], object], Callable[[dt.date], str], Callable[[dt.date], str]]


def _day_unit() -> Unit:
    return (
        lambda d: d,
        lambda d: f"{WEEKDAYS_ABBR[d.weekday()]} {short_date(d)}",
        lambda d: formats.date_format(d, "d.m."),
    )


def _week_unit() -> Unit:
    def label(d: dt.date) -> str:
        year, week, _day = d.isocalendar()
        return _("Week %(week)d/%(year)d") % {"week": week, "year": year}

    return (
        lambda d: d.isocalendar()[:2],
        label,
        lambda d: _("W %(week)d") % {"week": d.isocalendar()[1]},
    )


def _month_unit() -> Unit:
    return (
        lambda d: (d.year, d.month),
        lambda d: formats.date_format(d, "F Y"),
        lambda d: formats.date_format(d, "M y"),
    )


def _year_unit() -> Unit:
    return (lambda d: d.year, lambda d: str(d.year), lambda d: str(d.year))


def over_time(figures: Figures, chart_id: str = "chart-over-time") -> Chart:
    groups = buckets(figures.daily, figures.period)
    title = _("Participants over time")
    caption = _("Figures over time")
    header = [
        _("Period"),
        _("Participants"),
        _("Hours open"),
        _("Meetings"),
        _("Arrivals in the waiting area"),
    ]
    if not any(b.participants or b.open_minutes or b.meetings or b.tickets_created for b in groups):
        return Chart(chart_id, title, "", caption, header, [], empty_message=no_data())
    rows = [
        (
            b.label,
            [number(b.participants), hours(b.open_minutes), number(b.meetings), number(b.tickets_created)],
        )
        for b in groups
    ]
    peak = max(groups, key=lambda b: b.participants)
    description = _(
        "Columns of the participants from %(start)s to %(end)s, %(count)d columns; in total %(total)s, "
        "the most (%(peak)s) in %(peak_label)s. The table below the chart has every value."
    ) % {
        "start": short_date(figures.period.start),
        "end": short_date(figures.period.end),
        "count": len(groups),
        "total": number(sum(b.participants for b in groups)),
        "peak": number(peak.participants),
        "peak_label": peak.label,
    }
    svg = column_svg(chart_id, title, description, [(b.short, b.participants) for b in groups])
    return Chart(chart_id, title, description, caption, header, rows, svg)


def column_svg(chart_id: str, title: str, description: str, values: Sequence[tuple[str, int]]) -> SafeString:
    width, height = 720, 300
    left, right, top, bottom = 52, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, ticks = _scale(max(v for _label, v in values))
    svg = _svg(chart_id, title, description, width, height)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / top_value
        _el(svg, "line", x1=left, x2=width - right, y1=y, y2=y, stroke=GRID, **{"stroke-width": 1})
        _text(svg, number(tick), x=left - 6, y=y + 4, anchor="end", size=12)
    band = plot_w / len(values)
    bar_w = max(band * 0.7, 1)
    size = 12 if len(values) <= 16 else 10
    every = math.ceil(len(values) / 12)
    for i, (label, value) in enumerate(values):
        x = left + i * band + (band - bar_w) / 2
        bar_h = plot_h * value / top_value
        y = top + plot_h - bar_h
        if value:
            _el(svg, "rect", x=x, y=y, width=bar_w, height=bar_h, fill=BAR)
        if value:  # a zero needs no label over the axis; the table has it
            _text(svg, number(value), x=x + bar_w / 2, y=y - 5, anchor="middle", size=size)
        if i % every == 0:
            _text(svg, label, x=x + bar_w / 2, y=height - bottom + 18, anchor="middle", size=size)
    _el(
        svg,
        "line",
        x1=left,
        x2=width - right,
        y1=top + plot_h,
        y2=top + plot_h,
        stroke=AXIS,
        **{"stroke-width": 1.5},
    )
    return _done(svg)


def _scale(peak: int) -> tuple[float, list[float]]:
    """A round top of the axis at or above ``peak`` (1, 2, 2.5 or 5 times a power of ten) and its ticks."""
    if peak <= 0:
        return 1, [0, 1]
    magnitude = 10 ** math.floor(math.log10(peak))
    for factor in (1, 2, 2.5, 5, 10):
        top = factor * magnitude
        if top >= peak:
            break
    step = top / 4 if top >= 4 else 1
    ticks = []
    value = 0.0
    while value <= top + 1e-9:
        ticks.append(int(value) if float(value).is_integer() else value)
        value += step
    return top, ticks


# --- horizontal bars: ratings, breakdown ----------------------------------------------------------


def ratings(figures: Figures, chart_id: str = "chart-ratings") -> Chart:
    title = _("Ratings")
    caption = _("Ratings by stars")
    header = [_("Rating"), _("Number"), _("Share")]
    if not figures.rating_count:
        return Chart(chart_id, title, "", caption, header, [], empty_message=_("No ratings in this period."))
    items = []
    rows = []
    for stars in range(5, 0, -1):
        count = figures.ratings.get(stars, 0)
        share = count / figures.rating_count
        label = _("%(stars)d of 5 stars") % {"stars": stars}
        items.append((label, count, f"{number(count)} ({percent(share)})"))
        rows.append((label, [number(count), percent(share)]))
    description = _(
        "%(count)s ratings, on average %(average)s of 5 stars. The table below has every value."
    ) % {
        "count": number(figures.rating_count),
        "average": number(figures.rating_average, 1),
    }
    return Chart(
        chart_id, title, description, caption, header, rows, bar_svg(chart_id, title, description, items)
    )


def breakdown(figures: Figures, chart_id: str = "chart-breakdown") -> Chart:
    """The breakdown table (offices, or officials within one office) with a bar per line of its
    participants; without participants only the table, without lines a message."""
    by_staff = bool(figures.rows) and all(row.key.startswith("staff-") for row in figures.rows)
    title = _("Participants by staff member") if by_staff else _("Participants by office")
    caption = _("Figures by staff member") if by_staff else _("Figures by office")
    header = [
        _("Staff member") if by_staff else _("Office"),
        _("Participants"),
        _("Hours open"),
        _("Meetings"),
        _("Arrivals in the waiting area"),
        _("Waiting time, median"),
    ]
    # compute() gives every office of the scope a line, also without any figure in the period.
    if not any(r.participants or r.open_minutes or r.meetings or r.tickets_created for r in figures.rows):
        message = _("There is no breakdown for this choice and period.")
        return Chart(chart_id, title, "", caption, header, [], empty_message=message)
    ordered = sorted(figures.rows, key=lambda r: (-r.participants, r.label))
    rows = [
        (
            row.label,
            [
                number(row.participants),
                hours(row.open_minutes),
                number(row.meetings),
                number(row.tickets_created),
                duration(row.wait_median_s),
            ],
        )
        for row in ordered
    ]
    if not any(row.participants for row in ordered):
        return Chart(chart_id, title, "", caption, header, rows)
    description = _(
        "Participants of %(count)d lines, most first; the most: %(label)s with %(value)s. The table below "
        "has every value."
    ) % {"count": len(ordered), "label": ordered[0].label, "value": number(ordered[0].participants)}
    items = [(row.label, row.participants, number(row.participants)) for row in ordered]
    svg = bar_svg(chart_id, title, description, items)
    return Chart(chart_id, title, description, caption, header, rows, svg)


def bar_svg(chart_id: str, title: str, description: str, items: Sequence[tuple[str, int, str]]) -> SafeString:
    """One bar per item (label, value, value as text), labels left, the value as text after the bar."""
    width, row_h, label_w, value_w = 720, 30, 220, 110
    height = row_h * len(items) + 8
    plot_w = width - label_w - value_w
    peak = max((value for _label, value, _text_value in items), default=0) or 1
    svg = _svg(chart_id, title, description, width, height)
    for i, (label, value, shown) in enumerate(items):
        y = 4 + i * row_h
        _text(svg, _shorten(label), x=label_w - 8, y=y + row_h / 2 + 5, anchor="end", size=13)
        bar_w = plot_w * value / peak
        if value:
            _el(svg, "rect", x=label_w, y=y + 5, width=max(bar_w, 2), height=row_h - 10, fill=BAR)
        _text(svg, shown, x=label_w + bar_w + 6, y=y + row_h / 2 + 5, anchor="start", size=13)
    _el(svg, "line", x1=label_w, x2=label_w, y1=2, y2=height - 2, stroke=AXIS, **{"stroke-width": 1.5})
    return _done(svg)


# --- the busiest hours ----------------------------------------------------------------------------


def heatmap(figures: Figures, chart_id: str = "chart-heatmap") -> Chart:
    title = _("Heat map of the arrivals by weekday and hour")
    caption = _("Arrivals in the waiting area by weekday and hour")
    grid = [list(row) + [0] * (24 - len(row)) for row in figures.heatmap[:7]]
    grid += [[0] * 24 for _missing in range(7 - len(grid))]
    used = [h for h in range(24) if any(grid[d][h] for d in range(7))]
    if not used:
        return Chart(chart_id, title, "", caption, [_("Weekday")], [], empty_message=no_data())
    # At least the usual office day, so a few busy hours do not blow up into a few giant cells.
    hours_shown = list(range(min(*used, 8), max(*used, 17) + 1))
    header = [_("Weekday"), *[_("%(hour)d h") % {"hour": h} for h in hours_shown]]
    rows = [(str(WEEKDAYS[d]), [number(grid[d][h]) for h in hours_shown]) for d in range(7)]
    peak_day, peak_hour = max(
        ((d, h) for d in range(7) for h in hours_shown), key=lambda dh: grid[dh[0]][dh[1]]
    )
    description = _(
        "Arrivals in the waiting area for each weekday (rows) and hour (columns, %(first)d to %(last)d h); "
        "darker cells had more. The most: %(value)s on %(weekday)s from %(hour)d h. The table below has "
        "every value."
    ) % {
        "first": hours_shown[0],
        "last": hours_shown[-1],
        "value": number(grid[peak_day][peak_hour]),
        "weekday": WEEKDAYS[peak_day],
        "hour": peak_hour,
    }
    svg = heatmap_svg(chart_id, title, description, grid, hours_shown)
    return Chart(chart_id, title, description, caption, header, rows, svg)


def heat_step(value: int, peak: int) -> int:
    """0 for nothing, else 1..5 by the share of the busiest cell."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, min(5, math.ceil(5 * value / peak)))


def heatmap_svg(
    chart_id: str, title: str, description: str, grid: list[list[int]], hours_shown: list[int]
) -> SafeString:
    cell_w, cell_h, label_w, head_h = 46, 34, 44, 24
    width = label_w + cell_w * len(hours_shown) + 4
    height = head_h + cell_h * 7 + 4
    peak = max(grid[d][h] for d in range(7) for h in hours_shown)
    svg = _svg(chart_id, title, description, width, height)
    for col, hour in enumerate(hours_shown):
        _text(svg, str(hour), x=label_w + col * cell_w + cell_w / 2, y=head_h - 6, anchor="middle", size=13)
    for day in range(7):
        y = head_h + day * cell_h
        _text(svg, str(WEEKDAYS_ABBR[day]), x=label_w - 6, y=y + cell_h / 2 + 5, anchor="end", size=13)
        for col, hour in enumerate(hours_shown):
            value = grid[day][hour]
            fill, ink = HEAT_STEPS[heat_step(value, peak)]
            x = label_w + col * cell_w
            _el(
                svg,
                "rect",
                x=x + 1,
                y=y + 1,
                width=cell_w - 2,
                height=cell_h - 2,
                fill=fill,
                stroke=HEAT_BORDER,
            )
            if value:
                _text(
                    svg,
                    number(value),
                    x=x + cell_w / 2,
                    y=y + cell_h / 2 + 5,
                    anchor="middle",
                    size=14,
                    fill=ink,
                )
    return _done(svg)


def for_dashboard(figures: Figures) -> dict[str, Chart]:
    return {
        "over_time": over_time(figures),
        "ratings": ratings(figures),
        "breakdown": breakdown(figures),
        "heatmap": heatmap(figures),
    }


# --- SVG helpers ----------------------------------------------------------------------------------


def _svg(chart_id: str, title: str, description: str, width: int, height: int) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "id": chart_id,
            "class": "chart",
            "viewBox": f"0 0 {width} {height}",
            # The natural size; CSS lets it shrink on narrow screens (max-width) but never grow.
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "focusable": "false",
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = description
    return svg


def _el(parent: ET.Element, tag: str, **attributes: float | str) -> ET.Element:
    return ET.SubElement(parent, tag, {k: _fmt(v) for k, v in attributes.items()})


def _text(
    parent: ET.Element, content: str, *, x: float, y: float, anchor: str, size: int, fill: str = TEXT
) -> None:
    extra: dict[str, float | str] = {"text-anchor": anchor, "font-size": size}
    node = _el(parent, "text", x=x, y=y, fill=fill, **extra)
    node.text = content


def _fmt(value: float | str) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _done(svg: ET.Element) -> SafeString:
    # ElementTree escapes text and attribute values; nothing else goes into the markup.
    return mark_safe(ET.tostring(svg, encoding="unicode", short_empty_elements=True))  # noqa: S308
