"""The Classifiers page and "This should be…" with the real starter model (pytest-qt, offscreen).

Data: three BANKING77 intents from resources/eval (CC BY 4.0), 4 examples each to train on, 3 other
messages to rank: 15 short texts embedded in all, by one embedder shared by the module.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app import paths
from app.assistant import Assistant
from app.classifiers import ClassifierStore
from app.engine_host import EngineHost
from inference.embedding import Embedder
from inference.engine import LocalEngine
from inference.tasks.base import ClassifySpec, TaskRequest
from ui.classifiers_correction import CorrectionController
from ui.classifiers_page import ClassifiersPage
from ui.result_view import ResultView
from ui.worker import wait_for_all

pytestmark = [pytest.mark.gui, pytest.mark.model]

TIMEOUT_MS = 120_000
LABELS = ("automatic_top_up", "exchange_rate", "passcode_forgotten")


def _rows(name: str, per_label: int) -> list[tuple[str, str]]:
    with (paths.RESOURCES / "eval" / name).open(encoding="utf-8", newline="") as f:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(f)]
    return [row for label in LABELS for row in [r for r in rows if r[1] == label][:per_label]]


@pytest.fixture(scope="module")
def embedder(starter_model_path: Path) -> Iterator[Embedder]:
    emb = Embedder(starter_model_path, n_ctx=128)
    yield emb
    emb.close()


@pytest.fixture
def assistant(engine: LocalEngine, embedder: Embedder) -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(engine=engine, embedder=embedder))
    yield assistant
    wait_for_all()
    assistant.store.close()  # the shared engine and embedder stay open for the next test


@pytest.fixture
def store(assistant: Assistant) -> ClassifierStore:
    return assistant.host.classifiers


@pytest.fixture
def page(qtbot: QtBot, assistant: Assistant) -> ClassifiersPage:
    page = ClassifiersPage(assistant)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    return page


def texts(page: ClassifiersPage, row: int) -> list[str]:
    items = (page.table.item(row, col) for col in range(page.table.columnCount()))
    return [item.text() if item is not None else "" for item in items]


def test_the_page_lists_profiles_and_damaged_files(page: ClassifiersPage, store: ClassifierStore) -> None:
    store.create("support", ("billing", "bug"))
    store.add_examples("support", [("I was charged twice", "billing"), ("Refund please", "billing"),
                                   ("The app crashes on start", "bug")])
    (store.root / "broken.json").write_text("{not json", encoding="utf-8")
    page.refresh()

    assert [s.name for s in page.summaries] == ["broken", "support"]
    broken = texts(page, 0)
    assert broken[0] == "broken" and "broken.json" in broken[1] and page.table.columnSpan(0, 1) == 5
    assert texts(page, 1) == ["support", "billing, bug", "1–2", "Not trained", "—", "—"]
    assert page.selected_name() == "support", "the first usable profile is selected"
    counts = {page.training.labels.item(r, 0).text(): page.training.labels.item(r, 1).text()  # type: ignore[union-attr]
              for r in range(page.training.labels.rowCount())}
    assert counts == {"billing": "2", "bug": "1"}
    warnings = page.training.warnings.text()
    assert "“bug” has 1 example: at least 3" in warnings and "Only" not in warnings.split("\n")[0]
    assert not page.training.warnings.isHidden()


def test_training_on_the_page_shows_the_cross_validated_figures(
    qtbot: QtBot, page: ClassifiersPage, store: ClassifierStore
) -> None:
    store.create("banking", LABELS)
    store.add_examples("banking", _rows("banking77_train.csv", 4))
    page.refresh()
    stages: list[str] = []
    page.training.relay.moved.connect(lambda stage, done, total: stages.append(stage))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    page.training.train_button.click()
    assert page.training.busy and not page.training.train_button.isEnabled()
    assert page.training.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not page.training.busy, timeout=TIMEOUT_MS)
    ended = time.monotonic()
    timer.stop()

    trained = store.get("banking").trained
    assert trained is not None, page.banner.text()
    report = trained.report
    accuracy, off_by = f"{report.cv_accuracy * 100:.0f}%", round(report.cv_ece * 100)
    assert page.training.figures.text() == f"Right {accuracy} of the time"  # words first...
    assert f"off by {off_by} point" in page.training.details.text() or off_by < 1
    assert not page.training.numbers.isVisibleTo(page)
    page.training.numbers_button.click()  # ...the numbers one click away
    assert f"accuracy {report.cv_accuracy:.3f}" in page.training.numbers.text()
    assert f"(ECE) {report.cv_ece:.3f}" in page.training.numbers.text() and page.training.numbers.isVisibleTo(page)
    assert texts(page, 0)[3:5] == ["Trained", accuracy]
    per_label = [page.training.labels.item(r, 2).text() for r in range(3)]  # type: ignore[union-attr]
    assert per_label == [f"{report.per_label[label].cv_accuracy * 100:.0f}%" for label in LABELS]
    assert page.banner.good and "Only 4 examples" in page.training.warnings.text()
    assert stages[0] == "embedding" and stages[-1] == "done"
    stamps = [started, *ticks, ended]
    gap = max(b - a for a, b in zip(stamps, stamps[1:], strict=False))
    assert gap < 1.0, f"the GUI thread stalled for {gap:.2f} s during {ended - started:.2f} s of training"

    # "Label these first": least confident first, added with the label picked
    fresh = [text for text, _ in _rows("banking77_test.csv", 1)]
    tab = page.label_first
    tab.paste.setPlainText("\n".join(fresh))
    tab.rank_button.click()
    qtbot.waitUntil(lambda: not tab.busy, timeout=TIMEOUT_MS)
    shown = [float(tab.table.item(r, 2).text()) for r in range(tab.table.rowCount())]  # type: ignore[union-attr]
    assert len(shown) == 3 and shown == sorted(shown)
    first = tab.suggestions[0].text
    tab.picker(0).setCurrentText("exchange_rate")
    tab.add_rows([0])
    assert any(e.text == first and e.label == "exchange_rate" for e in store.get("banking").examples)
    assert tab.table.rowCount() == 2 and texts(page, 0)[3] == "Examples changed"


def _classify(assistant: Assistant, labels: tuple[str, ...]) -> ResultView:
    request = TaskRequest("My card still has not arrived after two weeks.", ClassifySpec(labels=labels))
    outcome = assistant.run(request, None, local_only=True)
    view = ResultView()
    view.show_outcome(outcome, 0.7)
    return view


def test_a_correction_adds_the_example_to_the_matching_profile(
    qtbot: QtBot, assistant: Assistant, store: ClassifierStore
) -> None:
    store.create("cards", ("card problem", "other"))
    view = _classify(assistant, ("other", "card problem"))
    qtbot.addWidget(view)
    view.show()
    controller = CorrectionController(assistant, view)
    panel = view.outcome
    assert not panel.correct_button.isHidden()
    (action,) = panel.correct_menu.actions()  # the one label that is not the answer
    action.trigger()
    qtbot.waitUntil(lambda: panel.correction.property("state") == "good" and "Added" in panel.correction.text(),
                    timeout=TIMEOUT_MS)

    assert "“cards”" in panel.correction.text() and panel.create_button.isHidden()
    examples = store.get("cards").examples
    assert [(e.text, e.label, e.source) for e in examples] == [
        ("My card still has not arrived after two weeks.", action.text(), "correction")]

    # labels no classifier has: a clear message, and the offer to create one
    view = _classify(assistant, ("delivery", "refund"))
    qtbot.addWidget(view)
    controller = CorrectionController(assistant, view)
    view.outcome.correct_menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: not view.outcome.create_button.isHidden(), timeout=TIMEOUT_MS)
    assert "no classifier has the labels" in view.outcome.correction.text()
    assert store.names() == ["cards"]
    controller.create_and_correct("deliveries")
    qtbot.waitUntil(lambda: "Added" in view.outcome.correction.text(), timeout=TIMEOUT_MS)
    assert set(store.get("deliveries").labels) == {"delivery", "refund"}
    assert len(store.get("deliveries").examples) == 1


def test_importing_a_corrupt_file_shows_the_error_and_changes_nothing(
    qtbot: QtBot, page: ClassifiersPage, store: ClassifierStore, tmp_path: Path
) -> None:
    store.create("support", ("billing", "bug"))
    before = store.path("support").read_bytes()
    good = json.loads(before)
    tampered = dict(good, name="other", examples=[{"text": "hi", "label": "no such label", "source": "user"}])
    files = {"truncated.json": before[: len(before) // 2], "tampered.json": json.dumps(tampered).encode()}
    page.refresh()
    for name, raw in files.items():
        path = tmp_path / name
        path.write_bytes(raw)
        page.banner.clear_message()
        page.import_path(path)
        qtbot.waitUntil(page.banner.isVisible, timeout=TIMEOUT_MS)
        assert not page.banner.good and name in page.banner.text(), page.banner.text()
        assert "Nothing was imported" in page.banner.text()
        assert store.names() == ["support"] and store.path("support").read_bytes() == before
        assert [s.name for s in page.summaries] == ["support"]
