"""The action → event pipeline.

Actions call :func:`send_after_commit` inside their transaction. The event leaves only when the
transaction commits, so no client ever hears of a state that was rolled back. Consumers translate events
into frames and never add business rules. Group names are built only by the functions in
:mod:`buergerbuero.core.groups`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from buergerbuero.core.errors import LAYER_UNAVAILABLE

logger = logging.getLogger(__name__)


def _send(group: str, event: Mapping[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # Channels routes a group message to the consumer method named after "type" (dots become
    # underscores); every consumer has one generic handler, "event", and reads the real type from "event".
    message = {"type": "event", "event": dict(event)}
    try:
        async_to_sync(layer.group_send)(group, message)
    except LAYER_UNAVAILABLE as exc:
        # Redis restarting: one line, no traceback (an outage makes many); pages resync when it is back.
        logger.warning("could not send %s to %s: %r", event.get("type"), group, exc)
    except Exception:  # a lost realtime event must never undo or break a committed action
        logger.exception("could not send %s to %s", event.get("type"), group)


def send_after_commit(group: str, event: Mapping[str, Any]) -> None:
    transaction.on_commit(lambda: _send(group, event), robust=True)
