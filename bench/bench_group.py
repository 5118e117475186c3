"""How fast do the viewers of a group session see the presenter, and what does each cost Janus?

One presenter publishes camera and microphone through our server to Janus (started from our
configuration on a veth pair inside the benchmark's own network namespace, tests/e2e/janusnet.py). Then
SUBSCRIBERS (default 20) viewers join within about 2 s, each in its own Chromium context with the real
join link and the room's socket: for each, the time from opening its socket (taken in the page) to the
first decoded video frame of the presenter (getStats framesDecoded > 0, polled every 10 ms in the page).
Janus's CPU is read from /proc for WINDOW seconds (default 10) with the presenter alone and again with
every viewer receiving; the difference, divided by the viewers, is the cost of one subscriber.

Goal: first_frame_p95_ms ≤ 1,500 with 20 subscribers, janus_cpu_pct_per_subscriber ≤ 0.5 (% of one core).
Last line: JSON with subscribers, first_frame_p50_ms, first_frame_p95_ms, janus_cpu_pct_per_subscriber.

    python bench/bench_group.py            SUBSCRIBERS=5 python bench/bench_group.py
"""

from __future__ import annotations

import time
from typing import Any

from _common import emit, enter_netns, env_int, harness, percentile, summary

# Added to each viewer page after its socket is opened: the first decoded video frame, on the page's
# wall clock (comparable with the moment the page opened its socket, bbT0).
FIRST_FRAME_JS = """() => {
  const now = () => performance.timeOrigin + performance.now();
  window.bbFirst = null;
  const poll = async () => {
    try {
      const stats = window.bbMedia ? await window.bbMedia.stats() : {};
      if (Object.values(stats).some((s) => s.framesDecoded > 0)) { window.bbFirst = now(); return; }
    } catch (e) { /* not connected yet */ }
    setTimeout(poll, 10);
  };
  poll();
}"""


def cpu_rate(janus: Any, seconds: float) -> float:
    """Janus's CPU use over ``seconds``, in % of one core."""
    start_cpu, start = janus.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (janus.cpu_seconds() - start_cpu) / (time.monotonic() - start) * 100


def main() -> None:
    enter_netns()
    from playwright.sync_api import sync_playwright

    from tests.e2e import janusnet

    subscribers = env_int("SUBSCRIBERS", 20)
    window = env_int("WINDOW", 10)
    seed = harness.SeedSpec(offices=[])
    group = janusnet.GroupServer(seed, name="bench-group")
    first_frames: list[float] = []
    try:
        group.start()
        members = [("Referentin", "presenter")] + [(f"Gast {n + 1}", "viewer") for n in range(subscribers)]
        room = group.make_room(members, title="Belehrung", kind="training", mode="webinar")
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            presenter = janusnet.open_test_page(browser.new_context().new_page(), group, room, "Referentin")
            presenter.evaluate("() => window.bbMedia.publish({audio: true, video: true})")
            # The presenter is seen once a first viewer decodes; the baseline is Janus with one publisher.
            time.sleep(2)
            idle = cpu_rate(group.janus, window)

            # Prepared before the clock starts: each viewer's context has its session (join link) and a
            # page of the server's origin; joining is then opening the socket.
            pages = []
            for n in range(subscribers):
                page = browser.new_context().new_page()
                page.context.request.get(group.join_url(room.token(f"Gast {n + 1}")))
                page.goto(f"{group.url}{janusnet.BLANK_PATH}")
                page.set_content(janusnet.TEST_PAGE)
                pages.append(page)
            started = time.monotonic()
            for page in pages:
                page.evaluate("() => { window.bbT0 = performance.timeOrigin + performance.now(); }")
                page.evaluate(janusnet.TEST_SCRIPT, room.id)
                page.evaluate(FIRST_FRAME_JS)
            joined_within = time.monotonic() - started
            deadline = time.monotonic() + 60
            for n, page in enumerate(pages):
                while page.evaluate("() => window.bbFirst") is None:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"viewer {n + 1} decoded no frame within 60 s")
                    page.wait_for_timeout(20)
                ms = page.evaluate("() => window.bbFirst - window.bbT0")
                first_frames.append(ms)
                print(f"viewer {n + 1:3d}: first frame after {ms:7.1f} ms", flush=True)
            busy = cpu_rate(group.janus, window)
            browser.close()
    except Exception:
        print(f"--- logs ---\n{group.log(80)}", flush=True)
        raise
    finally:
        group.stop()

    per_subscriber = max(0.0, busy - idle) / subscribers
    print(f"viewers joined within {joined_within:.2f} s; socket → first frame: {summary(first_frames)}")
    print(f"Janus CPU: {idle:.1f} % with the presenter alone, {busy:.1f} % with {subscribers} viewers")
    emit(
        {
            "subscribers": subscribers,
            "joined_within_s": round(joined_within, 2),
            "first_frame_p50_ms": round(percentile(first_frames, 50), 1),
            "first_frame_p95_ms": round(percentile(first_frames, 95), 1),
            "first_frame_max_ms": round(max(first_frames), 1),
            "janus_cpu_pct_idle": round(idle, 2),
            "janus_cpu_pct_busy": round(busy, 2),
            "janus_cpu_pct_per_subscriber": round(per_subscriber, 3),
            "goal_met": percentile(first_frames, 95) <= 1500 and per_subscriber <= 0.5,
        }
    )


if __name__ == "__main__":
    main()
