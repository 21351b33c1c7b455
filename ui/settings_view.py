"""Settings: the effective policy (admin-locked values disabled), the API key, and the active model."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import secrets
from app.assistant import Assistant
from inference.errors import InhouseError
from ui.formatting import short_model
from ui.page import page_header
from ui.policy_form import PolicyForm


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(18, 14, 18, 14)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    return card, layout


def _text(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class KeyBox(QFrame):
    """Set or clear the Anthropic API key in the OS keyring. The key is never shown back."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        card, layout = _card("Anthropic API key")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self.status = _text()
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Paste a new key (sk-ant-…)")
        self.field.setAccessibleName("New API key")
        self.field.returnPressed.connect(self.save)
        row.addWidget(self.field, 1)
        self.save_button = QPushButton("Save key")
        self.save_button.setAccessibleName("Save the key in the OS keyring")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        self.clear_button = QPushButton("Remove key")
        self.clear_button.setAccessibleName("Remove the key from the OS keyring")
        self.clear_button.clicked.connect(self.clear)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.message = _text("", "caption")
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(_text("The key is kept in your operating system's keyring, never in a file, and is "
                               "only used for escalations you allow.", "caption"))
        self.refresh()

    def refresh(self) -> None:
        status = secrets.key_status()
        self.status.setText(status.message)
        self.clear_button.setEnabled(status.source == "keyring")

    def save(self) -> None:
        key = self.field.text()
        self.field.clear()  # never keep the key in the widget
        try:
            secrets.set_api_key(key)
        except InhouseError as err:
            self.message.setText(err.user_message())
        else:
            self.message.setText("Saved in the keyring.")
        self.message.show()
        self.refresh()
        self.changed.emit()

    def clear(self) -> None:
        try:
            removed = secrets.clear_api_key()
        except InhouseError as err:
            self.message.setText(err.user_message())
        else:
            self.message.setText("Removed from the keyring." if removed else "There was no key in the keyring.")
        self.message.show()
        self.refresh()
        self.changed.emit()


class ModelBox(QFrame):
    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        card, layout = _card("Model on this device")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self.model = _text()
        layout.addWidget(self.model)
        self.backend = _text("", "caption")
        layout.addWidget(self.backend)
        layout.addWidget(_text("To use a larger model, download a GGUF file (for example Qwen2.5-1.5B-Instruct, "
                               "Q4_K_M) and start Inhouse with INHOUSE_MODEL=/path/to/model.gguf.", "caption"))
        self.refresh()

    def refresh(self) -> None:
        try:
            choice = self.assistant.host.choice()
        except InhouseError as err:
            self.model.setText(err.user_message())
            self.backend.setText("")
            return
        origin = {"starter": "the starter model", "INHOUSE_MODEL": "from INHOUSE_MODEL",
                  "setting": "from your settings"}.get(choice.source, choice.source)
        self.model.setText(f"{short_model(choice.path.name)} ({origin})\n{choice.path}")
        engine = self.assistant.host.loaded
        if engine is None:
            self.backend.setText("Not loaded yet: it loads in the background when Inhouse starts.")
        else:
            self.backend.setText(f"Runs on {engine.backend.name}: {engine.backend.reason}.")


class SettingsView(QScrollArea):
    policy_changed = Signal()
    key_changed = Signal()

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("pageBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 12, 0)
        layout.setSpacing(14)
        page_header(layout, "Settings", "Your policy file can change what your administrator left open. "
                    "Changes apply at once.")
        self.problems = _text("", "banner")
        self.problems.setProperty("state", "bad")
        layout.addWidget(self.problems)
        self.form = PolicyForm(assistant)
        self.form.changed.connect(self._policy_changed)
        layout.addWidget(self.form)
        self.key = KeyBox()
        self.key.changed.connect(self.key_changed)
        layout.addWidget(self.key)
        self.model = ModelBox(assistant)
        layout.addWidget(self.model)
        layout.addStretch(1)
        self.setWidget(body)
        self.refresh()

    def refresh(self) -> None:
        problems = self.assistant.effective.problems
        self.problems.setText("Problems in the policy files:\n" + "\n".join(f"• {p}" for p in problems))
        self.problems.setVisible(bool(problems))
        self.form.refresh()
        self.key.refresh()
        self.model.refresh()

    def _policy_changed(self) -> None:
        self.refresh()
        self.policy_changed.emit()
