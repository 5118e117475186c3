"""manage.py janus_config: the production Janus configuration, and its refusals."""

from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> str:
    out = StringIO()
    call_command("janus_config", *args, stdout=out)
    return out.getvalue()


def test_writes_the_configuration_with_the_installations_admin_key(tmp_path, settings) -> None:
    settings.JANUS_ADMIN_KEY = "admin-key-of-this-installation"
    settings.JANUS_API_SECRET = "api-secret-of-this-installation"
    folder = tmp_path / "janus"

    out = run(
        "--folder", str(folder), "--api-ip", "10.0.0.5", "--api-port", "8288", "--rtp-ports", "30000-31000",
        "--event-loops", "4",
    )  # fmt: skip

    assert str(folder) in out
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "janus.jcfg",
        "janus.plugin.streaming.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.transport.websockets.jcfg",
    ]
    main = (folder / "janus.jcfg").read_text()
    assert 'admin_secret = "admin-key-of-this-installation"' in main
    # The API secret is in the file, so that Janus's command line (readable by every local user) needs none.
    assert 'api_secret = "api-secret-of-this-installation"' in main
    assert 'rtp_port_range = "30000-31000"' in main
    assert "event_loops = 4" in main
    transport = (folder / "janus.transport.websockets.jcfg").read_text()
    assert 'ws_ip = "10.0.0.5"' in transport and "ws_port = 8288" in transport
    assert "@" not in "".join(p.read_text() for p in folder.iterdir() if p.is_file()).replace("\\@", "")
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # janus.jcfg holds the secrets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api-ip", "1.2.3.4"], "is public"),
        (["--api-ip", "janus.example"], "not an IP address"),
        (["--rtp-ports", "20000"], "not LOW-HIGH"),
        (["--rtp-ports", "40000-20000"], "RTP port range"),
        (["--api-port", "70000"], "not a port"),
        (["--event-loops", "0"], "event loops"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(tmp_path, settings, args, message) -> None:
    settings.JANUS_ADMIN_KEY = "k"
    settings.JANUS_API_SECRET = "s"
    folder = tmp_path / "janus"
    with pytest.raises(CommandError, match=message):
        run("--folder", str(folder), *args)
    assert not folder.exists() or not any(folder.iterdir())


def test_refused_without_an_admin_key(tmp_path, settings) -> None:
    settings.JANUS_ADMIN_KEY = ""
    with pytest.raises(CommandError, match="JANUS_ADMIN_KEY"):
        run("--folder", str(tmp_path / "janus"))


def test_refused_without_an_api_secret(tmp_path, settings) -> None:
    settings.JANUS_ADMIN_KEY = "k"
    settings.JANUS_API_SECRET = ""
    with pytest.raises(CommandError, match="JANUS_API_SECRET"):
        run("--folder", str(tmp_path / "janus"))
    assert not (tmp_path / "janus").exists()
