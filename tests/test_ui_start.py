"""The desktop app's start (#11): the main window paints first; what it need not wait for comes after.

Real widgets offscreen, a real Assistant (store, policy) with a model path that does not exist, so the
model load fails fast and shows the first-run page. tests/test_imports.py checks, in a fresh interpreter,
which modules the real ``inhouse gui`` has imported when its window first paints.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.assistant import Assistant
from app.engine_host import EngineHost
from app.tiers import TierKind
from tests.ui_checks import focus_chain
from ui.main_window import LAZY_PAGES, PAGES, MainWindow
from ui.spec_editors import SchemaEditor


@pytest.fixture
def asked() -> list[TierKind]:
    return []


@pytest.fixture
def assistant(asked: list[TierKind]) -> Iterator[Assistant]:
    def key_source(kind: TierKind) -> str | None:  # a key store that notes when it is read
        asked.append(kind)
        return None

    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"), key_source=key_source)
    yield assistant
    assistant.store.close()


def test_only_the_assistant_page_is_built_until_another_is_opened(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    assert window.lazy.built == {} and window.pages.count() == len(PAGES)
    window.corrections.profiles_changed.emit()  # a refresh of a page never opened builds nothing
    assert window.lazy.built == {}

    window.show_page(PAGES.index(("Settings", "settings")))
    assert list(window.lazy.built) == ["settings"]
    assert window.pages.currentWidget() is window.settings and window.nav.currentRow() == 6
    assert window.pages.count() == len(PAGES)
    assert window.pages.indexOf(window.settings) == 1 + LAZY_PAGES.index("settings")  # the stand-in's place

    history = window.history  # asked for by name: built in its place, not shown
    assert window.pages.indexOf(history) == 1 and window.pages.currentWidget() is window.settings
    assert window.history is history and sorted(window.lazy.built) == ["history", "settings"]


def test_a_page_built_late_keeps_the_status_bar_last_for_tab(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.status.key.isVisibleTo(window), timeout=10_000)  # "Add an API key…"
    window.show_page(PAGES.index(("History", "history")))
    chain = focus_chain(window)
    assert window.history.query in chain and window.status.key in chain
    assert chain.index(window.nav) < chain.index(window.history.query) < chain.index(window.status.key)


def test_the_key_store_is_read_after_the_first_paint(qtbot: QtBot, assistant: Assistant,
                                                    asked: list[TierKind]) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    qtbot.wait(50)
    assert asked == [] and window.status.network.property("state") == "checking"
    window.show()
    qtbot.waitUntil(lambda: window.status.network.text() == "Cloud: no API key", timeout=10_000)
    assert asked and set(asked) == {TierKind.CLOUD} and window.key_checked


def test_the_model_load_starts_after_the_first_paint(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant)
    qtbot.addWidget(window)
    settled: list[bool] = []
    window.model_settled.connect(lambda: settled.append(True))
    qtbot.wait(200)
    assert settled == [] and window.home.currentWidget() is window.assistant_page  # not started: not painted
    window.show()
    qtbot.waitUntil(lambda: bool(settled), timeout=10_000)
    assert window.home.currentWidget() is window.first_run  # the load ran, and failed: no such file


def test_deferred_start_up_work_runs_even_if_the_window_never_paints(qtbot: QtBot, assistant: Assistant) -> None:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    ran: list[str] = []
    window.after_first_paint(lambda: ran.append("work"))
    qtbot.waitUntil(lambda: ran == ["work"], timeout=10_000)  # the fallback timer, never shown
    window.after_first_paint(lambda: ran.append("now"))
    assert ran == ["work", "now"]  # after the start, at once


def test_a_hidden_schema_editor_checks_its_template_when_shown_or_asked(qtbot: QtBot) -> None:
    editor = SchemaEditor()
    qtbot.addWidget(editor)
    assert editor.status.text() == ""  # not checked yet
    assert editor.problem() == "" and editor.spec().schema["type"] == "object"
    assert editor.status.text().startswith("Valid schema")

    shown = SchemaEditor()
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.status.text().startswith("Valid schema"), timeout=5000)


def test_a_key_read_that_ends_after_the_window_closed_reads_nothing_more(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_key_store(_kind: TierKind) -> str | None:  # a desktop keyring that takes its time
        started.set()
        release.wait(10)
        return None

    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"), key_source=slow_key_store)
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(started.is_set, timeout=10_000)  # the read began after the first paint
    threading.Timer(0.2, release.set).start()  # it ends while the window is closing (close waits for jobs)
    window.close()
    assistant.store.close()  # as the app does once its window has closed
    qtbot.waitUntil(lambda: window.key_checked, timeout=10_000)  # delivered now: the closed store is not read
