"""stats.exports: the CSV (German Excel: BOM, ";", decimal comma) and the XLSX parsed back with the csv
module and openpyxl have the right numbers; labels cannot become formulas; file names carry the period."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from buergerbuero.stats import exports
from buergerbuero.stats.types import Period, RowFigures
from tests.stats.test_pages_charts import empty_figures, make_figures

ABOUT = [("Authority", "Landratsamt Testkreis"), ("Office", "@Energie")]
AT = dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC)
EVIL = '=HYPERLINK("http://x";"y")'


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def excel(*parts: int) -> dt.datetime:
    return dt.datetime(*parts)  # noqa: DTZ001 - an Excel cell has no time zone: local wall-clock time


def figures():
    return make_figures(
        rows=[
            RowFigures("office-1", EVIL, 20, 400, 13, 25, 240),
            RowFigures("office-2", "Gartenkultur", 10, 350, 7, 15, None),
        ]
    )


def blocks(data: bytes) -> list[list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    found: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            found[-1].append(row)
        else:
            found.append([])
    return found


def test_csv_has_the_figures_with_decimal_commas() -> None:
    about, headline, breakdown, days, heat = blocks(exports.to_csv(figures(), ABOUT, AT))
    assert about[0] == ["Statistics"]
    assert ["Office", "'@Energie"] in about  # a label from the database cannot start a formula
    assert ["Period", "2026-12-01", "2026-12-31"] in about
    assert ["Created", "2026-12-02 13:30"] in about  # local time (Berlin)
    assert headline[0] == ["Area", "Figure", "Value", "Unit"]
    values = {(row[1], row[3]): row[2] for row in headline[1:]}
    assert values[("Participants", "number")] == "30"
    assert values[("Time open", "minutes")] == "750"
    assert values[("Time open", "hours")] == "12,5"
    assert values[("Meetings", "number")] == "20"
    assert values[("Contact persons", "number")] == "25"
    assert values[("Abandonment rate", "per cent")] == "15,0"
    assert values[("Waiting time, median", "seconds")] == "270"
    assert values[("Waiting time, 90th percentile", "seconds")] == "900"
    assert values[("Average rating", "stars")] == "4,3"
    assert values[("Ratings with 5 of 5 stars", "number")] == "6"
    assert values[("Certificates issued", "number")] == "11"
    assert values[("Participants of events", "number")] == "40"
    assert breakdown[0] == ["Breakdown"]
    assert breakdown[2] == ["'" + EVIL, "20", "400", "13", "25", "240"]
    assert breakdown[3] == ["Gartenkultur", "10", "350", "7", "15", ""]
    assert days[1][0] == "Day" and len(days) == 2 + 31
    assert ["2026-12-03", "20", "450", "13", "28"] in days
    assert ["2026-12-01", "0", "0", "0", "0"] in days
    assert heat[1] == ["Weekday", *[str(h) for h in range(24)]]
    assert heat[2][0] == "Monday" and heat[2][1 + 9] == "5"
    assert heat[4][0] == "Wednesday" and heat[4][1 + 14] == "12"
    assert len(heat) == 2 + 7


def test_csv_of_an_empty_period_has_empty_values_not_errors() -> None:
    _about, headline, breakdown, days, heat = blocks(exports.to_csv(empty_figures(), ABOUT, AT))
    values = {(row[1], row[3]): row[2] for row in headline[1:]}
    assert values[("Abandonment rate", "per cent")] == ""
    assert values[("Waiting time, median", "seconds")] == ""
    assert values[("Participants", "number")] == "0"
    assert len(breakdown) == 2 and len(days) == 2 + 31 and len(heat) == 2 + 7


def test_xlsx_has_four_sheets_with_numbers_as_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(figures(), ABOUT, AT)))
    assert book.sheetnames == ["Figures", "Breakdown", "Days", "Busiest hours"]

    sheet = book["Figures"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Authority", "Landratsamt Testkreis", None, None]
    assert rows[2][:2] == ["First day", excel(2026, 12, 1)]
    assert rows[3][:2] == ["Last day", excel(2026, 12, 31)]
    assert rows[4][:2] == ["Created", excel(2026, 12, 2, 13, 30)]
    values = {(row[1], row[3]): row[2] for row in rows[6:] if row[1]}
    assert values[("Participants", "number")] == 30
    assert values[("Time open", "hours")] == 12.5
    assert values[("Abandonment rate", "per cent")] == 0.15
    assert values[("Waiting time, median", "seconds")] == 270
    assert values[("Average rating", "stars")] == 4.3
    rate = next(row for row in sheet.iter_rows() if row[1].value == "Abandonment rate")[2]
    assert rate.number_format == "0.0%"
    assert rows[1][1] == "@Energie" and sheet["B2"].data_type == "s" and sheet["B2"].quotePrefix

    breakdown = book["Breakdown"]
    assert [c.value for c in breakdown[2]] == [EVIL, 20, 400, 13, 25, 240]
    assert breakdown["A2"].data_type == "s"  # text, not a formula
    assert [c.value for c in breakdown[3]] == ["Gartenkultur", 10, 350, 7, 15, None]

    days = book["Days"]
    assert days.max_row == 1 + 31
    assert [c.value for c in days[4]] == [excel(2026, 12, 3), 20, 450, 13, 28]

    heat = book["Busiest hours"]
    assert [c.value for c in heat[1]] == ["Weekday", *range(24)]
    assert heat.cell(row=2, column=2 + 9).value == 5
    assert heat.cell(row=4, column=2 + 14).value == 12
    assert heat.max_row == 8


def test_the_raw_xlsx_contains_no_formula() -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(exports.to_xlsx(figures(), ABOUT, AT))) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)


@pytest.mark.parametrize(
    ("start", "end", "slug"),
    [
        (dt.date(2026, 12, 2), dt.date(2026, 12, 2), "2026-12-02"),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 6), "2026-W49"),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28), "2026-02"),
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026"),
        (dt.date(2026, 1, 5), dt.date(2026, 3, 9), "2026-01-05_2026-03-09"),
        (dt.date(2026, 12, 2), dt.date(2026, 12, 8), "2026-12-02_2026-12-08"),  # 7 days, not a week
    ],
)
def test_file_names_carry_the_period(start, end, slug) -> None:
    assert exports.filename(make_figures(Period(start, end)), "csv") == f"statistik-{slug}.csv"
