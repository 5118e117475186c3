"""JSON from clients (WebSocket frames, the proof-of-work field of public forms): parsed as hostile input.

``json.loads`` raises ``RecursionError``, not ``ValueError``, on deeply nested arrays or objects
(``"[" * 1400`` is 1.4 KB), so a caller that catches only ``ValueError`` answers such input with a crash
and a traceback. :func:`loads` turns it into the ``ValueError`` every malformed document gives.

:func:`unclean_text` finds what valid JSON may still carry and nothing downstream can store or forward:
lone surrogates (``"\\ud800"``: SQLite's and PostgreSQL's drivers, the Redis channel layer and Janus all
need encodable UTF-8), control characters (U+0000 ends a C string inside Janus) and whole numbers
beyond 2**53. Tab, line feed and carriage return are allowed, because text and SDP (lines end in CR LF)
need them.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but tab, LF, CR; DEL and the C1 controls; every surrogate code point (a valid pair is
# decoded by json into one astral character, so a surrogate left in a str is always a lone one).
_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Frames and payloads are flat objects with a few nested lists; anything deeper is not ours.
MAX_DEPTH = 32
# Whole numbers beyond what JavaScript holds exactly: no id or count of ours, and past 64 bits the
# Redis channel layer (msgpack) and the database drivers cannot carry them.
MAX_INT = 2**53


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not JSON")


def loads(data: str | bytes) -> Any:
    """``json.loads`` that raises ``ValueError`` for every malformed document, including deep nesting
    and the ``NaN``/``Infinity`` that Python's json accepts."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def unclean_text(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Why the parsed JSON ``value`` must be refused (``"depth"``, ``"characters"`` or ``"number"``), or
    None.

    Every string is checked, keys included. The walk is iterative, so no input can exhaust the stack."""
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, str):
            if _UNCLEAN.search(item):
                return "characters"
        elif isinstance(item, int) and not -MAX_INT <= item <= MAX_INT:
            return "number"
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                return "depth"
            if isinstance(item, dict):
                for key, child in item.items():
                    todo.append((key, depth + 1))
                    todo.append((child, depth + 1))
            else:
                todo.extend((child, depth + 1) for child in item)
    return None
