"""The window fits the screen it opens on (#10's leftovers), and action buttons wait for their input.

The suite's offscreen screen is 1920×1080 (tests/conftest.py); a laptop's 1280×800 and 1366×768 screens are
checked in a fresh interpreter whose offscreen screen is that size (Qt reads its screens once), with the real
main window, its real geometry and the real ui-state.ini.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app import paths
from app.assistant import Assistant
from app.engine_host import EngineHost
from tests.ui_checks import app_style, clipped_widgets
from ui.batch_results import where
from ui.classifier_dialog import NewClassifierDialog
from ui.extract_correction import FieldCorrectionDialog
from ui.main_window import MainWindow
from ui.settings_view import KeyBox, SettingsView
from ui.ui_state import UiState
from ui.window_geometry import DEFAULT, FRAME, MINIMUM, first_geometry, fitted_size, frame_of

pytestmark = pytest.mark.gui

LAPTOP = QRect(0, 27, 1280, 773)  # 1280×800 less a 27 px top panel (GNOME)
SMALL_LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px bottom panel
MONITOR = QRect(1280, 0, 2560, 1440)  # a monitor to the right of the laptop, when docked


@pytest.fixture
def assistant() -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    yield assistant
    assistant.store.close()


# -- where the window opens: the rule -----------------------------------------------------------------------
@pytest.mark.parametrize("screen", [LAPTOP, SMALL_LAPTOP], ids=["1280x800", "1366x768"])
def test_the_first_window_fits_a_laptop_screen_with_its_frame(screen: QRect) -> None:
    where = first_geometry(None, [screen])
    assert screen.contains(frame_of(where)), (where, screen)
    assert where.width() == DEFAULT.width() and where.height() == screen.height() - FRAME.height()


def test_the_first_window_is_the_default_size_where_there_is_room() -> None:
    where = first_geometry(None, [MONITOR])
    assert where.size() == DEFAULT and MONITOR.contains(frame_of(where))
    assert abs(where.center().x() - MONITOR.center().x()) <= FRAME.width()  # centred


def test_a_screen_smaller_than_the_minimum_gets_the_minimum() -> None:
    assert fitted_size(QRect(0, 0, 800, 600)) == MINIMUM


def test_a_remembered_geometry_that_fits_is_used_again() -> None:
    saved = QRect(100, 60, 1000, 650)
    assert first_geometry(saved, [LAPTOP]) == saved
    on_monitor = QRect(1500, 100, 1800, 1100)
    assert first_geometry(on_monitor, [LAPTOP, MONITOR]) == on_monitor  # docked: still there


def test_a_window_from_a_monitor_that_is_gone_opens_on_the_laptop_at_a_size_that_fits() -> None:
    docked = QRect(1500, 100, 1800, 1100)  # last closed on the monitor, now unplugged
    where = first_geometry(docked, [LAPTOP])
    assert LAPTOP.contains(frame_of(where)) and where.size() == fitted_size(LAPTOP)


def test_a_remembered_size_too_large_for_this_screen_is_not_used() -> None:
    too_tall = QRect(0, 27, 1240, 800)  # what the old default left behind on a 1280×800 laptop
    where = first_geometry(too_tall, [LAPTOP])
    assert LAPTOP.contains(frame_of(where)) and where.height() < 800


def test_a_remembered_size_that_fits_but_lies_off_screen_keeps_its_size() -> None:
    where = first_geometry(QRect(-3000, 50, 1000, 650), [LAPTOP])
    assert where.size() == QSize(1000, 650) and LAPTOP.contains(frame_of(where))


# -- the real window on the suite's screen -------------------------------------------------------------------
def test_the_window_opens_inside_its_screen(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert window.size() == DEFAULT.boundedTo(screen.size() - FRAME)
    assert screen.contains(frame_of(QRect(window.pos(), window.size())))


def test_a_remembered_geometry_larger_than_the_screen_is_dropped(qtbot: QtBot, assistant: Assistant) -> None:
    state = UiState()
    for key, value in (("width", 3000), ("height", 1600), ("x", 0), ("y", 0)):
        state.set(f"window/{key}", value)
    state.save()
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert screen.contains(frame_of(QRect(window.pos(), window.size()))), window.geometry()


LAPTOP_RUN = """
import json, sys
from PySide6.QtWidgets import QApplication
from app.assistant import Assistant
from app.engine_host import EngineHost
from ui.main_window import MainWindow
from ui.window_geometry import FRAME

app = QApplication([])
assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
window = MainWindow(assistant, load_model=False)
window.show()
app.processEvents()
screen = window.screen().availableGeometry()
print(json.dumps({"screen": screen.getRect(), "window": [window.x(), window.y(), window.width(), window.height()],
                  "frame": [FRAME.width(), FRAME.height()]}))
window.close()
assistant.close()
"""


def run_on_screen(tmp_path: Path, width: int, height: int) -> dict[str, list[int]]:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    done = subprocess.run([sys.executable, "-c", LAPTOP_RUN], env=env, capture_output=True, text=True, timeout=120,
                          check=False, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, list[int]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)], ids=["1280x800", "1366x768"])
def test_on_a_laptop_screen_the_real_window_and_its_frame_fit(tmp_path: Path, size: tuple[int, int]) -> None:
    state = paths.current().config_dir / "ui-state.ini"  # last closed on a large monitor, now gone
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("[window]\nwidth=1800\nheight=1100\nx=1500\ny=100\nmaximized=0\n", encoding="utf-8")
    shown = run_on_screen(tmp_path, *size)
    x, y, width, height = shown["window"]
    frame = QRect(x, y, width + shown["frame"][0], height + shown["frame"][1])
    assert QRect(*shown["screen"]).contains(frame), shown
    assert (width, height) == (min(1240, size[0] - FRAME.width()), size[1] - FRAME.height())


# -- action buttons wait for their input ---------------------------------------------------------------------
def test_save_key_is_enabled_only_once_a_key_is_typed(qtbot: QtBot) -> None:
    box = KeyBox()
    qtbot.addWidget(box)
    assert not box.save_button.isEnabled()
    box.field.setText("   ")
    assert not box.save_button.isEnabled()
    box.field.setText("sk-ant-123")
    assert box.save_button.isEnabled()
    box.field.clear()
    assert not box.save_button.isEnabled()


def test_the_new_classifier_dialog_creates_only_with_a_name_and_labels(qtbot: QtBot) -> None:
    dialog = NewClassifierDialog()
    qtbot.addWidget(dialog)
    assert not dialog.create_button.isEnabled()
    dialog.name.setText("support")
    assert not dialog.create_button.isEnabled()
    dialog.labels.setText("billing, other")
    assert dialog.create_button.isEnabled()


def test_a_field_correction_needs_a_value_when_it_is_to_be_typed(qtbot: QtBot) -> None:
    dialog = FieldCorrectionDialog(["name", "email"], {"name": "", "email": "a@b.example"}, "text", None)
    qtbot.addWidget(dialog)
    assert dialog.written.isChecked() and not dialog.keep_button.isEnabled()  # "name" is empty
    dialog.value.setText("Jane Roe")
    assert dialog.keep_button.isEnabled()
    dialog.value.clear()
    dialog.absent.setChecked(True)
    assert dialog.keep_button.isEnabled()  # "not in the text" needs no value
    dialog.field.setCurrentText("email")
    assert dialog.keep_button.isEnabled()


def test_profile_buttons_wait_for_something_to_act_on(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    extractors, classifiers = window.extractors, window.classifiers
    assert not extractors.remove_button.isEnabled() and not classifiers.remove_button.isEnabled()
    assistant.host.extractors.create("contacts", {"type": "object", "properties": {"name": {"type": "string"}}})
    extractors.refresh()
    assert extractors.remove_button.isEnabled() and not extractors.train_button.isEnabled()  # no examples yet

    store = assistant.host.classifiers
    store.create("support", ["billing", "other"])
    store.add_examples("support", [(f"I was charged twice, case {i}", "billing") for i in range(3)])
    classifiers.refresh()
    training = classifiers.training
    assert not training.train_button.isEnabled() and "at least 3" in training.train_button.toolTip()
    assert not training.remove_button.isEnabled()  # no label selected
    training.labels.selectRow(0)  # billing: 3 examples
    assert training.remove_button.isEnabled()
    training.labels.selectRow(1)  # other: none to remove
    assert not training.remove_button.isEnabled()
    store.add_examples("support", [(f"Something else entirely, number {i}", "other") for i in range(3)])
    classifiers.refresh()
    assert training.train_button.isEnabled()

    tab = classifiers.label_first
    assert not tab.rank_button.isEnabled()  # not trained, nothing pasted


# -- words, not jargon ----------------------------------------------------------------------------------------
JARGON = ("CV F1", "cross-validated", "Cross-validated", "Precision", "Recall")


def test_the_extractors_page_says_what_its_figures_mean(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    page = window.extractors
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]  # type: ignore[union-attr]
    headers += [page.figures.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
                for c in range(page.figures.columnCount())]
    texts = headers + [w.text() for w in page.findChildren(QWidget) if hasattr(w, "text") and callable(w.text)
                       and isinstance(w.text(), str)]
    assert not [t for t in texts if any(j in t for j in JARGON)], texts
    quality = page.table.horizontalHeaderItem(5)
    assert quality is not None and "held back during training" in quality.toolTip()


@pytest.mark.parametrize("size", [(900, 600), (1240, 800)], ids=["900x600", "1240x800"])
def test_the_profile_pages_fit_with_a_profile_selected(qtbot: QtBot, assistant: Assistant,
                                                       size: tuple[int, int]) -> None:
    assistant.host.extractors.create("contacts", {"type": "object", "properties": {
        "name": {"type": "string"}, "email": {"type": "string"}, "company": {"type": "string"}}})
    store = assistant.host.classifiers
    store.create("banking-support", ["automatic_top_up", "exchange_rate", "get_disposable_virtual_card"])
    store.add_examples("banking-support", [(f"Top up automatically, take {i}", "automatic_top_up") for i in range(3)])
    with app_style():
        window = MainWindow(assistant, load_model=False)
        qtbot.addWidget(window)
        window.show()
        window.resize(*size)
        for page in (window.extractors, window.classifiers):
            window.show_page(window.pages.indexOf(page))
            qtbot.wait(50)
            assert clipped_widgets(window) == []


def red_pixels(button: QPushButton) -> int:
    image = button.grab().toImage()
    colours = (image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height()))
    return sum(1 for c in colours if c.red() > c.green() + 80 and c.red() > c.blue() + 80)


def test_a_disabled_remove_button_looks_disabled_not_red(qtbot: QtBot) -> None:
    with app_style():
        button = QPushButton("Remove")
        button.setObjectName("danger")
        qtbot.addWidget(button)
        button.show()
        assert red_pixels(button) > 0  # enabled: red text, a warning
        button.setEnabled(False)
        assert red_pixels(button) == 0  # disabled: grey like every other disabled button


def test_a_drop_down_list_shows_every_choice_uncut(qtbot: QtBot, assistant: Assistant) -> None:
    """The template list (4 choices) showed 3½ with a scroll arrow: the styled popup was too short."""
    with app_style():
        window = MainWindow(assistant, load_model=False)
        qtbot.addWidget(window)
        window.show()
        combos = [window.assistant_page.panel.schema.templates, window.batch.task_box, window.batch.later]
        for combo in combos:
            combo.showPopup()
            view = combo.view()
            qtbot.waitUntil(view.isVisible, timeout=3000)
            last = view.visualRect(combo.model().index(combo.count() - 1, 0))
            assert view.verticalScrollBar().maximum() == 0 and last.bottom() < view.viewport().height(), (
                combo.accessibleName(), last.getRect(), view.viewport().rect().getRect())
            combo.hidePopup()


def test_a_batch_answer_kept_on_the_device_says_why_the_cloud_was_not_asked() -> None:
    record = {"id": "b.txt", "tier": "device", "output": "negative", "confidence": 0.5, "queued": False,
              "decision": {"action": "deny", "kind": "deny", "deny": "no_key", "threshold": 0.7}}
    assert where(record) == "On this device · cloud not asked: no API key is set"
    confident = {**record, "decision": {"action": "accept", "kind": "accept", "deny": None, "threshold": 0.7}}
    assert where(confident) == "On this device"
    assert where({**record, "queued": True}) == "On this device · queued for later"


def test_switching_task_clears_the_old_run_time(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    panel = window.assistant_page.panel
    panel.state.set_text("Done in 2.1 s")
    panel.task_buttons.button(2).click()  # Summarize
    assert panel.task() == "summarize" and panel.state.full_text() == ""


def test_with_the_cloud_turned_off_the_key_box_does_not_ask_for_a_key(qtbot: QtBot) -> None:
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text('[escalation]\nmode = "never"\n', encoding="utf-8")
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    try:
        view = SettingsView(assistant)
        qtbot.addWidget(view)
        text = view.key.status.text()
        assert "turned off" in text and "until you add one" not in text
    finally:
        assistant.store.close()


def test_the_review_page_has_no_grey_box_and_no_unnamed_stop_for_tab(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    area = window.review.area
    assert not area.viewport().autoFillBackground()  # the page's own background behind an empty month
    assert not area.focusPolicy() & Qt.FocusPolicy.TabFocus  # Tab goes to the table and buttons inside
