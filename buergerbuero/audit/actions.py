from __future__ import annotations

from typing import Any

from django.db import models

from buergerbuero.audit.models import AuditEntry


def record(
    authority_id: int,
    action: str,
    obj: models.Model,
    actor_id: int | None = None,
    **data: Any,
) -> AuditEntry:
    """Write one audit entry. Called by actions inside their transaction, never by views."""
    return AuditEntry.objects.create(
        authority_id=authority_id,
        action=action,
        actor_id=actor_id,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        data=data,
    )
