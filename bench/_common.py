"""Shared by the benchmarks: the repository on sys.path, the private network namespace, environment
knobs, percentiles, and the closing JSON line.

Each benchmark re-executes itself under ``unshare -n`` (tests/e2e/harness.py, as the browser tests do),
so its servers and clients talk over a loopback nobody else uses.
"""

from __future__ import annotations

import json
import math
import os
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.e2e import harness  # noqa: E402


def enter_netns() -> None:
    """Re-run this script in a fresh network namespace (returns only once inside)."""
    harness.ensure_netns([sys.executable, *sys.argv])


# Running as root here, Chromium raises its media, network and display threads to nice -8. On this
# two-core machine a server (or media server) at 0 then waits behind the browsers for the CPU, which it
# never does on a machine of its own: benchmarks give it the same priority as those threads.
SERVER_NICE = -8


def renice(pid: int, value: int = SERVER_NICE) -> None:
    """Every thread ``pid`` has now (priority is per thread on Linux; later ones inherit it)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.setpriority(os.PRIO_PROCESS, int(task), value)


def env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}")
    return value


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"n={len(values)} min={min(values):.1f} p50={percentile(values, 50):.1f} "
        f"p95={percentile(values, 95):.1f} max={max(values):.1f} ms"
    )


def emit(result: dict[str, object]) -> None:
    """The last line of every benchmark: one JSON object."""
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=True), flush=True)


def admit_request(base: str, path: str, official_session: str) -> urllib.request.Request:
    """The workspace's "admit next" POST as the official's page sends it (session, CSRF, JSON)."""
    csrf = "b" * 32
    return urllib.request.Request(  # noqa: S310 - loopback only
        base + path,
        data=b"",
        method="POST",
        headers={
            "Cookie": f"sessionid={official_session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": base,
            "Referer": base + "/staff/",
            "Accept": "application/json",
        },
    )


def probed_page(browser: Any, script: str) -> Any:
    """A page in a browser context of its own that runs ``script`` before the page's own scripts."""
    context = browser.new_context()
    context.add_init_script(script)
    return context.new_page()


def official_at_workspace(browser: Any, server: Any, office_id: int, user: str, script: str) -> Any:
    """``user``'s workspace page (with ``script``, see probed_page), signed in, once it can admit."""
    from tests.e2e import journeys as j

    page = probed_page(browser, script)
    j.staff_login(page, server, user)
    j.office_card(page, office_id).locator(".admit-next-button").wait_for()
    return page
