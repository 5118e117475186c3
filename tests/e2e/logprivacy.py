"""What no server log may hold (docs/privacy.md, "Logs"): a link token, a name, a concern or an e-mail
address. The browser tests' servers log to a file each (harness.LiveServer.log_path); conftest's
``_no_server_errors`` checks what every test added to them with :func:`private_data_in`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tests.e2e.harness import LiveServer

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Link tokens (secrets.token_urlsafe and our signed tokens): long runs of URL-safe characters with upper
# and lower case letters and digits, which no route, module or message of ours has.
TOKEN = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{20,}(?![\w-])")
# What the journeys type as a citizen (tests/e2e/journeys.py and the test modules): names and concerns.
CITIZEN_WORDS = (
    "Erika",
    "Mustermann",
    "Heizung",
    "Wärmepumpe",
    "Dritte Person",
    "Guten Tag",
    "Worum geht es",
)


def private_data_in(log: str, servers: Iterable[LiveServer]) -> list[str]:
    """The lines of ``log`` that hold personal data of the seeds or the journeys, or a token."""
    names = {name for s in servers for office in s.seed_spec.offices for _user, name in office.officials}
    words = (*CITIZEN_WORDS, *names)
    return [
        line
        for line in log.splitlines()
        if EMAIL.search(line) or TOKEN.search(line) or any(word in line for word in words)
    ]
