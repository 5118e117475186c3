"""The media scenarios of bench/bench_faults.py: real Chromium (Playwright) in a thread of its own, so that
the benchmark's asyncio loop with its waiting pages keeps running while the pages are driven.

``calls``    two consultations (two officials, two citizens, peer to peer) running across the worker
             kills; every page samples its decoded video frames every SAMPLE_MS in the page itself.
``network``  a consultation of its own whose citizen runs in a Chromium inside a network namespace of its
             own, joined to the benchmark's namespace by a veth pair (its web traffic crosses the pair
             through two socat forwarders, its media directly); for NET_DOWN_SECONDS every packet on the
             pair is dropped (both ends), then the pair is restored.
``janus``    a group session (a presenter, two viewers) on a Janus on tests/e2e/janusnet.py's veth pair;
             Janus is killed (SIGKILL), started again after JANUS_DOWN_SECONDS, and the viewers watched.

Every time is a page's wall clock (``Date.now()``) or the benchmark's (``time.time()``): one clock.
Only inside the benchmark's own network namespace (harness.in_netns()); nothing leaves it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from _common import harness

from tests.e2e import janusnet
from tests.e2e import journeys as j

T = TypeVar("T")

CALL_OFFICES = [
    ("amt-c", "Bürgerservice C", "carla", "Carla Cistensänger"),
    ("amt-d", "Bürgerservice D", "dora", "Dora Dohle"),
]
NET_OFFICE = ("amt-e", "Bürgerservice E", "emil", "Emil Elster")
SAMPLE_MS = 250  # the calls' pages
GROUP_SAMPLE_MS = 100  # the viewers of the group session (finer: the time to media back is measured)
STALL_MS = 1000  # a stall of the video longer than this counts as a gap (a picture frozen for a second)
PATIENCE_S = 60  # a bound for waiting on media, never a measured time

# The citizen's own namespace: a veth pair (RFC 1918 /30 of its own, next to janusnet's 10.213.7.0/30).
CITIZEN_VETH = ("bbcit0", "bbcit1")
CITIZEN_ADDRESSES = ("10.213.8.1", "10.213.8.2")

# Runs in a page for as long as it lives: every ``every`` ms the video frames decoded by each of its peer
# connections (``kind`` "call": window.bbCall.peers; "group": the GroupMedia's receivers). A sample is
# [wall clock ms, 1 if any connection decoded frames since the last sample else 0, frames in all,
# 1 while the page has open peer connections (a call's page: while in its call), peer connections seen
# so far (more than one per remote peer: a connection was built again)].
SAMPLER_JS = """([kind, every]) => {
  if (window.__bbSamples) return;
  const out = window.__bbSamples = [];
  const seen = new WeakMap();
  const known = new WeakSet();
  let built = 0;
  const connections = () => {
    if (kind === "call") {
      const call = window.bbCall;
      if (!call || !call.peers) return [];
      return [...call.peers.values()]
        .map((e) => e instanceof RTCPeerConnection ? e : (e && (e.pc || e.connection)));
    }
    return window.bbMedia ? window.bbMedia._receivers().map((r) => r.pc) : [];
  };
  const tick = async () => {
    try {
      let progressed = 0, frames = 0;
      const open = connections().filter((pc) => pc && pc.connectionState !== "closed");
      for (const pc of open) {
        if (!known.has(pc)) {
          known.add(pc);
          built += 1;
        }
        let decoded = 0;
        (await pc.getStats()).forEach((r) => {
          if (r.type === "inbound-rtp" && r.kind === "video") decoded += r.framesDecoded || 0;
        });
        if (decoded > (seen.get(pc) || 0)) progressed = 1;
        seen.set(pc, decoded);
        frames += decoded;
      }
      out.push([Date.now(), progressed, frames, open.length ? 1 : 0, built]);
    } catch (e) {
      out.push([Date.now(), 0, -1, 1, built]);
    } finally {
      setTimeout(tick, every);
    }
  };
  tick();
}"""


Sample = tuple[float, int, int, int, int]  # see SAMPLER_JS


def samples(page: Any, since_ms: float) -> list[Sample]:
    raw = page.evaluate("(since) => (window.__bbSamples || []).filter((s) => s[0] >= since)", since_ms)
    return [(float(t), int(p), int(f), int(c), int(b)) for t, p, f, c, b in raw]


def call_end(found: list[Sample], t_from_ms: float) -> float | None:
    """When the page's call ended for good (its peer connections gone and never back), if it did after
    ``t_from_ms``."""
    last_in_call = max((t for t, _p, _f, c, _b in found if c), default=t_from_ms)
    return next((t for t, _p, _f, c, _b in found if t > last_in_call and t >= t_from_ms and not c), None)


# Is the page still in its call? Its sampler gone: the page left (e.g. to the thank-you page).
IN_CALL_JS = """() => ({sampled: !!window.__bbSamples, state: document.body.dataset.callState || null,
                      path: location.pathname})"""


def in_call(page: Any) -> dict[str, Any]:
    state = dict(page.evaluate(IN_CALL_JS))
    state["live"] = bool(state["sampled"] and state["state"] == "connected")
    return state


def stalls(found: list[Sample], t_from_ms: float, t_to_ms: float) -> list[float]:
    """The times between decoded frames in [t_from, t_to] (ms), the window's edges included."""
    progress = [t for t, p, _f, _c, _b in found if p and t_from_ms <= t <= t_to_ms]
    points = [t_from_ms, *progress, t_to_ms]
    return [b - a for a, b in itertools.pairwise(points)]


def stall_windows(found: list[Sample], t_from_ms: float, t_to_ms: float) -> list[tuple[float, float]]:
    """The stalls longer than STALL_MS as (start, length) in ms."""
    progress = [t for t, p, _f, _c, _b in found if p and t_from_ms <= t <= t_to_ms]
    points = [t_from_ms, *progress, t_to_ms]
    return [(a, b - a) for a, b in itertools.pairwise(points) if b - a > STALL_MS]


def sample_intervals(found: list[Sample]) -> list[float]:
    """How far apart the samples themselves were: a stall no longer than this may be the sampler's."""
    times = [t for t, _p, _f, _c, _b in found]
    return [b - a for a, b in itertools.pairwise(times)]


def first_progress(found: list[Sample], after_ms: float) -> float | None:
    return next((t for t, p, _f, _c, _b in found if p and t > after_ms), None)


def now_ms() -> float:
    return time.time() * 1000


# --- Chromium in a thread of its own ------------------------------------------------------------------


class BrowserThread:
    """Playwright's sync API in one thread; ``run`` hands it work from the asyncio loop."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[Any], Any], concurrent.futures.Future[Any]] | None] = (
            queue.Queue()
        )
        self.thread = threading.Thread(target=self._serve, name="chromium", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            while (job := self.jobs.get()) is not None:
                work, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(work(playwright))
                except BaseException as exc:  # handed to the caller
                    future.set_exception(exc)

    def submit(self, work: Callable[[Any], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self.jobs.put((work, future))
        return future

    async def run(self, work: Callable[[Any], T]) -> T:
        return await asyncio.wrap_future(self.submit(work))

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=60)


# --- the citizen's network namespace --------------------------------------------------------------------


def _run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


class CitizenNet:
    """A network namespace (held by a ``sleep`` we start) joined to ours by a veth pair; the live server's
    port is forwarded across the pair so that a Chromium in there opens http://127.0.0.1:<port>/ as any
    page does (a secure context), while its packets cross the pair."""

    def __init__(self, server_port: int) -> None:
        if not harness.in_netns():
            raise RuntimeError("refusing to change the host's network (not inside the benchmark's namespace)")
        self.port = server_port
        self.tmp = Path(tempfile.mkdtemp(prefix="bb-bench-citizen-net-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        self.holder: subprocess.Popen[bytes] | None = None
        self.down = False
        self.dropped_by = ""

    @property
    def netns(self) -> str:
        assert self.holder is not None
        return f"/proc/{self.holder.pid}/ns/net"

    def inside(self, *argv: str) -> list[str]:
        return ["nsenter", f"--net={self.netns}", "--", *argv]

    def _spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=harness._die_with_parent
        )
        self.procs.append(proc)
        return proc

    def start(self) -> CitizenNet:
        self.holder = self._spawn(["unshare", "-n", "--", "sleep", "infinity"])
        ours = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 10
        while os.readlink(self.netns) == ours:
            if time.monotonic() > deadline:
                raise RuntimeError("the citizen's namespace did not appear")
            time.sleep(0.02)
        outer, inner = CITIZEN_VETH
        outer_ip, inner_ip = CITIZEN_ADDRESSES
        _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
        _run("ip", "addr", "add", f"{outer_ip}/30", "dev", outer)
        _run("ip", "link", "set", outer, "up")
        _run("ip", "link", "set", inner, "netns", str(self.holder.pid))
        _run(*self.inside("ip", "link", "set", "lo", "up"))
        _run(*self.inside("ip", "addr", "add", f"{inner_ip}/30", "dev", inner))
        _run(*self.inside("ip", "link", "set", inner, "up"))
        # Web traffic: 127.0.0.1:<port> in there → the pair → the live server on our 127.0.0.1:<port>.
        self._spawn(
            ["socat", f"TCP-LISTEN:{self.port},bind={outer_ip},fork,reuseaddr", f"TCP:127.0.0.1:{self.port}"]
        )
        self._spawn(
            self.inside(
                "socat",
                f"TCP-LISTEN:{self.port},bind=127.0.0.1,fork,reuseaddr",
                f"TCP:{outer_ip}:{self.port}",
            )
        )
        for address in (f"{outer_ip}", "127.0.0.1"):
            self._wait_listening(address)
        # Playwright starts the citizen's Chromium through this, inside the namespace.
        self.chromium = self.tmp / "chromium-in-citizen-netns"
        self.chromium.write_text(f'#!/bin/sh\nexec nsenter --net={self.netns} -- {harness.CHROMIUM} "$@"\n')
        self.chromium.chmod(0o755)
        return self

    def _wait_listening(self, address: str) -> None:
        probe = "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()"
        deadline = time.monotonic() + 10
        while True:
            argv = ["python3", "-c", probe, address, str(self.port)]
            if address == "127.0.0.1":
                argv = self.inside(*argv)
            if subprocess.run(argv, capture_output=True, check=False).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the forwarder on {address}:{self.port} does not answer")
            time.sleep(0.1)

    def drop(self) -> None:
        """Every packet on the pair lost, both ways, silently (as a radio link gone): each end's egress
        through ``netem loss 100%``, or where the kernel lacks netem (sch_netem is a module of its own)
        through a token bucket of one byte, which drops every packet as larger than its bucket."""
        outer, inner = CITIZEN_VETH
        for qdisc in (["netem", "loss", "100%"], ["tbf", "rate", "8bit", "burst", "1", "limit", "1"]):
            try:
                _run("tc", "qdisc", "add", "dev", outer, "root", *qdisc)
            except RuntimeError:
                continue
            _run(*self.inside("tc", "qdisc", "add", "dev", inner, "root", *qdisc))
            self.down = True
            self.dropped_by = qdisc[0]
            return
        raise RuntimeError("tc can add neither netem nor tbf here")

    def restore(self) -> None:
        outer, inner = CITIZEN_VETH
        _run("tc", "qdisc", "del", "dev", outer, "root")
        _run(*self.inside("tc", "qdisc", "del", "dev", inner, "root"))
        self.down = False

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "link", "del", CITIZEN_VETH[0]], capture_output=True, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- the scenarios ---------------------------------------------------------------------------------------


@dataclass
class Consultation:
    office: str
    official: Any
    citizen: Any

    @property
    def pages(self) -> dict[str, Any]:
        return {f"{self.office}/official": self.official, f"{self.office}/citizen": self.citizen}


@dataclass
class Media:
    """What the media scenarios need and found. ``calls``/``network``/``janus``: switched on."""

    server: harness.LiveServer | None  # set once it started
    calls: bool
    network: bool
    janus: bool
    net_down_seconds: float
    janus_down_seconds: float
    group: janusnet.GroupServer | None = None
    browsers: BrowserThread | None = None
    net: CitizenNet | None = None
    consultations: list[Consultation] = field(default_factory=list)
    calls_from_ms: float = 0.0
    _browser: Any = None
    _citizen_browser: Any = None

    @property
    def live(self) -> harness.LiveServer:
        assert self.server is not None
        return self.server

    # Janus has to be there before the server starts (its address is in the server's settings).
    def start_janus(self, seed: harness.SeedSpec) -> dict[str, str]:
        if not self.janus:
            return {}
        if not janusnet.available():
            raise SystemExit("JANUS=1 needs janus (apt-get install janus), or run with JANUS=0")
        self.group = janusnet.GroupServer(seed, name="bench-faults")
        self.group.janus = janusnet.start_janus(self.group.folder)
        return {
            "BUERGERBUERO_JANUS_URLS": self.group.janus.url,
            "BUERGERBUERO_JANUS_API_SECRET": self.group.janus.api_secret,
            "BUERGERBUERO_JANUS_ADMIN_KEY": self.group.janus.admin_key,
        }

    def start(self) -> None:
        if not (self.calls or self.network or self.janus):
            return
        if self.group is not None:
            self.group.server = self.live
        if self.network:
            self.net = CitizenNet(self.live.port).start()
        self.browsers = BrowserThread()

    async def run(self, work: Callable[[Any], T]) -> T:
        """``work(playwright)`` in the browsers' thread."""
        assert self.browsers is not None
        return await self.browsers.run(work)

    def _ensure_browsers(self, playwright: Any) -> None:
        if self._browser is None:
            self._browser = harness.launch_chromium(playwright)
        if self.net is not None and self._citizen_browser is None:
            self._citizen_browser = playwright.chromium.launch(
                executable_path=str(self.net.chromium), headless=True, args=harness.CHROMIUM_ARGS
            )

    # -- 1. two consultations across the worker kills --

    def _consultation(self, slug: str, user: str, citizen_browser: Any, name: str) -> Consultation:
        """A citizen enters ``slug``, its official admits them; returns once both pages decode video."""
        office_id = self.live.office(slug)["id"]
        official = self._browser.new_context().new_page()
        j.staff_login(official, self.live, user)
        citizen = citizen_browser.new_context().new_page()
        j.citizen_enter(citizen, self.live, slug, name=name)
        j.wait_for_queue(official, office_id, 1)
        j.staff_admit_next(official, office_id)
        j.wait_for_media(official, timeout_s=PATIENCE_S)
        j.wait_for_media(citizen, timeout_s=PATIENCE_S)
        return Consultation(slug, official, citizen)

    def open_calls(self, playwright: Any) -> None:
        self._ensure_browsers(playwright)
        for n, (slug, _name, user, _display) in enumerate(CALL_OFFICES):
            self.consultations.append(self._consultation(slug, user, self._browser, f"Person {n + 1}"))
        for call in self.consultations:
            for page in call.pages.values():
                page.evaluate(SAMPLER_JS, ["call", SAMPLE_MS])
        self.calls_from_ms = now_ms()
        print(
            f"{len(self.consultations)} consultations running, media sampled every {SAMPLE_MS} ms", flush=True
        )

    def call_gaps(self, playwright: Any, t_to_ms: float) -> dict[str, Any]:
        """The longest stall of decoded video on any of the four pages from the calls' start (before the
        first kill) to ``t_to_ms`` (every page settled after the last kill), or until the page's call
        ended: a call the server ended (its pages not back within the call's grace) is counted apart."""
        longest = 0.0
        gaps = 0
        sampler = 0.0
        per_page = {}
        ended_after = {}
        rebuilt = {}
        for call in self.consultations:
            for name, page in call.pages.items():
                found = samples(page, self.calls_from_ms)
                end = call_end(found, self.calls_from_ms)
                if end is not None:
                    ended_after[name] = round((end - self.calls_from_ms) / 1000, 1)
                t_end = min(t_to_ms, end or t_to_ms)
                page_stalls = stalls(found, self.calls_from_ms, t_end)
                per_page[name] = round(max(page_stalls), 1)
                longest = max(longest, *page_stalls)
                gaps += sum(1 for s in page_stalls if s > STALL_MS)
                sampler = max(sampler, *sample_intervals(found), 0.0)
                # One remote peer each: every further connection was built again (a renegotiation from
                # scratch, which costs the picture for a while).
                rebuilt[name] = max((b for *_rest, b in found), default=1) - 1
                for start, length in stall_windows(found, self.calls_from_ms, t_end):
                    print(
                        f"  {name}: no new frame for {length:.0f} ms from "
                        f"{(start - self.calls_from_ms) / 1000:.1f} s",
                        flush=True,
                    )
        print(
            f"calls across the kills: longest stall {longest:.0f} ms per page {per_page}; "
            f"connections built again {rebuilt}",
            flush=True,
        )
        if ended_after:
            print(f"calls ended (s after the calls' start, before the first kill): {ended_after}", flush=True)
        return {
            "call_pages_out_of_call": sorted(ended_after),
            "call_ended_after_s": ended_after,
            "call_media_gaps": gaps,
            "call_media_max_gap_ms": round(longest, 1),
            "call_media_max_gap_by_page_ms": per_page,
            "call_connections_rebuilt": sum(rebuilt.values()),
            "call_sample_max_interval_ms": round(sampler, 1),
            "call_window_s": round((t_to_ms - self.calls_from_ms) / 1000, 1),
            "load_1min": round(os.getloadavg()[0], 1),
        }

    # -- 3. the citizen's network gone mid-call --

    def network_drop(self, playwright: Any) -> dict[str, Any]:
        """A consultation of its own (the kills may have ended the others), its citizen behind the pair."""
        assert self.net is not None
        self._ensure_browsers(playwright)
        slug, _name, user, _display = NET_OFFICE
        call = self._consultation(slug, user, self._citizen_browser, "Person im Funkloch")
        try:
            for page in call.pages.values():
                page.evaluate(SAMPLER_JS, ["call", SAMPLE_MS])
            # Media flowing for a while first, so that the stall below is the drop's.
            for page in call.pages.values():
                j.wait_for_more_frames(page, j.media_stats(page).frames_decoded, timeout_s=PATIENCE_S)
            self.net.drop()
            t_drop = now_ms()
            time.sleep(self.net_down_seconds)  # the outage itself, not a wait for a result
            self.net.restore()
            t_back = now_ms()
            first: dict[str, float | None] = {}
            stalled: dict[str, float] = {}
            deadline = time.monotonic() + PATIENCE_S
            while time.monotonic() < deadline:
                for name, page in call.pages.items():
                    if first.get(name) is None:
                        found = samples(page, t_drop - 2000)
                        first[name] = first_progress(found, t_back)
                        stalled[name] = max(stalls(found, t_drop, t_back))
                if all(first.get(name) is not None for name in call.pages):
                    break
                call.official.wait_for_timeout(100)
            back = {name: (round(t - t_back, 1) if t is not None else None) for name, t in first.items()}
            worst = None if None in back.values() else max(v for v in back.values() if v is not None)
            print(
                f"network of {call.office}'s citizen down {self.net_down_seconds:.0f} s: media back {back}",
                flush=True,
            )
            return {
                "net_media_back_ms": worst,
                "net_media_back_by_page_ms": back,
                # Proof that the drop took: the stall during it (about NET_DOWN_SECONDS).
                "net_media_stall_ms": round(max(stalled.values()), 1),
                "net_dropped_by": self.net.dropped_by,
                "load_1min": round(os.getloadavg()[0], 1),
            }
        finally:
            if in_call(call.official)["live"]:
                call.official.click("#hangup-button")
            call.official.context.close()
            call.citizen.context.close()

    def end_calls(self, playwright: Any) -> None:
        for call in self.consultations:
            if in_call(call.official)["live"]:
                call.official.click("#hangup-button")
                call.official.locator("#call-panel").wait_for(state="hidden", timeout=PATIENCE_S * 1000)
            call.official.context.close()
            call.citizen.context.close()
        self.consultations.clear()

    # -- 2. Janus killed during a group session --

    def janus_restart(self, playwright: Any) -> dict[str, Any]:
        assert self.group is not None
        self._ensure_browsers(playwright)
        group = self.group
        names = ["Referentin", "Gast 1", "Gast 2"]
        room = group.make_room(
            [(names[0], "presenter"), *((n, "viewer") for n in names[1:])],
            title="Belehrung",
            kind="training",
            mode="webinar",
        )
        presenter_id = room.member(names[0])
        pages = {
            name: janusnet.open_test_page(self._browser.new_context().new_page(), group, room, name)
            for name in names
        }
        pages[names[0]].evaluate("() => window.bbMedia.publish({audio: true, video: true})")
        viewers = {name: pages[name] for name in names[1:]}
        for page in viewers.values():
            janusnet.decodes(page, presenter_id, timeout=PATIENCE_S)
            page.evaluate(SAMPLER_JS, ["group", GROUP_SAMPLE_MS])
        t_kill = now_ms()
        group.janus.kill()
        time.sleep(self.janus_down_seconds)  # Janus away (a crash, then its unit restarting it)
        group.janus.start()
        t_back = now_ms()  # Janus answers on its API port again
        first: dict[str, float | None] = {}
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            for name, page in viewers.items():
                if first.get(name) is None:
                    first[name] = first_progress(samples(page, t_kill), t_back)
            if all(first.get(name) is not None for name in viewers):
                break
            pages[names[0]].wait_for_timeout(100)
        back = {name: (round(t - t_back, 1) if t is not None else None) for name, t in first.items()}
        worst = None if None in back.values() else max(v for v in back.values() if v is not None)
        print(f"janus killed, restarted after {self.janus_down_seconds:.0f} s: media back {back}", flush=True)
        for page in pages.values():
            page.context.close()
        return {
            "janus_media_back_ms": worst,
            "janus_media_back_by_viewer_ms": back,
            "janus_restart_ms": round(t_back - t_kill, 1),
            "load_1min": round(os.getloadavg()[0], 1),
        }

    def stop(self) -> None:
        """Browsers, the citizen's namespace and Janus, each stopped even when another fails to stop."""
        try:
            if self.browsers is not None:

                def close(playwright: Any) -> None:
                    for browser in (self._browser, self._citizen_browser):
                        if browser is not None:
                            browser.close()

                try:
                    self.browsers.submit(close).result(timeout=60)
                finally:
                    self.browsers.close()
        finally:
            if self.net is not None:
                self.net.stop()
            if self.group is not None:
                if self.group.janus is not None:
                    self.group.janus.stop()
                shutil.rmtree(self.group.folder, ignore_errors=True)
