"""Accessibility, checked on the real widgets and the real style sheet: text contrast (computed, WCAG AA),
an accessible name for every control a keyboard reaches, a tab order that follows the page, focus that
can be seen, and keyboard shortcuts for pages and tasks."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.assistant import Assistant
from tests.test_ui_layout import VIEWS, assistant, make_window  # noqa: F401 - the fixture is used by name
from tests.ui_checks import accessible_name, app_style, describe, focus_chain
from ui.assets import style_sheet
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui

AA = 4.5
PAGE, CARD, SIDEBAR, STATUS = "#f5f6f8", "#ffffff", "#eceef2", "#eceef2"
# Where a rule without a background of its own is drawn: text on the sidebar, the status bar, or on cards
# and the page (both are checked: captions and titles appear on either).
DRAWN_ON = {"#tagline": (SIDEBAR,), "#brand": (SIDEBAR,), "#nav": (SIDEBAR,), "#nav::item": (SIDEBAR,),
            "QStatusBar": (STATUS,), "#statusNetwork": (STATUS,), "#statusEngine": (STATUS,),
            "QToolTip": ("#111827",), "QTabBar::tab": (PAGE,)}


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(sheet: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) for every rule, one selector at a time."""
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", sheet):
        props = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                props[name.strip()] = value.strip()
        for selector in selectors.split(","):
            yield " ".join(selector.split()), props


def colour(value: str) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b", value)
    return found.group(0).lower() if found else None


def backgrounds(selector: str, props: dict[str, str]) -> tuple[str, ...]:
    own = colour(props.get("background", "") or props.get("background-color", ""))
    if own is not None:
        return (own,)
    for prefix, where in DRAWN_ON.items():
        if selector.startswith(prefix):
            return where
    return (PAGE, CARD)


def test_every_text_colour_in_the_style_sheet_meets_aa_contrast() -> None:
    checked, failures = 0, []
    for selector, props in rules(style_sheet()):
        if ":disabled" in selector:
            continue  # WCAG 1.4.3: text of an inactive control is exempt (and must look inactive)
        for prop in ("color", "placeholder-text-color", "selection-color"):
            fg = colour(props.get(prop, ""))
            if fg is None:
                continue
            bgs = (colour(props["selection-background-color"]),) if prop == "selection-color" else \
                backgrounds(selector, props)
            for bg in bgs:
                assert bg is not None
                checked += 1
                ratio = contrast(fg, bg)
                if ratio < AA:
                    failures.append(f"{selector} {prop} {fg} on {bg}: {ratio:.2f}:1")
    assert checked > 40  # the parser read the sheet
    assert failures == []


def test_the_contrast_maths_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#6b7280", "#eceef2") == pytest.approx(4.16, abs=0.01)  # the sidebar text the issue measured
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_hint_text_is_at_least_12_px() -> None:
    sizes = [(s, int(p["font-size"].removesuffix("px"))) for s, p in rules(style_sheet()) if "font-size" in p]
    assert sizes and [s for s, px in sizes if px < 12] == []


@pytest.fixture
def window(qtbot: QtBot, assistant: Assistant) -> Iterator[MainWindow]:  # noqa: F811
    with app_style():
        window = make_window(qtbot, assistant)
        window.resize(1240, 800)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        yield window


def test_every_control_the_keyboard_reaches_has_a_name(qtbot: QtBot, window: MainWindow) -> None:
    missing = {}
    for name, prepare in VIEWS.items():
        prepare(window)
        qtbot.wait(50)
        unnamed = [describe(w) for w in focus_chain(window) if not accessible_name(w)]
        if unnamed:
            missing[name] = unnamed
        window.assistant_page._set_busy(False)
        window.show_page(0)
    assert missing == {}


def order_of(chain: list[QWidget], *widgets: QWidget) -> list[int]:
    return [chain.index(w) for w in widgets]


def test_tab_follows_the_page_top_to_bottom(qtbot: QtBot, window: MainWindow) -> None:
    VIEWS["classify"](window)
    qtbot.wait(50)
    page, chain = window.assistant_page, focus_chain(window)
    panel, shown = page.panel, page.result.outcome
    first_task = panel.task_buttons.buttons()[0]
    positions = order_of(chain, window.nav, first_task, panel.labels.labels, panel.open_button, panel.input,
                         panel.run_button, shown.ask, window.status.key)
    assert positions == sorted(positions), [describe(w) for w in chain]

    VIEWS["settings-bottom"](window)
    qtbot.wait(50)
    chain, settings = focus_chain(window), window.settings
    downloads = list(settings.model.chooser.buttons.values())
    positions = order_of(chain, window.nav, settings.form.editors["escalation.mode"], settings.key.field,
                         *[b for b in downloads if b.isEnabled()], settings.model.chooser.file_button,
                         window.status.key)
    assert positions == sorted(positions), [describe(w) for w in chain]


def test_tab_from_the_task_buttons_reaches_the_text_and_run_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.assistant_page.panel
    panel.set_text("Where is my parcel?")
    panel.task_buttons.buttons()[0].setFocus()
    visited = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    assert panel.input in visited and panel.run_button in visited
    assert visited.index(panel.input) < visited.index(panel.run_button)


def grab(widget: QWidget) -> QImage:
    QApplication.processEvents()
    return widget.grab().toImage()


def test_keyboard_focus_is_visible(qtbot: QtBot, window: MainWindow) -> None:
    VIEWS["classify"](window)
    window.settings.refresh()
    panel = window.assistant_page.panel
    controls = [window.nav, *panel.task_buttons.buttons(), panel.open_button, panel.run_button, panel.input,
                panel.labels.sets, window.assistant_page.result.outcome.ask,
                window.assistant_page.result.outcome.correct_button]
    window.assistant_page.result.outcome.ask.setVisible(True)
    unseen = []
    for control in controls:
        window.status.setFocus()
        before = grab(control)
        control.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(control.hasFocus, timeout=2000)
        if grab(control) == before:
            unseen.append(describe(control))
    window.show_page(window.pages.indexOf(window.settings))
    for key in ("privacy.store_history", "thresholds.summarize", "escalation.mode"):
        control = window.settings.form.editors[key]
        window.settings.ensureWidgetVisible(control)
        window.status.setFocus()
        before = grab(control)
        control.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(control.hasFocus, timeout=2000)
        if grab(control) == before:
            unseen.append(describe(control))
    assert unseen == []


def test_shortcuts_switch_pages_and_tasks(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.assistant_page.panel
    panel.input.setFocus()
    qtbot.keyClick(panel.input, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # type: ignore[no-untyped-call]
    assert panel.task() == "extract" and panel.schema.isVisibleTo(window)
    qtbot.keyClick(panel.input, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # type: ignore[no-untyped-call]
    assert panel.task() == "summarize"
    qtbot.keyClick(panel.input, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # type: ignore[no-untyped-call]
    assert panel.task() == "classify"
    qtbot.keyClick(panel.input, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert window.pages.currentWidget() is window.extractors
    assert window.nav.hasFocus()  # a page of settings: no control under the wheel
    qtbot.keyClick(window.nav, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert window.pages.currentWidget() is window.settings
    qtbot.keyClick(window.nav, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert window.pages.currentWidget() is window.history and window.history.query.hasFocus()  # type to search
    qtbot.keyClick(window.history.query, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert window.pages.currentIndex() == 0 and panel.input.hasFocus()  # type the text
    assert all("Alt+" in b.toolTip() for b in panel.task_buttons.buttons())  # the shortcut is discoverable
