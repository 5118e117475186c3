from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerProcess(models.Model):
    """A live web process (one event loop serving sockets), refreshed by the process itself every few
    seconds with one write (core.liveness). The rows that hold a page's connection (a ticket, a call)
    name the worker holding them; when a worker stops refreshing its row for WORKER_TIMEOUT_SECONDS (it
    was killed, or hangs), the background job treats those pages as gone since ``seen_at`` and deletes
    the row. Technical state only: no personal data."""

    id = models.UUIDField(_("worker"), primary_key=True, default=uuid.uuid4, editable=False)
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("web worker")
        verbose_name_plural = _("web workers")

    def __str__(self) -> str:
        return str(self.id)
