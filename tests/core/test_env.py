from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from buergerbuero.core.env import env_bool, env_int, env_list, env_str, env_url_list


def test_str_default_and_value() -> None:
    assert env_str("X", "d", environ={}) == "d"
    assert env_str("X", "d", environ={"BUERGERBUERO_X": "v"}) == "v"
    assert env_str("X", "d", environ={"X": "v"}) == "d"  # only the prefixed name counts


def test_secret_from_file(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("  geheim\n", encoding="utf-8")
    env = {"BUERGERBUERO_SECRET_KEY_FILE": str(secret), "BUERGERBUERO_SECRET_KEY": "ignored"}
    assert env_str("SECRET_KEY", environ=env) == "geheim"


def test_unreadable_secret_file_names_the_variable(tmp_path) -> None:
    with pytest.raises(ImproperlyConfigured, match="BUERGERBUERO_TURN_SECRET_FILE"):
        env_str("TURN_SECRET", environ={"BUERGERBUERO_TURN_SECRET_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_bool(raw: str, expected: bool) -> None:
    assert env_bool("DEBUG", not expected, environ={"BUERGERBUERO_DEBUG": raw}) is expected


def test_bool_default_and_rejects() -> None:
    assert env_bool("DEBUG", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured, match="BUERGERBUERO_DEBUG"):
        env_bool("DEBUG", environ={"BUERGERBUERO_DEBUG": "maybe"})


def test_int() -> None:
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"BUERGERBUERO_N": " "}) == 5
    assert env_int("N", 5, minimum=1, maximum=10, environ={"BUERGERBUERO_N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 5, environ={"BUERGERBUERO_N": "7.5"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"BUERGERBUERO_N": "0"})
    with pytest.raises(ImproperlyConfigured, match="at most 10"):
        env_int("N", 5, maximum=10, environ={"BUERGERBUERO_N": "11"})


def test_list() -> None:
    assert env_list("HOSTS", ["a"], environ={}) == ["a"]
    assert env_list("HOSTS", environ={"BUERGERBUERO_HOSTS": " a.example, ,b.example ,"}) == [
        "a.example",
        "b.example",
    ]
    assert env_list("HOSTS", ["a"], environ={"BUERGERBUERO_HOSTS": ""}) == []


def test_url_list() -> None:
    env = {"BUERGERBUERO_TURN_URLS": "turn:t.example:3478?transport=udp,turns:t.example:5349"}
    assert env_url_list("TURN_URLS", ("turn", "turns"), environ=env) == [
        "turn:t.example:3478?transport=udp",
        "turns:t.example:5349",
    ]
    with pytest.raises(ImproperlyConfigured, match="must start with one of turn:, turns:"):
        env_url_list("TURN_URLS", ("turn", "turns"), environ={"BUERGERBUERO_TURN_URLS": "https://t.example"})
    assert env_url_list("TURN_URLS", ("turn",), environ={}) == []
