"""The proof of work of the booking form (core/pow.py): what the server accepts, and what not."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.core.cache import cache

from buergerbuero.core import pow


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()
    yield
    cache.clear()


def challenge(**kwargs) -> dict:
    return pow.create_challenge(maximum=kwargs.pop("maximum", 500), **kwargs)


def decoded(payload: str) -> dict:
    return json.loads(base64.b64decode(payload))


def encoded(data: dict) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_a_solution_is_accepted_once() -> None:
    solution = pow.solve(challenge())
    verdict = pow.verify(solution)
    assert verdict.ok
    assert pow.consume(verdict)
    assert pow.verify(solution).reason == "replayed"
    assert not pow.consume(verdict)  # a second request that verified at the same time loses


def test_the_challenge_names_algorithm_range_and_lifetime(settings) -> None:
    settings.BOOKING_POW_MAX_NUMBER = 1234
    settings.BOOKING_POW_TTL_SECONDS = 600
    made = pow.create_challenge()
    assert made["algorithm"] == "SHA-256"
    assert made["maxnumber"] == 1234
    assert made["expires_in"] == 600
    assert "?expires=" in made["salt"]
    assert 0 <= decoded(pow.solve(made))["number"] <= 1234


def test_the_secret_number_is_random() -> None:
    numbers = {decoded(pow.solve(challenge(maximum=100_000)))["number"] for _ in range(3)}
    assert len(numbers) == 3


def test_a_wrong_number_is_refused() -> None:
    made = challenge()
    number = decoded(pow.solve(made))["number"]
    assert pow.verify(pow.encode_solution(made, number + 1)).reason == "wrong"


def test_a_forged_signature_is_refused() -> None:
    data = decoded(pow.solve(challenge()))
    data["signature"] = "0" * 64
    assert pow.verify(encoded(data)).reason == "signature"


def test_a_challenge_made_up_by_the_client_is_refused() -> None:
    # The client picks its own salt and number: the hash is right, but the signature is not its to make.
    import hashlib

    salt = f"abc?expires={int(time.time()) + 600}"
    data = {
        "algorithm": "SHA-256",
        "challenge": hashlib.sha256(f"{salt}1".encode()).hexdigest(),
        "number": 1,
        "salt": salt,
        "signature": "deadbeef",
    }
    assert pow.verify(encoded(data)).reason == "signature"


def test_a_longer_life_cannot_be_written_into_the_salt() -> None:
    data = decoded(pow.solve(challenge()))
    random_part = data["salt"].split("?")[0]
    data["salt"] = f"{random_part}?expires={int(time.time()) + 10**6}"
    assert pow.verify(encoded(data)).reason == "wrong"


def test_an_expired_challenge_is_refused(settings) -> None:
    settings.BOOKING_POW_TTL_SECONDS = 60
    old = challenge(now=time.time() - 61)
    assert pow.verify(pow.solve(old)).reason == "expired"
    fresh = challenge(now=time.time() - 30)
    assert pow.verify(pow.solve(fresh)).ok


def test_another_secret_key_invalidates_solutions(settings) -> None:
    solution = pow.solve(challenge())
    settings.SECRET_KEY = "another key " * 5
    assert pow.verify(solution).reason == "signature"


@pytest.mark.parametrize(
    "payload",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        encoded({"algorithm": "SHA-256"}),
        "A" * 3000,
        # Nested deeper than json's recursion limit, under the length cap: bad input, not a crash.
        base64.b64encode(b"[" * 1400).decode(),
        # A lone surrogate cannot be hashed or signed (was UnicodeEncodeError, HTTP 500).
        encoded({"algorithm": "SHA-256", "challenge": "\ud800", "salt": "x", "signature": "y", "number": 1}),
    ],
)
def test_malformed_payloads_are_refused(payload) -> None:
    assert pow.verify(payload).reason == "malformed"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("algorithm", "MD5"),
        ("number", "7"),
        ("number", -1),
        ("number", True),
        ("salt", 5),
        ("salt", "nosalt"),
    ],
)
def test_payloads_with_bad_fields_are_refused(field, value) -> None:
    made = challenge()
    data = decoded(pow.solve(made))
    data[field] = value
    verdict = pow.verify(encoded(data))
    assert not verdict.ok
    assert verdict.reason in ("malformed", "wrong")


@pytest.mark.parametrize("payload", [None, ""])
def test_missing_payload(payload) -> None:
    assert pow.verify(payload).reason == "missing"


def test_consume_refuses_an_unverified_solution() -> None:
    assert not pow.consume(pow.Verdict(False, "wrong"))


def test_after_its_expiry_a_used_solution_is_refused_as_expired(settings) -> None:
    settings.BOOKING_POW_TTL_SECONDS = 2
    made = challenge()
    verdict = pow.verify(pow.solve(made))
    assert pow.consume(verdict)
    later = time.time() + 5
    # After its expiry the challenge is refused as expired, so the mark may go.
    assert pow.verify(pow.solve(made), now=later).reason == "expired"


def test_the_default_work_is_solved_in_python_quickly_enough() -> None:
    made = pow.create_challenge()
    assert made["maxnumber"] == 50_000
    assert pow.verify(pow.solve(made)).ok
