"""Every page at the smallest window size (900×600) and the default (1240×800): no text elided, cut off or
squeezed below what it needs, nothing outside the window (tests/ui_checks.py). Real widgets, real SQLite,
outcomes as the assistant returns them (no model needed)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app import paths, secrets
from app.assistant import Assistant
from app.consent import ConsentStatus
from app.engine_host import EngineHost
from app.outcome import Action, Outcome, RemoteAnswer
from app.router import Decision, DecisionKind, DenyReason
from app.tiers import TierKind
from inference.errors import (
    InputInvalid,
    KeyMissing,
    ModelLoadFailed,
    ModelMissing,
    ModelUnknown,
    ProviderUnavailable,
)
from inference.tasks.base import ClassifySpec, ExtractSpec, FieldConfidence, SummarizeSpec, TaskRequest, TaskResult
from tests.ui_checks import app_style, clipped_widgets, settle
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui

ADMIN = '[escalation]\nmonthly_budget_usd = 5.0\n[privacy]\naudit_payload = "full"\n'
MODEL = "SmolLM2-135M-Instruct.Q4_1"
LABELS = ("billing", "technical problem", "account access", "cancellation", "feature request", "other")
LONG_TEXT = ("Hi, I was charged twice for my March invoice. Could you refund one of the two payments? Thanks, Maria. "
             * 3)


@pytest.fixture
def assistant() -> Iterator[Assistant]:
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text(ADMIN, encoding="utf-8")
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    yield assistant
    assistant.store.close()


@pytest.fixture
def window(qtbot: QtBot, assistant: Assistant) -> Iterator[MainWindow]:
    with app_style():
        yield make_window(qtbot, assistant)


def make_window(qtbot: QtBot, assistant: Assistant) -> MainWindow:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # the key store is first read in the background after the first paint (#11); the status bar then says
    qtbot.waitUntil(lambda: window.status.network.property("state") != "checking", timeout=10_000)
    return window


_KINDS = {Action.ACCEPT: DecisionKind.ACCEPT, Action.DENY: DecisionKind.DENY, Action.QUEUE: DecisionKind.QUEUE}


def decision(action: Action, confidence: float, threshold: float) -> Decision:
    deny = DenyReason.NO_KEY if action is Action.DENY else None
    return Decision(_KINDS.get(action, DecisionKind.ASK), "reason", threshold, confidence, TierKind.DEVICE,
                    TierKind.CLOUD, deny, None, "the Anthropic API")


def classify(confidence: float, action: Action, **changes: object) -> Outcome:
    probs = dict(zip(LABELS, (confidence, *[(1 - confidence) / 5] * 5), strict=True))
    local = TaskResult("classify", "cancellation", confidence, model=MODEL, latency_ms=17459.0,
                       method="label-scoring", probabilities=probs)
    outcome = Outcome(TaskRequest(LONG_TEXT, ClassifySpec(LABELS)), local, "cancellation", action, "reason",
                      decision(action, confidence, 0.7))
    return replace(outcome, **changes)  # type: ignore[arg-type]


def extract() -> Outcome:
    answer = {"name": "Priya Natarajan", "email": "priya.natarajan@northwind.example", "phone": "+1 (206) 555-0187",
              "company": "Northwind Traders", "title": "Head of Procurement"}
    fields = {k: FieldConfidence(0.4 + i / 10, 0.5, i % 2 == 0) for i, k in enumerate(answer)}
    local = TaskResult("extract", answer, 0.42, model=MODEL, latency_ms=6860.0, method="json-grammar", fields=fields)
    return Outcome(TaskRequest(LONG_TEXT, ExtractSpec({"type": "object", "properties": {}})), local, answer,
                   Action.ASK, "reason", decision(Action.ASK, 0.42, 0.8))


def summary() -> Outcome:
    text = "The council approved 12 km of protected bike lanes, costing 4.2 million euros, half from a grant. " * 2
    local = TaskResult("summarize", text, 0.81, model=MODEL, latency_ms=5230.0, method="generate")
    return Outcome(TaskRequest(LONG_TEXT, SummarizeSpec(40)), local, text, Action.ACCEPT, "reason",
                   decision(Action.ACCEPT, 0.81, 0.6))


def cloud() -> Outcome:
    answer = RemoteAnswer(TierKind.CLOUD, "Cloud", "anthropic", "api.anthropic.com", "claude-haiku-4-5", "billing",
                          None, "structured-output", 812.0, 96, 1, 0.0001, ConsentStatus.ALLOW_SESSION)
    return classify(0.45, Action.ACCEPT, consent=ConsentStatus.ALLOW_SESSION, answer="billing", hops=(answer,))


def show(outcome: Outcome, task: str) -> Callable[[MainWindow], None]:
    def prepare(window: MainWindow) -> None:
        page = window.assistant_page
        page.panel.set_task(task)  # type: ignore[arg-type]
        page.panel.labels.set_labels(LABELS)
        page.panel.set_text(LONG_TEXT)
        page.panel.state.set_text("Done in 17.5 s on SmolLM2-135M")
        page.result.show_outcome(outcome, outcome.threshold or 0.7, key_missing=outcome.action is Action.DENY)
        page.result.outcome.show_correction("Not kept: no classifier has these labels. Create one to start "
                                            "teaching it, with this message as an example.", good=False,
                                            offer_create=True)
    return prepare


def busy(window: MainWindow) -> None:
    page = window.assistant_page
    page.panel.set_text(LONG_TEXT)
    page._set_busy(True, "Classifying on this device…", "Running… Esc cancels", can_cancel=True)


def error(window: MainWindow) -> None:
    window.assistant_page.result.show_error(InputInvalid("The file report.pdf cannot be read: .pdf files are not "
                                                         "supported.", hint="Open it in its own program, copy the "
                                                         "text, and paste it here."))


def errors(*raised: BaseException) -> Callable[[MainWindow], None]:
    """The errors a run can end with whose command-line hint must not reach the window."""
    def prepare(window: MainWindow) -> None:
        for error in raised:
            window.assistant_page.result.show_error(error)
            found = clipped_widgets(window)
            assert found == [], found
    return prepare


def first_run(window: MainWindow) -> None:
    window.show_first_run(ModelMissing("No model is installed: the starter model (SmolLM2-135M-Instruct) was not "
                                       "found."))


def history(window: MainWindow) -> None:
    for i in range(3):
        window.assistant.store.add_history(
            task="classify", input_text=LONG_TEXT, output=LABELS[i], confidence=0.5 + i / 10, tier="local",
            model=MODEL, method="label-scoring", latency_ms=900.0, decision="accept", reason="reason", audit_id=None,
            details={})
    window.show_page(window.pages.indexOf(window.history))
    window.history.table.selectRow(0)


def classifiers(window: MainWindow) -> None:
    store = window.assistant.host.classifiers
    store.create("banking-support", ["automatic_top_up", "exchange_rate", "get_disposable_virtual_card"])
    store.add_examples("banking-support", [(f"How do I top up automatically, take {i}?", "automatic_top_up")
                                           for i in range(3)])
    window.show_page(window.pages.indexOf(window.classifiers))
    window.classifiers.select("banking-support")


def extractors(window: MainWindow) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"},
                                               "company": {"type": "string"}}}
    window.assistant.host.extractors.create("contacts", schema)
    window.show_page(window.pages.indexOf(window.extractors))
    window.extractors.refresh()
    window.extractors.select("contacts")


def audit(window: MainWindow) -> None:
    window.assistant.store.append_audit(
        task="classify", provider="anthropic", model="claude-haiku-4-5", payload='{"messages": []}',
        payload_mode="full", consent="allow_once", input_tokens=96, output_tokens=1, cost_usd=0.0001, outcome="sent")
    window.show_page(window.pages.indexOf(window.audit))
    window.audit.table.selectRow(0)
    window.audit.verify()


def settings(window: MainWindow) -> None:
    secrets.set_api_key("sk-ant-layout")
    window.show_page(window.pages.indexOf(window.settings))
    chooser = window.settings.model.chooser  # built when first opened (#11): its model list is read
    settle(lambda: not chooser.reading and bool(chooser.buttons))  # in the background, then shown


def settings_bottom(window: MainWindow) -> None:
    settings(window)
    window.settings.key._keep_for_session("sk-ant-layout", secrets.KeyringUnavailable("no keyring"))
    bar = window.settings.verticalScrollBar()
    bar.setValue(bar.maximum())


VIEWS: dict[str, Callable[[MainWindow], None]] = {
    "empty": lambda window: None,
    "busy": busy,
    "error": error,
    "classify": show(classify(0.56, Action.ASK), "classify"),
    "classify-no-key": show(classify(0.56, Action.DENY), "classify"),
    "classify-queued": show(classify(0.56, Action.QUEUE), "classify"),
    "cloud-answer": show(cloud(), "classify"),
    "extract": show(extract(), "extract"),
    "summarize": show(summary(), "summarize"),
    "errors": errors(KeyMissing("No Anthropic API key is set."), ProviderUnavailable("Connection refused."),
                     ModelLoadFailed("The model could not be loaded."), ModelUnknown("There is no model 'x'."),
                     ModelMissing("The chosen model file is gone."), RuntimeError("boom")),
    "first-run": first_run,
    "history": history,
    "classifiers": classifiers,
    "batch": lambda window: window.show_page(window.pages.indexOf(window.batch)),
    "extractors": extractors,
    "review": lambda window: window.show_page(window.pages.indexOf(window.review)),
    "audit": audit,
    "settings": settings,
    "settings-bottom": settings_bottom,
}


@pytest.mark.parametrize("size", [(900, 600), (1240, 800)], ids=["900x600", "1240x800"])
def test_nothing_is_cut_off_on_any_page(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    window.resize(*size)
    problems = {}
    for name, prepare in VIEWS.items():  # one window through every view, as a person would click through
        prepare(window)
        qtbot.wait(100)  # layout and painting settle (pages are laid out when first shown)
        assert window.size().toTuple() == size, name
        if found := clipped_widgets(window):
            problems[name] = found
        window.assistant_page._set_busy(False)
        window.show_page(0)
    assert problems == {}


def test_a_short_badge_stays_on_one_line_when_there_is_room(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1240, 800)
    VIEWS["cloud-answer"](window)
    qtbot.wait(100)
    badge = window.assistant_page.result.outcome.badge
    assert badge.isVisible() and "claude-haiku-4-5" in badge.text()
    assert badge.height() < 2 * badge.fontMetrics().lineSpacing(), badge.height()  # one line, not two


def test_the_window_can_be_900_by_600_and_no_smaller(window: MainWindow) -> None:
    assert window.minimumSize().toTuple() == (900, 600)
    for view in ("classify", "classifiers", "settings"):
        VIEWS[view](window)
        hint = window.minimumSizeHint()
        assert hint.width() <= 900 and hint.height() <= 600, (view, hint)


def geometries(root: QWidget) -> dict[str, object]:
    return {f"{type(w).__name__}#{i}": QRect(w.mapTo(root, w.rect().topLeft()), w.size()).getRect()
            for i, w in enumerate(root.findChildren(QWidget)) if w.isVisibleTo(root) and not isinstance(w, QLabel)}


def test_starting_a_run_or_a_training_moves_nothing(qtbot: QtBot, window: MainWindow) -> None:
    page = window.assistant_page
    page.panel.set_text(LONG_TEXT)
    qtbot.wait(50)
    idle = geometries(page.panel)
    page._set_busy(True, "Classifying on this device…", "Running… Esc cancels", can_cancel=True)
    qtbot.wait(50)
    assert geometries(page.panel) == idle  # the text box neither grows nor reflows
    page._set_busy(False)

    classifiers(window)
    training = window.classifiers.training
    qtbot.wait(50)
    idle = geometries(window.classifiers)
    training._set_busy(True)
    training._progress("embedding", 3, 9)
    qtbot.wait(50)
    moved = {k: v for k, v in geometries(window.classifiers).items() if idle.get(k, v) != v}
    training._set_busy(False)
    assert moved == {}


def test_the_schema_editor_grows_with_the_window(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.assistant_page.panel
    panel.set_task("extract")
    window.resize(900, 600)
    qtbot.wait(50)
    small = panel.schema.editor.height()
    window.resize(1240, 1000)
    qtbot.wait(50)
    assert panel.schema.editor.height() > small + 100


CLI_HINT = re.compile(r"`inhouse |inhouse (key|queue|models|doctor)\b|INHOUSE_MODEL|pip install|make install")


def test_no_message_sends_people_to_the_terminal(qtbot: QtBot, window: MainWindow) -> None:
    """Every action a message mentions is a button in the app: no `inhouse ...` commands, no variables."""
    found = {}
    for name, prepare in VIEWS.items():
        prepare(window)
        qtbot.wait(30)
        shown = [w for w in window.findChildren(QWidget) if w.isVisibleTo(window)]
        texts = [w.text() for w in shown if isinstance(w, QLabel | QPushButton)] + [w.toolTip() for w in shown]
        bad = [t for t in texts if CLI_HINT.search(t)]
        if bad:
            found[name] = bad
        window.assistant_page._set_busy(False)
        window.show_page(0)
    assert found == {}


def test_the_dialogs_fit_their_text(qtbot: QtBot) -> None:
    from tests.test_ui_consent import make_request
    from ui.classifier_dialog import NewClassifierDialog
    from ui.consent_dialog import ConsentDialog

    with app_style():
        for dialog in (NewClassifierDialog(), NewClassifierDialog(name="billing-bug", labels="billing, bug",
                                                                  labels_fixed=True), ConsentDialog(make_request())):
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            title = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
            assert dialog.width() > title + 120, "the window title fits beside the title bar's buttons"
            assert clipped_widgets(dialog) == []
            dialog.reject()
