"""What the event pages share in presentation, the citizens' (events.views) and the officials'
(events.staff_views): how an event reads, its times in the event's time zone, its state and places left."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from buergerbuero.core.dates import weekday_date
from buergerbuero.events.actions import rules
from buergerbuero.events.models import Event


def when(event: Event) -> str:
    start = timezone.localtime(event.starts_at, event.tz)
    end = timezone.localtime(event.ends_at, event.tz)
    day = weekday_date(start)
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s") % {
            "day": day,
            "start": time_format(start, "TIME_FORMAT"),
            "end": time_format(end, "TIME_FORMAT"),
        }
    return _("%(day)s, %(start)s to %(end_day)s, %(end)s") % {
        "day": day,
        "start": time_format(start, "TIME_FORMAT"),
        "end_day": weekday_date(end),
        "end": time_format(end, "TIME_FORMAT"),
    }


def event_facts(event: Event, now: dt.datetime) -> dict[str, Any]:
    left = rules.seats_left(event)
    if event.is_cancelled:
        state, label = "cancelled", _("Cancelled")
    elif rules.has_ended(event, now):
        state, label = "ended", _("Over")
    elif left <= 0:
        state, label = "full", _("Fully booked")
    else:
        state, label = "open", ""
    return {
        "event": event,
        "when": when(event),
        "start_iso": event.starts_at.isoformat(),
        "end_iso": event.ends_at.isoformat(),
        "organiser": event.office.name if event.office else event.authority.name,
        "seats_left": left,
        "state": state,
        "state_label": label,
        "mode_label": event.get_mode_display(),
    }
