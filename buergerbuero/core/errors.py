from __future__ import annotations

from django.utils.functional import Promise


class ActionError(Exception):
    """A rule said no. ``code`` is stable (used in frames and tests); ``message`` is translated and
    shown to the person as it is."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.code = code
        self.message = str(message)
