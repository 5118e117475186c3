"""What the training pages share in presentation, the citizens' (trainings.views) and the officials'
(trainings.staff_views): when a session takes place, in its office's time zone."""

from __future__ import annotations

from django.utils import formats, timezone

from buergerbuero.core.dates import weekday_date
from buergerbuero.trainings.models import TrainingSession


def when(session: TrainingSession) -> dict[str, str]:
    office = session.training_type.office
    start = timezone.localtime(session.starts_at, office.tz)
    end = timezone.localtime(session.ends_at, office.tz)
    return {
        "date": weekday_date(start),
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
    }
