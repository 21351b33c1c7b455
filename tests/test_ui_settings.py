"""Settings: admin-locked policy values, saving the user's own values, and the API key (no model needed)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox
from pytestqt.qtbot import QtBot

from app import paths, secrets
from app.assistant import Assistant
from app.engine_host import EngineHost
from tests.conftest import MemoryKeyring
from ui.policy_form import LOCKED_TEXT
from ui.settings_view import SettingsView

pytestmark = pytest.mark.gui

ADMIN = """
[escalation]
mode = "never"
monthly_budget_usd = 2.5

[thresholds]
classify = 0.9
"""


@pytest.fixture
def assistant() -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))  # never loaded here
    yield assistant
    assistant.store.close()


@pytest.fixture
def admin_policy() -> Path:
    path = paths.admin_policy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ADMIN, encoding="utf-8")
    return path


@pytest.fixture
def settings(qtbot: QtBot, assistant: Assistant) -> SettingsView:
    view = SettingsView(assistant)
    qtbot.addWidget(view)
    view.show()
    return view


@pytest.mark.usefixtures("admin_policy")
def test_admin_locked_values_are_disabled_and_say_who_set_them(settings: SettingsView) -> None:
    form = settings.form
    for key in ("escalation.mode", "escalation.monthly_budget_usd", "thresholds.classify"):
        assert not form.editors[key].isEnabled(), key
        assert form.states[key].text().startswith(LOCKED_TEXT), key
    budget = form.editors["escalation.monthly_budget_usd"]
    assert isinstance(budget, QDoubleSpinBox) and budget.value() == 2.5
    for key in ("thresholds.extract", "privacy.store_history"):
        assert form.editors[key].isEnabled(), key
        assert LOCKED_TEXT not in form.states[key].text(), key


@pytest.mark.usefixtures("admin_policy")
def test_an_open_value_is_saved_to_the_user_policy_and_applied(settings: SettingsView, assistant: Assistant) -> None:
    box = settings.form.editors["thresholds.extract"]
    assert isinstance(box, QDoubleSpinBox)
    box.setValue(0.55)
    box.editingFinished.emit()

    saved = tomllib.loads(paths.current().user_policy.read_text(encoding="utf-8"))
    assert saved == {"thresholds": {"extract": 0.55}}
    assert assistant.effective.policy.thresholds.extract == 0.55
    assert settings.form.states["thresholds.extract"].text() == "Your setting"
    assert settings.form.resets["thresholds.extract"].isVisibleTo(settings)

    history = settings.form.editors["privacy.store_history"]
    assert isinstance(history, QCheckBox)
    history.setChecked(False)
    assert assistant.effective.policy.privacy.store_history is False


def test_api_key_is_stored_in_the_keyring_and_never_shown(
    settings: SettingsView, memory_keyring: MemoryKeyring
) -> None:
    box = settings.key
    box.field.setText("sk-ant-secret-123")
    box.save_button.click()
    assert secrets.get_api_key() == "sk-ant-secret-123"
    assert box.field.text() == ""
    shown = " ".join(w.text() for w in (box.status, box.message))
    assert "sk-ant-secret-123" not in shown and "keyring" in shown
    assert box.clear_button.isEnabled()
    box.clear_button.click()
    assert secrets.get_api_key() is None
    assert memory_keyring.store == {}


def test_the_tiers_are_listed_in_order_and_locked_where_the_admin_set_them(qtbot: QtBot) -> None:
    path = paths.admin_policy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[org]\nendpoint = "https://llm.acme.internal/v1"\nname = "Acme"\nmodel = "qwen"\n'
                    'allowed_models = ["qwen"]\nconsent = "none"\n', encoding="utf-8")
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    try:
        view = SettingsView(assistant)
        qtbot.addWidget(view)
        rows = view.tiers.rows
        assert [label for label, _, _ in rows] == ["On this device", "On Acme's server", "Cloud"]
        assert [locked for _, _, locked in rows] == [False, True, False]
        assert "llm.acme.internal · qwen" in rows[1][1] and "no consent needed" in rows[1][1]
        assert "asks you each time" in rows[2][1] and "its answer is kept" in rows[2][1]
    finally:
        assistant.store.close()
