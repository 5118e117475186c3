"""Setup step of bench_booking.py, run with the benchmark server's environment before the server starts:
``python bench/booking_setup.py OFFICE_SLUG``.

Lets the office take appointments around the clock: 5-minute slots, one seat each, no lead time, a year
ahead, and no limit per e-mail address that the benchmark's distinct addresses could reach.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    import django

    django.setup()
    from buergerbuero.appointments.models import AppointmentSettings, BookingWindow
    from buergerbuero.offices.models import Office

    office = Office.objects.get(slug=sys.argv[1])
    AppointmentSettings.objects.update_or_create(
        office=office,
        defaults={
            "enabled": True,
            "slot_minutes": 5,
            "capacity": 1,
            "lead_minutes": 0,
            "horizon_days": 365,
            "max_open_per_email": 1000,
            "reminder_minutes": "",
        },
    )
    for weekday in range(7):
        BookingWindow.objects.get_or_create(
            office=office, weekday=weekday, start=dt.time(0), end=dt.time(23, 55)
        )


if __name__ == "__main__":
    main()
