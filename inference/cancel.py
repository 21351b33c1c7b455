"""A token that stops a running task between two steps; light enough for any layer to import."""

from __future__ import annotations

import threading

from inference.errors import Cancelled


class CancelToken:
    """Set from any thread to stop a running task between two tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("Cancelled by the user.")
