"""Retention: personal data of registrations cleared once their event is long over."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from buergerbuero.events.models import Registration


def delete_personal_data(cutoff: dt.datetime) -> int:
    """Names and e-mail addresses of registrations of events that ended before ``cutoff`` are cleared,
    and the sealed join links with them (the rows stay, so counts stay). Idempotent; returns how many
    registrations were cleared. The room members' names belong to rooms' own retention."""
    due = Registration.objects.filter(event__ends_at__lt=cutoff, personal_data_deleted_at__isnull=True)
    with transaction.atomic():
        return due.update(name="", email="", join_link_sealed="", personal_data_deleted_at=timezone.now())
