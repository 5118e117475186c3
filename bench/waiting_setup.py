"""Setup step of bench_waiting.py, run with the benchmark server's environment before the server starts:
``python bench/waiting_setup.py OFFICE_SLUG USERNAME COUNT OUT.json``.

Creates COUNT waiting tickets through the real action (``enter_queue``), a Django session holding each
ticket's token (what the office page's form does for a browser), and a logged-in session of the
official. Writes ``{"citizens": [session keys in queue order], "official": session key,
"admit_url": path}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    slug, username, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    # No consumer runs in this process, so events it would send reach nobody; skipping them (one event
    # loop per async_to_sync call) makes the setup several times faster.
    import buergerbuero.core.events as core_events
    from buergerbuero.authorities.models import Staff
    from buergerbuero.offices.models import Office
    from buergerbuero.waitingroom.actions import enter_queue
    from buergerbuero.waitingroom.tokens import remember

    core_events._send = lambda group, event: None
    office = Office.objects.get(slug=slug)
    started = time.monotonic()
    citizens: list[str] = []
    for n in range(count):
        _ticket, token = enter_queue(office, f"Person {n + 1}", "", "de")
        session = SessionStore()
        remember(session, token)  # as the public view does: the token's hash
        session.create()
        citizens.append(session.session_key or "")
    user = Staff.objects.select_related("user").get(user__username=username).user
    session = SessionStore()
    session[AUTH_SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    out.write_text(
        json.dumps(
            {"citizens": citizens, "official": session.session_key, "admit_url": admit_url(office.pk)}
        ),
        encoding="utf-8",
    )
    print(f"created {count} waiting tickets in {time.monotonic() - started:.1f} s", flush=True)


def admit_url(office_id: int) -> str:
    from django.urls import reverse

    return reverse("staff:admit-next", kwargs={"office_id": office_id})


if __name__ == "__main__":
    main()
