"""How fast do the viewers of a group session see the presenter, and what does each cost Janus?

One presenter publishes camera and microphone through our server to Janus (started from our
configuration on a veth pair inside the benchmark's own network namespace, tests/e2e/janusnet.py). Then
SUBSCRIBERS (default 20) viewers join within about 2 s, each in its own Chromium context with the real
join link and the room's socket: for each, the time from opening its socket (taken in the page) to the
first decoded video frame of the presenter (getStats framesDecoded > 0, polled every 10 ms in the page).
Janus's CPU is read from /proc for WINDOW seconds (default 10) with the presenter alone and again with
every viewer receiving; the difference, divided by the viewers, is the cost of one subscriber.

Our server and Janus run at the priority Chromium gives its own media threads here (nice -8,
_common.SERVER_NICE), as in bench_call.py.

Goal: first_frame_p95_ms ≤ 1,500 with 20 subscribers, janus_cpu_pct_per_subscriber ≤ 0.5 (% of one core).
Last line: JSON with subscribers, first_frame_p50_ms, first_frame_p95_ms, janus_cpu_pct_per_subscriber.

    python bench/bench_group.py            SUBSCRIBERS=5 python bench/bench_group.py
"""

from __future__ import annotations

import time
from typing import Any

from _common import SERVER_NICE, emit, enter_netns, env_int, harness, percentile, renice, summary

# Added to each viewer page after its socket is opened: the first decoded video frame, on the page's
# wall clock (comparable with the moment the page opened its socket, bbT0).
FIRST_FRAME_JS = """() => {
  const now = () => performance.timeOrigin + performance.now();
  window.bbFirst = null;
  // When the steps on the way were seen (to tell where the time goes): groupmedia.js loaded, the
  // room's snapshot, media.config and the subscriber's offer arrived, the subscriber connected.
  window.bbSteps = {};
  const step = (name, done) => { if (!(name in window.bbSteps) && done) window.bbSteps[name] = now(); };
  const poll = async () => {
    const frames = window.bbFrames || [];
    step("module", !!window.bbMedia);
    if (window.bbSocketAt && !("socket" in window.bbSteps)) window.bbSteps.socket = window.bbSocketAt;
    if (window.bbOpenAt && !("open" in window.bbSteps)) window.bbSteps.open = window.bbOpenAt;
    step("snapshot", frames.some((f) => f.type === "room.snapshot"));
    step("config", frames.some((f) => f.type === "media.config"));
    step("offer", frames.some((f) => f.type === "media.offer"));
    const sub = window.bbMedia && window.bbMedia.sub;
    step("connected", sub && sub.connectionState === "connected");
    // getStats is dear: twenty pages calling it every 10 ms from the start would measure the bench's
    // own CPU. Nothing can be decoded before the subscriber connection is up.
    if (!("connected" in window.bbSteps)) { setTimeout(poll, 10); return; }
    try {
      const stats = await window.bbMedia.stats();
      if (Object.values(stats).some((s) => s.framesDecoded > 0)) { window.bbFirst = now(); return; }
    } catch (e) { /* not connected yet */ }
    setTimeout(poll, 10);
  };
  poll();
}"""


# Starts the clock, the first-frame watch and the media page (janusnet.TEST_SCRIPT, put in for
# TEST_SCRIPT) and returns at once, without waiting for the page's promise.
JOIN_JS = """(room) => {
  window.bbT0 = performance.timeOrigin + performance.now();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.bbSocketAt = performance.timeOrigin + performance.now();
      this.addEventListener("open", () => { window.bbOpenAt = performance.timeOrigin + performance.now(); });
    }
  };
  (FIRST_FRAME)();
  (TEST_SCRIPT)(room);
}""".replace("FIRST_FRAME", FIRST_FRAME_JS)


def cpu_rate(janus: Any, seconds: float) -> float:
    """Janus's CPU use over ``seconds``, in % of one core."""
    start_cpu, start = janus.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (janus.cpu_seconds() - start_cpu) / (time.monotonic() - start) * 100


def main() -> None:
    enter_netns()
    from playwright.sync_api import sync_playwright

    from tests.e2e import janusnet

    # The viewers decode what they receive but do not draw it: on two cores, twenty pages compositing
    # video in software would measure this machine, not our server or Janus (in a real session every
    # viewer has a machine of its own). framesDecoded counts decoded frames either way.
    viewer_script = janusnet.TEST_SCRIPT.replace("video.srcObject = stream;", "video.dataset.drawn = 'no';")
    assert viewer_script != janusnet.TEST_SCRIPT
    join_js = JOIN_JS.replace("TEST_SCRIPT", viewer_script)
    subscribers = env_int("SUBSCRIBERS", 20)
    window = env_int("WINDOW", 10)
    seed = harness.SeedSpec(offices=[])
    group = janusnet.GroupServer(seed, name="bench-group")
    first_frames: list[float] = []
    steps: dict[str, list[float]] = {}
    try:
        group.start()
        # Our server and Janus at the priority of Chromium's media threads (_common.SERVER_NICE): on a
        # machine of their own they would not wait behind 21 browsers for the CPU.
        renice(group.live.proc.pid)
        renice(group.janus.pid)
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
            print(f"{subscribers} viewers join now", flush=True)
            started = time.monotonic()
            for page in pages:
                # One call per viewer that returns at once: the page opens its socket and watches for the
                # first frame on its own, so the viewers join within the window, not one after another.
                page.evaluate(join_js, room.id)
            joined_within = time.monotonic() - started
            deadline = time.monotonic() + 60
            for n, page in enumerate(pages):
                while page.evaluate("() => window.bbFirst") is None:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"viewer {n + 1} decoded no frame within 60 s")
                    page.wait_for_timeout(20)
                ms = page.evaluate("() => window.bbFirst - window.bbT0")
                first_frames.append(ms)
                got = page.evaluate(
                    "() => Object.fromEntries("
                    "Object.entries(window.bbSteps).map(([k, v]) => [k, v - window.bbT0]))"
                )
                for name, at in got.items():
                    steps.setdefault(name, []).append(at)
                seen = ", ".join(f"{name} {at:6.0f}" for name, at in got.items())
                print(f"viewer {n + 1:3d}: first frame after {ms:7.1f} ms ({seen})", flush=True)
            busy = cpu_rate(group.janus, window)
            browser.close()
    except Exception:
        print(f"--- logs ---\n{group.log(80)}", flush=True)
        raise
    finally:
        group.stop()

    per_subscriber = max(0.0, busy - idle) / subscribers
    print(f"viewers joined within {joined_within:.2f} s; socket → first frame: {summary(first_frames)}")
    for name, values in steps.items():
        print(f"  {name:>9}: {summary(values)}")
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
            "server_nice": SERVER_NICE,
            "goal_met": percentile(first_frames, 95) <= 1500 and per_subscriber <= 0.5,
        }
    )


if __name__ == "__main__":
    main()
