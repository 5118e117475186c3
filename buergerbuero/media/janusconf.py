"""The Janus configuration folder, rendered from the templates in deploy/janus/.

The templates name every value that differs between installations as ``@NAME@``: the API's address and
port, the API secret, the admin secret (also the plugins' admin key), the RTP port range, the number of
event loops and Janus's own module folders.
``render`` refuses a template that still holds a placeholder afterwards, so a typo cannot reach Janus.
Both secrets are in ``janus.jcfg`` (mode 600), never on Janus's command line: a process's arguments are
readable by every local user (``ps``, ``/proc/<pid>/cmdline``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "deploy" / "janus"
MODULES = Path("/usr/lib/x86_64-linux-gnu/janus")
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


@dataclass(frozen=True)
class JanusSettings:
    api_ip: str
    api_port: int
    admin_secret: str
    api_secret: str
    rtp_ports: tuple[int, int] = (20000, 40000)
    modules: Path = MODULES
    # One event loop per core of the Janus host.
    event_loops: int = field(default_factory=lambda: os.cpu_count() or 2)

    def values(self, folder: Path) -> dict[str, str]:
        low, high = self.rtp_ports
        if not (1024 <= low < high <= 65535):
            raise ValueError(f"RTP port range {low}-{high} is not within 1024-65535")
        if not 1 <= self.api_port <= 65535:
            raise ValueError(f"API port {self.api_port} is not a port")
        if not 1 <= self.event_loops <= 256:
            raise ValueError(f"{self.event_loops} event loops is not within 1-256")
        for name, secret in (("admin", self.admin_secret), ("API", self.api_secret)):
            if not secret or any(c in secret for c in '"\\\n\r'):
                raise ValueError(
                    f"the {name} secret must be set and must not contain a quote, backslash or line break"
                )
        return {
            "CONFIGS": str(folder),
            "PLUGINS": str(self.modules / "plugins"),
            "TRANSPORTS": str(self.modules / "transports"),
            "EVENTS": str(self.modules / "events"),
            "LOGGERS": str(self.modules / "loggers"),
            "ADMIN_SECRET": self.admin_secret,
            "API_SECRET": self.api_secret,
            "RTP_PORTS": f"{low}-{high}",
            "API_IP": self.api_ip,
            "API_PORT": str(self.api_port),
            "EVENT_LOOPS": str(self.event_loops),
        }


def render(settings: JanusSettings, folder: Path, templates: Path = TEMPLATES) -> Path:
    """Write the configuration folder for one Janus instance; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    values = settings.values(folder)
    for template in sorted(templates.glob("*.jcfg")):
        text = template.read_text(encoding="utf-8")
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        left = PLACEHOLDER.search(text)
        if left:
            raise ValueError(f"{template.name}: no value for {left.group(0)}")
        target = folder / template.name
        target.write_text(text, encoding="utf-8")
        target.chmod(0o600)  # janus.jcfg holds the secrets
    return folder
