"""TURN credentials are checked the way coturn checks them with ``use-auth-secret``: the password must be
base64(HMAC-SHA1(static-auth-secret, username)), and the username's leading number is the expiry time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.ice import ice_configuration, turn_credentials
from buergerbuero.calls.selectors import call_start_frame
from tests.conftest import enter, open_

SECRET = "s3cr3t-shared-with-coturn"


def coturn_accepts(username: str, password: str, secret: str, now: float) -> bool:
    """coturn's check, written out independently of our code."""
    expected = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    expiry = int(username.split(":", 1)[0])
    return hmac.compare_digest(expected, password) and expiry > now


@pytest.fixture
def turn(settings):
    settings.TURN_SECRET = SECRET
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_CREDENTIAL_TTL_SECONDS = 3600
    settings.ICE_RELAY_ONLY = False
    return settings


def test_credentials_follow_coturn_rest_scheme(turn) -> None:
    now = 1_750_000_000.0
    username, password = turn_credentials(42, now=now)
    assert username == f"{int(now) + 3600}:bb42"
    assert len(base64.b64decode(password)) == 20  # a SHA-1 digest
    assert coturn_accepts(username, password, SECRET, now=now + 3599)
    assert not coturn_accepts(username, password, SECRET, now=now + 3600)  # expired
    assert not coturn_accepts(username, password, "another secret", now=now)


def test_credentials_differ_per_participant(turn) -> None:
    now = time.time()
    assert turn_credentials(1, now=now) != turn_credentials(2, now=now)
    username, password = turn_credentials(1, now=now)
    forged = username.replace(":bb1", ":bb2")
    assert not coturn_accepts(forged, password, SECRET, now=now)


def test_ice_configuration(turn) -> None:
    config = ice_configuration(7)
    assert config["iceTransportPolicy"] == "all"
    stun, relay = config["iceServers"]
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert relay["urls"] == list(turn.TURN_URLS)
    assert relay["username"].endswith(":bb7")
    assert coturn_accepts(relay["username"], relay["credential"], SECRET, now=time.time())


def test_relay_only(turn) -> None:
    turn.ICE_RELAY_ONLY = True
    assert ice_configuration(7)["iceTransportPolicy"] == "relay"


def test_no_servers_configured(settings) -> None:
    settings.TURN_URLS = []
    settings.STUN_URLS = []
    settings.ICE_RELAY_ONLY = False
    assert ice_configuration(7) == {"iceServers": [], "iceTransportPolicy": "all"}


@pytest.mark.django_db
def test_call_start_carries_credentials_for_that_participant(world, turn) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, "Erika")
    consultation = admit(world.official_a, world.office_a)
    official, citizen = consultation.participants.order_by("id")
    frame = call_start_frame(citizen)
    assert (frame["type"], frame["me"], frame["role"], frame["consultation"]) == (
        "call.start",
        citizen.pk,
        "citizen",
        consultation.pk,
    )
    assert {(p["id"], p["name"]) for p in frame["participants"]} == {
        (official.pk, world.official_a.display_name),
        (citizen.pk, "Erika"),
    }
    relay = frame["ice"]["iceServers"][1]
    assert relay["username"].endswith(f":bb{citizen.pk}")
    assert coturn_accepts(relay["username"], relay["credential"], SECRET, now=time.time())
