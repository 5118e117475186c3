"""The web worker for several processes on one port: gunicorn as the process manager (``--preload``),
uvicorn serving in each process (docs/architecture.md, "Processes").

Why not ``uvicorn --workers``: uvicorn *spawns* a new interpreter for every worker it (re)starts, which
imports Python, Django and every app again; on a loaded machine a worker killed by the kernel (out of
memory, ``kill -9``) was back only after 3 to 5 s, and its pages after that. gunicorn with ``--preload``
loads the application once and *forks* the workers from it: a dead worker is back in well under a second,
so its pages are back within seconds (``make bench-faults``).

The options are uvicorn's, as the single-process server gets them on its command line (Makefile).
"""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker

from buergerbuero.core.env import env_int


class Worker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "on",
        # No access log: request paths may hold secret tokens (docs/privacy.md).
        "access_log": False,
        # Our frames are small JSON; per-message compression doubles a waiting page's memory and fan-out
        # time (bench/bench_waiting.py).
        "ws_per_message_deflate": False,
        # Larger frames are refused before they are buffered (the consumers' own limit, settings.py).
        "ws_max_size": env_int("WS_MAX_FRAME_BYTES", 64 * 1024, minimum=1024),
        # On SIGTERM, sockets are closed with 1012 (pages reconnect) within seconds.
        "timeout_graceful_shutdown": 5,
    }
