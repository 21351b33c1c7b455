"""Run a job in the thread pool and deliver its result, or its error, on the GUI thread.

One helper, used for every slow call (model runs, escalations, loading the model)::

    run_task(lambda: assistant.run(request, None, cancel), self._on_outcome)

``on_done`` receives a ``TaskDone`` on the GUI thread: exactly one of ``result`` and ``error`` is
meaningful (``error`` is None on success). No widget is ever touched off the GUI thread.
"""

from __future__ import annotations

import logging
from collections import deque
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
    """One object living in the GUI thread: a job puts its outcome in ``inbox`` and emits ``delivered``
    from the pool; Qt queues the call here. It is never deleted, so no delivery can race with its
    destruction.

    The job's closure and ``on_done`` (which hold widgets) go through ``inbox`` too, so their last
    references are dropped here, on the GUI thread: a widget's Python wrapper freed in a pool thread is
    deleted later by a deferred call, which crashed when the widget had been closed meanwhile."""

    delivered = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.pending = 0
        self.inbox: deque[tuple[Callable[[TaskDone[Any]], None], TaskDone[Any], object]] = deque()
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def _deliver(self) -> None:
        while self.inbox:
            on_done, done, _job = self.inbox.popleft()  # _job: released here, on this thread
            self.pending -= 1
            self._call(on_done, done)

    @staticmethod
    def _call(on_done: Callable[[TaskDone[Any]], None], done: TaskDone[Any]) -> None:
        try:
            on_done(done)
        except RuntimeError as exc:  # the receiving widget was closed and deleted meanwhile
            if "already deleted" not in str(exc):
                raise
            log.info("result dropped: its window is gone (%s)", exc)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], on_done: Callable[[TaskDone[Any]], None], relay: _Relay) -> None:
        super().__init__()
        self._work: tuple[Callable[[], Any], Callable[[TaskDone[Any]], None]] | None = (job, on_done)
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        assert self._work is not None
        job, on_done = self._work
        self._work = None  # from here the only references are these locals, handed to the relay below
        try:
            done: TaskDone[Any] = TaskDone(job())
        except BaseException as exc:  # delivered to the GUI thread, which decides how to show it
            if not isinstance(exc, Exception):
                log.warning("job interrupted: %r", exc)
            done = TaskDone(None, exc)
        self._relay.inbox.append((on_done, done, job))
        del job, on_done, done  # the GUI thread owns them now
        try:
            self._relay.delivered.emit()
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
