"""The effective policy as a form: one editor per key; admin-locked keys are disabled and say so.

Changes are validated and written to the user's policy file (``app.policy.save_user_setting``), then
the assistant reloads the policy and the form shows the new effective values.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.policy import PolicyError, remove_user_setting, save_user_setting
from app.policy_schema import KEYS, MAX_OUTPUT_TOKENS, MAX_RETENTION_DAYS, KeySpec
from ui.assets import icon
from ui.explain import error_text
from ui.wheel import guard_wheel

LOCKED_TEXT = "Set by your administrator"
EDITOR_WIDTH = 240
SECTIONS = {"escalation": "Cloud escalation", "thresholds": "Confidence thresholds — below these, the cloud "
            "model may be asked", "privacy": "Privacy", "learning": "Learning"}
TITLES = {
    "escalation.mode": "Ask the cloud model",
    "escalation.provider": "Provider",
    "escalation.model": "Cloud model",
    "escalation.allowed_models": "Allowed models",
    "escalation.redact": "Redact personal details before sending",
    "escalation.monthly_budget_usd": "Monthly budget",
    "escalation.max_output_tokens": "Longest cloud answer",
    "thresholds.classify": "Classify",
    "thresholds.extract": "Extract",
    "thresholds.summarize": "Summarize",
    "thresholds.uncalibrated": "Uncalibrated label sets",
    "privacy.store_history": "Keep a searchable history",
    "privacy.retention_days": "Keep history for",
    "privacy.audit_payload": "The audit log keeps",
    "learning.keep_frontier_answers": "Keep cloud answers as training examples",
}
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "escalation.mode": (("never", "Never"), ("ask", "Ask me each time"), ("auto", "Automatically")),
    "escalation.provider": (("anthropic", "Anthropic"),),
    "thresholds.uncalibrated": (("ask", "Offer the cloud model"), ("keep", "Keep on this device"),
                                ("accept", "Use the threshold")),
    "privacy.audit_payload": (("full", "The exact request sent"), ("hash", "Only a fingerprint (SHA-256)")),
}

Editor = QCheckBox | QComboBox | QDoubleSpinBox | QSpinBox | QLineEdit


def _editor(spec: KeySpec) -> Editor:
    if spec.kind == "bool":
        return QCheckBox()
    if spec.key in CHOICES:
        combo = QComboBox()
        for value, text in CHOICES[spec.key]:
            combo.addItem(text, value)
        return combo
    if spec.kind == "float":
        box = QDoubleSpinBox()
        if spec.section == "thresholds":
            box.setRange(0.0, 1.0)
            box.setSingleStep(0.05)
        else:
            box.setRange(0.0, 100_000.0)
            box.setPrefix("$ ")
        box.setDecimals(2)
        return box
    if spec.kind == "int":
        spin = QSpinBox()
        high = MAX_RETENTION_DAYS if spec.key == "privacy.retention_days" else MAX_OUTPUT_TOKENS
        spin.setRange(1, high)
        spin.setSuffix(" days" if spec.key == "privacy.retention_days" else " tokens")
        return spin
    return QLineEdit()


def _read(editor: Editor) -> object:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QDoubleSpinBox | QSpinBox):
        return editor.value()
    return editor.text().strip()


def _write(editor: Editor, value: object) -> None:
    editor.blockSignals(True)
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QComboBox):
        index = editor.findData(value)
        editor.setCurrentIndex(index)
    elif isinstance(editor, QDoubleSpinBox):
        editor.setValue(float(value))  # type: ignore[arg-type]
    elif isinstance(editor, QSpinBox):
        editor.setValue(int(value))  # type: ignore[call-overload]
    else:
        editor.setText(", ".join(value) if isinstance(value, tuple | list) else str(value))
    editor.blockSignals(False)


class PolicyForm(QWidget):
    changed = Signal()

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.editors: dict[str, Editor] = {}
        self.states: dict[str, QLabel] = {}
        self.resets: dict[str, QPushButton] = {}
        self.locks: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.error = QLabel()
        self.error.setObjectName("banner")
        self.error.setProperty("state", "bad")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        for section, title in SECTIONS.items():
            layout.addWidget(self._section(title, [s for s in KEYS if s.section == section]))
        self.refresh()

    def _section(self, title: str, specs: list[KeySpec]) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        grid = QGridLayout(card)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        grid.addWidget(heading, 0, 0, 1, 3)
        grid.setColumnStretch(0, 1)  # the name and the state share what the editor leaves
        grid.setColumnStretch(2, 1)
        for row, spec in enumerate(specs, start=1):
            self._row(grid, row, spec)
        return card

    def _row(self, grid: QGridLayout, row: int, spec: KeySpec) -> None:
        name = QLabel(TITLES.get(spec.key, spec.key))
        name.setToolTip(f"{spec.key}: {spec.doc}")
        name.setWordWrap(True)
        grid.addWidget(name, row, 0)
        editor = _editor(spec)
        if isinstance(editor, QComboBox | QDoubleSpinBox | QSpinBox):
            guard_wheel(editor)  # scrolling the page must never change a setting
        editor.setAccessibleName(TITLES.get(spec.key, spec.key))
        editor.setAccessibleDescription(spec.doc)
        editor.setToolTip(spec.doc)
        editor.setFixedWidth(EDITOR_WIDTH)  # the same in every card, so the columns line up
        self._connect(spec.key, editor)
        grid.addWidget(editor, row, 1)
        state = QHBoxLayout()
        lock = QLabel()
        lock.setPixmap(icon("lock").pixmap(14, 14))
        lock.setFixedWidth(16)
        state.addWidget(lock)
        label = QLabel()
        label.setObjectName("settingState")
        label.setWordWrap(True)
        state.addWidget(label, 1)
        reset = QPushButton("Reset")
        reset.setProperty("flat", True)
        reset.setAccessibleName(f"Reset {TITLES.get(spec.key, spec.key)} to the default")
        reset.clicked.connect(lambda _=False, k=spec.key: self.reset(k))
        state.addWidget(reset)
        grid.addLayout(state, row, 2)
        self.editors[spec.key], self.states[spec.key], self.resets[spec.key] = editor, label, reset
        self.locks[spec.key] = lock

    def _connect(self, key: str, editor: Editor) -> None:
        if isinstance(editor, QCheckBox):
            editor.toggled.connect(lambda _v: self.commit(key))
        elif isinstance(editor, QComboBox):
            editor.activated.connect(lambda _i: self.commit(key))
        else:
            editor.editingFinished.connect(lambda: self.commit(key))

    def refresh(self) -> None:
        effective = self.assistant.effective
        for key, editor in self.editors.items():
            setting = effective.settings[key]
            _write(editor, setting.value)
            editor.setEnabled(not setting.locked)
            label = self.states[key]
            self.locks[key].setVisible(setting.locked)
            if setting.locked:
                label.setText(f"{LOCKED_TEXT}. {setting.note}" if setting.note else LOCKED_TEXT)
                label.setProperty("state", "locked")
            else:
                source = {"user": "Your setting", "default": "Default", "safest": "Safest value"}[setting.source]
                label.setText(f"{source}. {setting.note}".strip() if setting.note else source)
                label.setProperty("state", setting.source)
            label.style().polish(label)
            self.resets[key].setVisible(setting.source == "user" and not setting.locked)

    def commit(self, key: str) -> None:
        effective = self.assistant.effective
        value = _read(self.editors[key])
        current = effective.settings[key].value
        if value == current or (isinstance(current, tuple) and value == ", ".join(current)):
            return
        if isinstance(current, tuple) and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        try:
            save_user_setting(key, value, effective.user_path, effective.admin_path)
        except PolicyError as err:
            self._show_error(error_text(err))
            self.refresh()
            return
        self._reload()

    def reset(self, key: str) -> None:
        try:
            remove_user_setting(key, self.assistant.effective.user_path)
        except PolicyError as err:
            self._show_error(error_text(err))
            return
        self._reload()

    def _reload(self) -> None:
        self.error.hide()
        self.assistant.reload_policy()
        self.refresh()
        self.changed.emit()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def is_locked(self, key: str) -> bool:
        return not self.editors[key].isEnabled()
