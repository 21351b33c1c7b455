"""Closing the window while the redaction tagger retrains in the background (Assistant.retrain_redaction_if_due
through ui/worker.py): the close returns at once. The retraining stops at its next step (each text it
prepares, each step of crfsuite's training), writes nothing half-done, and runs again later.

A real retraining on a small corpus; it is held at a step of the chosen phase until the window closes, so
the close happens mid-training on any machine, and the bound is counted in steps, not seconds."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import paths
from app.assistant import Assistant
from app.engine_host import EngineHost
from app.redaction_learning import RedactionLearning
from inference.redact_tagger import use_model
from tests.test_redact_learning import FAST, TAUGHT, small_corpus  # noqa: F401 - the corpus fixture, shared
from ui.main_window import MainWindow
from ui.worker import TaskDone, run_task, wait_for_all

pytestmark = pytest.mark.gui


class HeldRetraining(RedactionLearning):
    """The real retraining, whose stop question is watched: at the first step of ``phase`` (``train``: the
    texts being prepared; ``message``: crfsuite's training) it holds until the app asks it to stop, then
    counts how many more steps it takes to end."""

    phase = "train"

    def __init__(self, data_dir: Path, corpus: Path) -> None:
        super().__init__(data_dir, corpus=corpus, params=FAST)
        self.reached = threading.Event()
        self.steps_after_stop = 0

    def retrain(self, stop: Callable[[], bool] | None = None) -> dict[str, int]:
        assert stop is not None
        asked = stop

        def watched() -> bool:
            if not self.reached.is_set() and sys._getframe(1).f_code.co_name == self.phase:
                self.reached.set()
                deadline = time.monotonic() + 60
                while not asked() and time.monotonic() < deadline:  # mid-training until the window closes
                    time.sleep(0.005)
            stopped = asked()
            self.steps_after_stop += stopped
            return stopped

        return super().retrain(stop=watched)


@pytest.fixture(autouse=True)
def shipped_tagger_afterwards() -> Iterator[None]:
    yield
    use_model(None)  # the tagger is per process: leave the shipped one for the other tests


@pytest.mark.parametrize("phase", ["train", "message"], ids=["preparing-texts", "crfsuite-training"])
def test_closing_the_window_stops_a_background_retraining_at_its_next_step(
        qtbot: QtBot, small_corpus: Path, phase: str) -> None:  # noqa: F811 - the shared fixture
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    learning = HeldRetraining(paths.current().data_dir, small_corpus)
    learning.phase = phase
    assistant.redaction_learning = learning
    assert learning.record(TAUGHT, ["zephyrine budget"]) and learning.due()
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    done: list[TaskDone[bool]] = []
    run_task(assistant.retrain_redaction_if_due, done.append)  # as the page does after a cloud answer
    assert learning.reached.wait(60), "the retraining never reached that phase"

    window.close()

    assert wait_for_all(0), "a job was still running when the close returned"
    assert learning.steps_after_stop == 1  # it stopped at the first step after the window asked
    qtbot.waitUntil(lambda: bool(done))
    assert done[0].result is False  # stopped, not finished
    assert not learning.model_path.exists() and learning.due()  # nothing half-written; still to do
    assert not list(learning.data_dir.glob("*.partial"))

    assistant.stop_redaction_training()  # (a flag left set must not stop the next one)
    learning.phase = "never"
    assert assistant.retrain_redaction_if_due()  # later (the next cloud answer): it runs to the end
    assert learning.model_path.exists() and not learning.due()
    assistant.close()
