from __future__ import annotations

from django.db.utils import InterfaceError, OperationalError
from django.utils.functional import Promise
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# What the database driver raises when the database cannot be reached (stopped, restarting, network,
# connection pool timed out), as opposed to a query it refused. Pages answer 503
# (core.middleware.DatabaseUnavailableMiddleware), sockets close with 1013 (core.consumers).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# What the channel layer raises while Redis is away (restarting, network). Sockets close with 1013;
# realtime events sent meanwhile are lost (pages read everything afresh when they reconnect).
LAYER_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class ActionError(Exception):
    """A rule said no. ``code`` is stable (used in frames and tests); ``message`` is translated and
    shown to the person as it is."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.code = code
        self.message = str(message)
