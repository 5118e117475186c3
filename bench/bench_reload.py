"""How fast does media come back after a reload in a running consultation? One call; ROUNDS (default 10)
times the citizen reloads, then the official reloads. t0 is taken just before the reload; the page that
reloaded is back at its first decoded remote video frame, the page that stayed at the first video frame
it decoded after the new page started and after a pause of its stream (frames decoded before came from
the old page). Both on the machine's wall clock, which all pages and this script share.

Goal: media back on both sides within 3 s of the reload. Runs in its own network namespace.
Last line: JSON with reload_to_media_ms {p50, p95} (both sides, per round the later one) and the figures
per direction and side.

    python bench/bench_reload.py            ROUNDS=3 python bench/bench_reload.py
"""

from __future__ import annotations

import time
from typing import Any

from _common import (
    SERVER_NICE,
    emit,
    enter_netns,
    env_int,
    harness,
    official_at_workspace,
    percentile,
    probed_page,
    renice,
    summary,
)

OFFICE = "bench"
OFFICIAL = "anna"
GOAL_MS = 3000

# Installed in every page (and so again after each reload): polls getStats every 10 ms and remembers when
# the sum of decoded video frames of the page's peer connections went up (each peer connection counted
# from its own start), on the wall clock.
PROBE_JS = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const b = window.__bbBench = {increases: [], seen: new WeakMap(), started: now()};
  // The first increase after t that follows a pause of PAUSE ms: the resumed stream, not a frame of the
  // old page that was still on its way when the new one started.
  const PAUSE = 150;
  b.backAfter = (t) => {
    for (let i = 0; i < b.increases.length; i++) {
      const x = b.increases[i];
      if (x > t && (i === 0 || x - b.increases[i - 1] >= PAUSE)) return x;
    }
    return null;
  };
  const poll = async () => {
    try {
      const peers = window.bbCall && window.bbCall.peers;
      let up = false;
      for (const pc of peers ? peers.values() : []) {
        if (pc.connectionState === 'closed') continue;
        let frames = 0;
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
        });
        if (frames > (b.seen.get(pc) || 0)) up = true;
        b.seen.set(pc, frames);
      }
      if (up) {
        b.increases.push(now());
        if (b.increases.length > 2000) b.increases.splice(0, 1000);
      }
    } finally { setTimeout(poll, 10); }
  };
  poll();
})();
"""


def wait_back(page: Any, after: float, timeout_s: float = 30) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate("(t) => window.__bbBench ? window.__bbBench.backAfter(t) : null", after)
        if value is not None:
            return float(value)
        page.wait_for_timeout(20)
    raise TimeoutError(f"no video frame on {page.url} within {timeout_s} s after the reload")


def reload_round(reloading: Any, staying: Any) -> tuple[float, float]:
    """(reloaded page, page that stayed): ms from the reload to media back."""
    t0 = time.time() * 1000
    reloading.reload()
    # When the new document (and its probe) began: the old page was gone by then.
    started = float(reloading.evaluate("window.__bbBench.started"))
    back_reloaded = wait_back(reloading, 0)
    back_staying = wait_back(staying, started)
    return back_reloaded - t0, back_staying - t0


def main() -> None:
    enter_netns()
    from playwright.sync_api import sync_playwright

    from tests.e2e import journeys as j

    rounds = env_int("ROUNDS", 10)
    seed = harness.SeedSpec(
        offices=[
            harness.OfficeSpec(OFFICE, "Energieberatung", [(OFFICIAL, "Anna Amsel")], opened_by=[OFFICIAL])
        ]
    )
    server = harness.LiveServer(seed, name="bench-reload")
    figures: dict[str, list[float]] = {
        "citizen_reloads.citizen": [],
        "citizen_reloads.official": [],
        "official_reloads.official": [],
        "official_reloads.citizen": [],
    }
    both: list[float] = []
    try:
        server.start()
        renice(server.proc.pid)  # _common.SERVER_NICE: the priority of Chromium's media threads
        office_id = server.office(OFFICE)["id"]
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            official = official_at_workspace(browser, server, office_id, OFFICIAL, PROBE_JS)
            citizen = probed_page(browser, PROBE_JS)
            j.citizen_enter(citizen, server, OFFICE, name="Rita Reload")
            j.wait_for_queue(official, office_id, 1)
            j.staff_admit_next(official, office_id)
            j.wait_for_media(official)
            j.wait_for_media(citizen)

            for n in range(rounds):
                reloaded, stayed = reload_round(citizen, official)
                figures["citizen_reloads.citizen"].append(reloaded)
                figures["citizen_reloads.official"].append(stayed)
                both.append(max(reloaded, stayed))
                print(f"round {n + 1:2d}: citizen reloads: citizen {reloaded:.1f}, official {stayed:.1f} ms")
                reloaded, stayed = reload_round(official, citizen)
                figures["official_reloads.official"].append(reloaded)
                figures["official_reloads.citizen"].append(stayed)
                both.append(max(reloaded, stayed))
                print(f"  official reloads: official {reloaded:.1f}, citizen {stayed:.1f} ms", flush=True)
            browser.close()
    except Exception:
        print(f"--- server log ---\n{server.log(80)}", flush=True)
        raise
    finally:
        server.cleanup()

    for name, values in figures.items():
        print(f"{name:28s} {summary(values)}")
    p50, p95 = percentile(both, 50), percentile(both, 95)
    verdict = "met" if p95 <= GOAL_MS else "NOT met"
    print(f"goal: media back on both sides within {GOAL_MS} ms: {verdict} (p50 {p50:.1f}, p95 {p95:.1f} ms)")
    emit(
        {
            "benchmark": "reload",
            "rounds": rounds,
            "reload_to_media_ms": {"p50": round(p50, 1), "p95": round(p95, 1), "max": round(max(both), 1)},
            **{
                name: {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}
                for name, values in figures.items()
            },
            "goal_met": verdict == "met",
            "server_nice": SERVER_NICE,
        }
    )


if __name__ == "__main__":
    main()
