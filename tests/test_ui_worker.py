"""``ui.worker.run_task``: the job's closure and its ``on_done`` are let go on the GUI thread.

A widget's Python wrapper freed in a pool thread is deleted by a deferred call on the GUI thread, and that
crashed (a segmentation fault now and then in the suite) when the widget had been closed meanwhile. The
closure a page hands to ``run_task`` often holds the page, so its last reference must die on the GUI thread.
"""

from __future__ import annotations

import threading
import weakref

import pytest
from pytestqt.qtbot import QtBot

from ui.worker import TaskDone, pending, run_task, wait_for_all

pytestmark = pytest.mark.gui


class Held:
    """Stands for a widget a closure holds."""


def test_the_job_and_its_callback_are_released_on_the_gui_thread(qtbot: QtBot) -> None:
    released: list[str] = []
    results: list[object] = []
    for _ in range(20):  # the old relay let go of them in the pool thread, as the job object was freed there
        held, other = Held(), Held()
        weakref.finalize(held, lambda: released.append(threading.current_thread().name))
        weakref.finalize(other, lambda: released.append(threading.current_thread().name))
        run_task(lambda held=held: id(held), lambda done, other=other: results.append((done.result, id(other))))
        del held, other
    wait_for_all()
    qtbot.waitUntil(lambda: pending() == 0 and len(results) == 20, timeout=10_000)
    qtbot.waitUntil(lambda: len(released) == 40, timeout=10_000)
    assert set(released) == {threading.main_thread().name}


def test_an_error_is_delivered_with_the_job_released_on_the_gui_thread(qtbot: QtBot) -> None:
    released: list[str] = []
    errors: list[TaskDone[object]] = []
    held = Held()
    weakref.finalize(held, lambda: released.append(threading.current_thread().name))

    def fail(held: Held = held) -> object:
        raise ValueError("bad input")

    run_task(fail, errors.append)
    del held, fail
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    assert isinstance(errors[0].error, ValueError) and errors[0].result is None
    errors.clear()  # the error's traceback held the job's frame
    qtbot.waitUntil(lambda: len(released) == 1, timeout=10_000)
    assert released == [threading.main_thread().name]
