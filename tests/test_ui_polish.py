"""What a person clicking through the app under X (900×600, a new user, an admin) found doing nothing or
reading oddly: buttons that act on nothing are disabled until there is something."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from tests.test_ui_layout import LONG_TEXT, MODEL, assistant, window  # noqa: F401 - the fixtures, shared
from ui.main_window import MainWindow
from ui.tiers_box import tier_summary

pytestmark = pytest.mark.gui


def test_clear_all_is_offered_only_when_there_is_a_history(qtbot: QtBot, window: MainWindow) -> None:
    history = window.history
    window.go_to_page(1)
    assert history.entries == [] and not history.clear_button.isEnabled()
    window.assistant.store.add_history(
        task="classify", input_text=LONG_TEXT, output="billing", confidence=0.8, tier="local", model=MODEL,
        method="label-scoring", latency_ms=900.0, decision="accept", reason="reason", audit_id=None, details={})
    history.refresh()
    assert len(history.entries) == 1 and history.clear_button.isEnabled()
    history.search("zebra")  # no match: the history is still there to clear
    assert history.entries == [] and history.clear_button.isEnabled()


def test_the_tiers_say_when_the_next_one_is_asked(window: MainWindow) -> None:
    first, *rest = window.assistant.tiers()
    text = tier_summary(first, last=False)
    assert "the next one is asked when its confidence is below" in text and "goes on" not in text


def test_the_threshold_caption_fits_a_narrow_meter(qtbot: QtBot) -> None:
    """At 900×600 the meter is ~160 px wide: "threshold 0.65 · uncalibrated" was cut to "reshold …"."""
    from ui.meter import ConfidenceMeter

    meter = ConfidenceMeter()
    qtbot.addWidget(meter)
    meter.set_values(0.51, 0.65, calibrated=False)
    width_of = meter.fontMetrics().horizontalAdvance
    for width, expected in ((600, "threshold 0.65 · uncalibrated"), (150, "0.65 · uncalibrated"), (60, "0.65")):
        meter.resize(width, 34)
        assert meter.caption(width_of) == expected and width_of(expected) <= width
        assert not meter.grab().isNull()  # it paints at that width
    meter.set_values(0.8, 0.65)
    meter.resize(150, 34)
    assert meter.caption(width_of) == "threshold 0.65"


def test_an_uncalibrated_answer_is_explained_in_words_with_the_figures_a_hover_away(
        qtbot: QtBot, window: MainWindow) -> None:
    """The why line said "uncalibrated" three times and sent people to "run an eval set" (a CLI command);
    with no key it said nothing of the key the button next to it offers to add."""
    from dataclasses import replace

    from app.label_calibration import NO_EVIDENCE
    from app.outcome import Action
    from inference.tasks.base import Calibration
    from tests.test_ui_layout import classify

    outcome = classify(0.51, Action.DENY)
    outcome = replace(outcome, local=replace(outcome.local, calibration=Calibration("uncalibrated", NO_EVIDENCE)))
    result = window.assistant_page.result
    result.show_outcome(outcome, 0.65, key_missing=True)
    why = result.outcome.why
    assert "no API key is set" in why.text() and result.outcome.key_button.isVisibleTo(window)
    assert "eval set" not in why.text() and "AUROC" not in why.text() and why.text().count("uncalibrated") <= 1
    assert "confirmed" in why.text() and why.toolTip() == NO_EVIDENCE


def test_a_tier_the_admin_turned_off_is_not_said_to_keep_its_answer(inhouse_home: object) -> None:
    from app import paths
    from app.assistant import Assistant
    from app.engine_host import EngineHost
    from tests.conftest import write_policy

    write_policy(paths.admin_policy_path(), '[escalation]\nmode = "off"\n')
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    try:
        walk = assistant.tiers()
        cloud = tier_summary(walk[-1], last=True)
        assert cloud.endswith("turned off: never asked") and "answer is kept" not in cloud
    finally:
        assistant.store.close()


def test_the_batch_clear_button_is_offered_only_with_inputs(window: MainWindow, tmp_path: object) -> None:
    from pathlib import Path

    batch = window.batch
    assert not batch.clear_button.isEnabled()
    batch.add_paths([Path(str(tmp_path))])
    assert batch.clear_button.isEnabled()
    batch.clear_button.click()
    assert batch.paths() == [] and not batch.clear_button.isEnabled()


def test_the_extractors_file_dialogs_start_at_home_not_in_the_app_folder(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """They were the last two QFileDialog calls outside ui/file_dialogs (they opened where the app was
    started). Qt's modal dialog is replaced by one that records where it opened and is cancelled."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog, QWidget

    opened_in: list[str] = []

    def cancel(parent: QWidget, title: str, folder: str, file_filter: str) -> tuple[str, str]:
        opened_in.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancel))
    window.extractors.choose_new()
    window.extractors.choose_examples()
    assert opened_in == [str(Path.home())] * 2


def test_the_batch_page_says_what_really_happens_to_answers_below_the_threshold(qtbot: QtBot,
                                                                                  inhouse_home: object) -> None:
    """It said they "wait for you in the queue" with no API key set, when nothing is queued."""
    from app import paths
    from app.assistant import Assistant
    from app.engine_host import EngineHost
    from app.tiers import TierKind
    from tests.conftest import write_policy
    from ui.batch_page import BatchPage

    key: list[str] = []
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"),
                          key_source=lambda kind: key[0] if key else None)
    try:
        page = BatchPage(assistant)
        qtbot.addWidget(page)
        said = page.subtitle.text
        assert "no API key is set, so nothing is sent or queued" in said() and "wait in the queue" not in said()
        key.append("sk-ant-test")
        page.refresh()
        assert "wait in the queue for your consent before anything goes to the Anthropic API" in said()
        page.later.setCurrentIndex(1)  # "Keep the local answer"
        assert "keep their local answer; nothing is sent or queued" in said()
        assistant.unreachable.add(TierKind.CLOUD)
        page.refresh()
        assert "wait in the queue: the Anthropic API cannot be reached now" in said()
        assistant.unreachable.clear()
        assistant.session_allowed.add((TierKind.CLOUD, "classify"))
        page.refresh()
        assert "are sent to the Anthropic API, as you allowed classify requests for this session" in said()
        page.set_task("summarize")  # allowed for classify only
        assert "keep their local answer; nothing is sent" in said()

        write_policy(paths.admin_policy_path(), '[org]\nname = "Acme"\nendpoint = "https://llm.acme.example/v1"\n'
                     'model = "m"\nallowed_models = ["m"]\nconsent = "none"\n')
        assistant.reload_policy()
        page.refresh()
        assert "are sent to Acme's server without asking, by your administrator's policy" in said()
        write_policy(paths.admin_policy_path(), '[escalation]\nmode = "never"\n')
        assistant.reload_policy()
        page.refresh()
        assert "the cloud is turned off, so nothing is sent or queued" in said()
    finally:
        assistant.store.close()
