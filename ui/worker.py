"""Run a job in the thread pool and deliver its result, or its error, on the GUI thread.

One helper, used for every slow call (model runs, escalations, loading the model)::

    run_task(lambda: assistant.run(request, None, cancel), self._on_outcome)

``on_done`` receives a ``TaskDone`` on the GUI thread: exactly one of ``result`` and ``error`` is
meaningful (``error`` is None on success). No widget is ever touched off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

T = TypeVar("T")
log = logging.getLogger("inhouse.ui")


@dataclass(frozen=True)
class TaskDone(Generic[T]):
    result: T | None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Relay(QObject):
    """One object living in the GUI thread: jobs emit ``delivered`` from the pool and Qt queues the
    call here. It is never deleted, so no delivery can race with its destruction."""

    delivered = Signal(object, object)  # (on_done, TaskDone)

    def __init__(self) -> None:
        super().__init__()
        self.pending = 0
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _deliver(self, on_done: Callable[[TaskDone[Any]], None], done: TaskDone[Any]) -> None:
        self.pending -= 1
        try:
            on_done(done)
        except RuntimeError as exc:  # the receiving widget was closed and deleted meanwhile
            if "already deleted" not in str(exc):
                raise
            log.info("result dropped: its window is gone (%s)", exc)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], on_done: Callable[[TaskDone[Any]], None], relay: _Relay) -> None:
        super().__init__()
        self._job = job
        self._on_done = on_done
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            done: TaskDone[Any] = TaskDone(self._job())
        except BaseException as exc:  # delivered to the GUI thread, which decides how to show it
            if not isinstance(exc, Exception):
                log.warning("job interrupted: %r", exc)
            done = TaskDone(None, exc)
        try:
            self._relay.delivered.emit(self._on_done, done)
        except RuntimeError as exc:  # the application is gone (it ended while this job ran): nobody to tell
            log.info("result dropped at shutdown: %s", exc)


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


def run_task(job: Callable[[], T], on_done: Callable[[TaskDone[T]], None]) -> None:
    """Run ``job()`` in the global thread pool; call ``on_done`` with its outcome on the GUI thread.

    Call this from the GUI thread (the first call creates the relay there).
    """
    relay = _the_relay()
    relay.pending += 1
    QThreadPool.globalInstance().start(_Job(job, on_done, relay))


def pending() -> int:
    """Jobs started whose result has not been delivered yet."""
    return _relay.pending if _relay is not None else 0


def wait_for_all(timeout_ms: int = 10_000) -> bool:
    """Block until every pool job has finished (shutdown and tests); True if they all did."""
    return bool(QThreadPool.globalInstance().waitForDone(timeout_ms))
