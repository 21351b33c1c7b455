"""A token that stops a running task between two steps; light enough for any layer to import."""

from __future__ import annotations

import threading
from collections.abc import Callable

from inference.errors import Cancelled


class CancelToken:
    """Set from any thread to stop a running task between two tokens.

    It also carries how far a long task has got: ``progress(done, total)`` between two steps (e.g. the chunks
    of a long summary) reaches ``on_progress`` when one was given (the command line's progress bar)."""

    def __init__(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        self._event = threading.Event()
        self._on_progress = on_progress

    def progress(self, done: int, total: int) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total)

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("Cancelled by the user.")
