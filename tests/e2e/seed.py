"""Seed a fresh e2e database: ``python -m tests.e2e.seed < spec.json`` (spec: harness.SeedSpec).
``python -m tests.e2e.seed open <office slug> <username>`` opens an office through the real action, from a
process that is not the server's (harness.LiveServer.open_office_elsewhere).

Writes one JSON line: ``{"authority": slug, "offices": {slug: {"id", "officials": {username: staff id}}}}``.
Offices are open 00:00-23:59 every day so no test depends on the clock (an office with ``hours: false``
has no opening hours at all). Officials of ``opened_by`` are made present through the real action.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model

    from buergerbuero.authorities.models import Authority, Staff
    from buergerbuero.offices.actions import open_office
    from buergerbuero.offices.models import Assignment, Office, OpeningInterval
    from tests.e2e.harness import PASSWORD

    if sys.argv[1:2] == ["open"]:
        office_slug, username = sys.argv[2:4]
        staff = Staff.objects.get(user__username=username)
        open_office(staff, Office.objects.get(slug=office_slug), outside_hours=True)
        return

    spec = json.loads(sys.stdin.read())
    authority, _ = Authority.objects.get_or_create(
        slug=spec["authority_slug"], defaults={"name": spec["authority_name"], "holiday_state": "BY"}
    )
    users = get_user_model().objects
    out: dict[str, object] = {"authority": authority.slug, "offices": {}}
    for o in spec["offices"]:
        office = Office.objects.create(
            authority=authority, slug=o["slug"], name=o["name"], max_queue_length=0
        )
        if o.get("hours", True):
            for weekday in range(7):
                OpeningInterval.objects.create(
                    office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59)
                )
        officials: dict[str, int] = {}
        for username, name in o["officials"]:
            staff = Staff.objects.filter(user__username=username).first()
            if staff is None:
                user = users.create_user(username=username, password=PASSWORD)
                staff = Staff.objects.create(user=user, authority=authority, display_name=name)
            Assignment.objects.create(office=office, staff=staff, is_lead=not officials)
            officials[username] = staff.pk
        for username in o.get("opened_by", []):
            open_office(Staff.objects.get(user__username=username), office, outside_hours=True)
        out["offices"][o["slug"]] = {"id": office.pk, "name": office.name, "officials": officials}  # type: ignore[index]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
