"""The mail section of settings.py: SMTP from BUERGERBUERO_* variables, the file backend in the data
directory as the embedded default, and a clear refusal of malformed values. Each case loads the
settings in a fresh interpreter, as a start of the server would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "EMAIL_FILE_PATH",
]


def load(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BUERGERBUERO_")}
    clean.update({"BUERGERBUERO_DATA_DIR": str(tmp_path), "BUERGERBUERO_SECRET_KEY": "x" * 50})
    clean.update({f"BUERGERBUERO_{name}": value for name, value in env.items()})
    code = (
        "import json, buergerbuero.settings as s; "
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {NAMES!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_with(tmp_path: Path, **env: str) -> dict[str, str]:
    result = load(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_writes_mails_into_the_data_directory(tmp_path) -> None:
    values = settings_with(tmp_path)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == str(tmp_path.resolve() / "mail")
    assert values["SITE_URL"] == "http://127.0.0.1:8000"
    assert values["DEFAULT_FROM_EMAIL"] == "buergerbuero@localhost"


def test_smtp_from_the_environment(tmp_path) -> None:
    password = tmp_path / "smtp_password"
    password.write_text("geheim\n")
    values = settings_with(
        tmp_path,
        EMAIL_HOST="mail.landkreis.example",
        EMAIL_USE_TLS="yes",
        EMAIL_HOST_USER="termine",
        EMAIL_HOST_PASSWORD_FILE=str(password),
        EMAIL_TIMEOUT="20",
        DEFAULT_FROM_EMAIL="Landratsamt <termine@landkreis.example>",
        SITE_URL="https://buergerbuero.landkreis.example/",
    )
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "mail.landkreis.example"
    assert values["EMAIL_PORT"] == "587"
    assert (values["EMAIL_USE_TLS"], values["EMAIL_USE_SSL"]) == ("True", "False")
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("termine", "geheim")
    assert values["EMAIL_TIMEOUT"] == "20"
    assert values["DEFAULT_FROM_EMAIL"] == "Landratsamt <termine@landkreis.example>"
    assert values["SITE_URL"] == "https://buergerbuero.landkreis.example"


def test_ssl_port_default(tmp_path) -> None:
    values = settings_with(tmp_path, EMAIL_HOST="mail.example", EMAIL_USE_SSL="1")
    assert values["EMAIL_PORT"] == "465"
    assert settings_with(tmp_path, EMAIL_HOST="mail.example", EMAIL_PORT="2525")["EMAIL_PORT"] == "2525"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SITE_URL": "buergerbuero.example"}, "BUERGERBUERO_SITE_URL: expected http(s)://host"),
        ({"SITE_URL": "ftp://buergerbuero.example"}, "BUERGERBUERO_SITE_URL: expected http(s)://host"),
        ({"SITE_URL": "https://buergerbuero.example/?a=1"}, "BUERGERBUERO_SITE_URL: expected"),
        ({"SITE_URL": "https://buergerbuero.example:99999"}, "BUERGERBUERO_SITE_URL: expected"),
        ({"SITE_URL": "https://user:pw@buergerbuero.example"}, "must not contain a user name"),
        ({"DEFAULT_FROM_EMAIL": "termine"}, "BUERGERBUERO_DEFAULT_FROM_EMAIL: expected an address"),
        ({"EMAIL_HOST": "smtp://mail.example"}, "BUERGERBUERO_EMAIL_HOST: expected a host name"),
        ({"EMAIL_PORT": "smtp"}, "BUERGERBUERO_EMAIL_PORT: expected a whole number"),
        ({"EMAIL_PORT": "70000"}, "BUERGERBUERO_EMAIL_PORT: must be at most 65535"),
        ({"EMAIL_USE_TLS": "vielleicht"}, "BUERGERBUERO_EMAIL_USE_TLS: expected one of"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "exclude each other"),
        ({"EMAIL_HOST_PASSWORD": "geheim"}, "BUERGERBUERO_EMAIL_HOST_USER is not"),
        ({"EMAIL_TIMEOUT": "0"}, "BUERGERBUERO_EMAIL_TIMEOUT: must be at least 1"),
    ],
)
def test_malformed_values_stop_the_start_with_a_message(tmp_path, env, message) -> None:
    result = load(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
