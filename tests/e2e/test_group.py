"""A group session end to end through the real room page (rooms/templates/rooms/room.html, room.js,
groupmedia.js), the live server and a real Janus on a veth pair of the test's network namespace
(tests/e2e/janusnet.py): a presenter and three participants of a webinar in Chromium.

The presenter is seen by everyone; a participant raises a hand, is let speak, publishes and is seen by the
others; "mute everyone" silences them in Janus itself; a removed participant cannot come back; a reloaded
participant sees the presenter again; no page or frame holds the room's secret. Media is checked on WebRTC
statistics (frames decoded, packets received), never on sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import janusnet
from tests.e2e.harness import OfficeSpec, SeedSpec
from tests.e2e.janusnet import GroupServer, poll

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not janusnet.available(), reason="janus is not installed"),
]

SEED = SeedSpec(offices=[OfficeSpec("veranstaltungen", "Veranstaltungen", [("vera", "Vera Vogel")])])
TIMEOUT = 45.0

# Per member id in this page's GroupMedia (room.js makes one; groupmedia.js keeps it on window).
STATS = "async () => window.bbGroupMedia ? await window.bbGroupMedia.stats() : {}"
# Whether the first member's audio is silent while the second's goes on (over about a second).
AUDIO_SILENT = """async ([a, p]) => {
    const count = async () => await window.bbGroupMedia.stats();
    const before = await count();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const after = await count();
    const silent = after[a].audioPackets === before[a].audioPackets;
    return silent && after[p].audioPackets > before[p].audioPackets;
}"""


@pytest.fixture(scope="module")
def group() -> Iterator[GroupServer]:
    server = GroupServer(SEED, name="group").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_server_errors(group: GroupServer) -> Iterator[None]:
    mark = group.live.log_size()
    yield
    new = group.live.log_since(mark)
    if "Traceback (most recent call last)" in new:
        pytest.fail(f"the live server logged errors during the test:\n{new[-6000:]}", pytrace=False)


class Person:
    """One person's room page, with every frame its socket received."""

    def __init__(self, page: Any, group: GroupServer, token: str) -> None:
        self.page = page
        self.url = group.join_url(token)
        self.frames: list[str] = []
        self.sockets_closed = 0
        page.on("websocket", self._watch)

    def _watch(self, ws: Any) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(str(payload)))
        ws.on("close", self._closed)

    def _closed(self, _ws: Any) -> None:
        self.sockets_closed += 1

    def wait_frames(self, kind: str, count: int) -> None:
        """Until this page has received ``count`` frames of type ``kind`` (reconnects included)."""
        deadline = time.monotonic() + TIMEOUT
        while sum(f'"type":"{kind}"' in frame for frame in self.frames) < count:
            assert time.monotonic() < deadline, f"fewer than {count} {kind} frames"
            self.page.wait_for_timeout(100)

    def wait_socket_closed(self) -> None:
        """Until the server has closed this page's socket (Playwright reports events while it waits)."""
        deadline = time.monotonic() + TIMEOUT
        while not self.sockets_closed:
            assert time.monotonic() < deadline, "the socket was not closed"
            self.page.wait_for_timeout(100)

    def open(self) -> Person:
        self.page.goto(self.url)
        return self

    def stats(self) -> dict[str, dict[str, int]]:
        return dict(self.page.evaluate(STATS))

    def decodes(self, member: int, more_than: int = 0) -> int:
        return int(
            poll(
                self.page,
                """async ([member, more]) => {
                    const s = window.bbGroupMedia && (await window.bbGroupMedia.stats())[member];
                    return s && s.framesDecoded > more ? s.framesDecoded : 0;
                }""",
                [member, more_than],
                TIMEOUT,
                f"video of member {member} decoded",
            )
        )


def test_a_webinar_with_a_presenter_and_three_participants(group: GroupServer, pages, expect) -> None:
    room = group.make_room(
        [
            ("Petra Podium", "presenter"),
            ("Anton Amsel", "participant"),
            ("Berta Birke", "participant"),
            ("Carl Kranich", "participant"),
        ],
        title="Bürgerversammlung",
        mode="webinar",
    )
    petra_id, anton_id, carl_id = (room.member(n) for n in ("Petra Podium", "Anton Amsel", "Carl Kranich"))
    petra = Person(pages.new("petra"), group, room.token("Petra Podium")).open()
    anton = Person(pages.new("anton"), group, room.token("Anton Amsel")).open()
    berta = Person(pages.new("berta"), group, room.token("Berta Birke")).open()
    carl = Person(pages.new("carl"), group, room.token("Carl Kranich")).open()

    # Everyone sees the presenter, who publishes on entering, and hears her (the speaking indicator's level).
    for person in (anton, berta, carl):
        assert person.decodes(petra_id) > 0
    assert poll(anton.page, "(p) => (window.bbGroupMedia.levels()[p] || 0) > 0", petra_id, TIMEOUT, "level")

    # Anton raises his hand and is let speak: his page publishes, the others see him.
    anton.page.locator("#hand-button").click()
    grant = petra.page.locator(f'#hand-queue li[data-member="{anton_id}"] button').first
    grant.click()
    for person in (petra, berta, carl):
        assert person.decodes(anton_id) > 0

    # "Mute everyone": Janus drops Anton's audio (the presenter is not muted).
    assert poll(
        berta.page,
        """async ([a, p]) => {
            const s = await window.bbGroupMedia.stats();
            return s[a] && s[a].audioPackets > 0 && s[p].audioPackets > 0;
        }""",
        [anton_id, petra_id],
        TIMEOUT,
        "audio of Anton and Petra",
    )
    petra.page.locator("#mute-all-button").click()
    anton.page.wait_for_function(
        "() => window.bbGroupMedia && window.bbGroupMedia.permissions.audio_muted", timeout=TIMEOUT * 1000
    )
    poll(
        berta.page, AUDIO_SILENT, [anton_id, petra_id], TIMEOUT, "Anton's audio stopped while Petra's goes on"
    )
    assert anton.decodes(petra_id, more_than=anton.decodes(petra_id)) > 0  # video goes on

    # The mute is hard: neither the microphone button nor a page that turns its track back on
    # by itself gets Anton heard again; only a moderator lifts it.
    anton.page.locator("#mic-button").click()
    expect(anton.page.locator("#mic-button")).to_have_attribute("aria-pressed", "false")
    anton.page.evaluate(
        """() => {
            const media = window.bbGroupMedia;
            media.permissions.audio_muted = false;
            media.selfMuted.audio = false;
            media._applyTrackState();
        }"""
    )
    assert poll(berta.page, AUDIO_SILENT, [anton_id, petra_id], TIMEOUT, "Anton stays silent")
    petra.page.locator(f'#people-list li[data-member="{anton_id}"] button[data-lift="audio"]').click()
    anton.page.wait_for_function(
        "() => window.bbGroupMedia && !window.bbGroupMedia.permissions.audio_muted", timeout=TIMEOUT * 1000
    )
    anton.page.locator("#mic-button").click()
    assert poll(
        berta.page,
        """async ([a]) => {
            const before = (await window.bbGroupMedia.stats())[a].audioPackets;
            await new Promise((resolve) => setTimeout(resolve, 500));
            return (await window.bbGroupMedia.stats())[a].audioPackets > before;
        }""",
        [anton_id],
        TIMEOUT,
        "Anton heard again",
    )

    # Carl is removed and cannot come back.
    petra.page.once("dialog", lambda dialog: dialog.accept())
    petra.page.locator(f'#people-list li[data-member="{carl_id}"] button.button--danger').click()
    expect(carl.page.locator("#closed-panel")).to_be_visible(timeout=TIMEOUT * 1000)
    carl.wait_socket_closed()  # by the server; the page does not reconnect
    response = carl.page.goto(carl.url)
    assert response is not None and response.status == 403
    expect(petra.page.locator(f'#people-list li[data-member="{carl_id}"]')).to_have_count(0)

    # Berta reloads and sees the presenter and Anton again.
    berta.page.reload()
    assert berta.decodes(petra_id) > 0
    assert berta.decodes(anton_id) > 0

    # No page or frame holds the room's secret.
    secret = group.room_secret(room.id)
    assert len(secret) >= 16
    for person in (petra, anton, berta, carl):
        assert person.frames, "no frames captured"
        assert not [f for f in person.frames if secret in f]
        assert secret not in person.page.content()


def test_media_comes_back_after_the_server_crashed(group: GroupServer, pages) -> None:
    room = group.make_room([("Paul Podium", "presenter"), ("Vroni Vogel", "viewer")], mode="webinar")
    paul_id = room.member("Paul Podium")
    paul = Person(pages.new("paul"), group, room.token("Paul Podium")).open()
    vroni = Person(pages.new("vroni"), group, room.token("Vroni Vogel")).open()
    assert vroni.decodes(paul_id) > 0

    group.crash_and_restart()
    # Both pages reconnect, get a new media configuration (their stale Janus feeds are kicked), publish and
    # subscribe again.
    # (How fast is bench-faults' business, not this test's: a loaded machine is slower.)
    for person in (paul, vroni):
        person.wait_frames("media.config", 2)
    assert vroni.decodes(paul_id) > 0  # on the new subscriber connection
