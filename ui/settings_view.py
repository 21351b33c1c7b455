"""Settings: the effective policy (admin-locked values disabled), the API key, and the active model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
from app.errors import InhouseError
from ui.explain import error_text
from ui.formatting import short_model
from ui.model_chooser import ModelChooser
from ui.page import page_header
from ui.policy_form import PolicyForm
from ui.tiers_box import TiersBox


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


KEY_STATE = {
    "keyring": "A key is stored in this computer's keyring.",
    "session": "A key is kept for this session only: Inhouse forgets it when it closes.",
    "environment": "Using the key from the ANTHROPIC_API_KEY environment variable.",
    "none": "No key yet: the cloud model cannot be asked until you add one. Everything else works without it.",
}


class KeyBox(QFrame):
    """Set or clear the Anthropic API key: in the OS keyring, or for this session only where there is none.
    The key is never shown back."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cloud_off = False  # escalation.mode is "never": the status says no key is used now
        card, layout = _card("Anthropic API key")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self.status = _text()
        self.status.setAccessibleName("API key state")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Paste a new key (sk-ant-…)")
        self.field.setAccessibleName("New API key")
        self.field.returnPressed.connect(self.save)
        row.addWidget(self.field, 1)
        self.save_button = QPushButton("Save key")
        self.save_button.setAccessibleName("Save the key")
        self.save_button.setEnabled(False)  # until a key is pasted
        self.save_button.clicked.connect(self.save)
        self.field.textChanged.connect(lambda text: self.save_button.setEnabled(bool(text.strip())))
        row.addWidget(self.save_button)
        self.clear_button = QPushButton("Remove key")
        self.clear_button.setAccessibleName("Remove the key")
        self.clear_button.clicked.connect(self.clear)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.message = _text("", "banner")
        self.message.setAccessibleName("What happened to the key")
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(_text("The key is kept in your operating system's keyring, never in a file, and is "
                               "only used for requests you allow.", "caption"))
        self.refresh()

    def refresh(self) -> None:
        """What key there is; with the cloud turned off (``cloud_off``), that no key is used now anyway."""
        status = secrets.key_status()
        if self.cloud_off:
            held = "No key." if status.source == "none" else KEY_STATE[status.source]
            self.status.setText(f"{held} The cloud is turned off (Ask the cloud model: Never): no key is used now.")
        else:
            self.status.setText(KEY_STATE[status.source])
        self.clear_button.setEnabled(status.source in ("keyring", "session"))

    def focus_field(self) -> None:
        self.field.setFocus()

    def _say(self, text: str, good: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("state", "good" if good else "bad")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()

    def save(self) -> None:
        key = self.field.text()
        try:
            secrets.set_api_key(key)
        except (secrets.KeyringUnavailable, secrets.PlaintextKeyringRefused) as err:
            self.field.clear()  # never keep the key in the widget
            self._keep_for_session(key, err)
        except InhouseError as err:  # not a usable key (Enter in the empty field, spaces inside): leave it to fix
            self._say(error_text(err), good=False)
        else:
            self.field.clear()
            secrets.forget_session_key()
            self._say("Saved in this computer's keyring.", good=True)
        self.refresh()
        self.changed.emit()

    def _keep_for_session(self, key: str, err: InhouseError) -> None:
        secrets.use_for_session(key)
        why = ("this computer has no keyring Inhouse can use" if isinstance(err, secrets.KeyringUnavailable)
               else "the only keyring here would keep it unencrypted in a file")
        self._say(f"Using the key for this session only: {why}, so it was not stored. Inhouse forgets it when it "
                  "closes; paste it again next time.", good=False)

    def clear(self) -> None:
        if secrets.forget_session_key():
            self._say("The session key is forgotten.", good=True)
        else:
            try:
                removed = secrets.clear_api_key()
            except InhouseError as err:
                self._say(error_text(err), good=False)
            else:
                self._say("Removed from the keyring." if removed else "There was no key in the keyring.", good=True)
        self.refresh()
        self.changed.emit()


class ModelBox(QFrame):
    """The model in use, how it runs, and the chooser (catalog, recommendation, downloads)."""

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        card, layout = _card("Model on this device")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self.model = _text()
        self.model.setAccessibleName("Model in use")
        layout.addWidget(self.model)
        self.backend = _text("", "caption")
        layout.addWidget(self.backend)
        self.chooser = ModelChooser()
        layout.addWidget(self.chooser)
        self.refresh()

    def refresh(self) -> None:
        self.chooser.refresh()
        try:
            choice = self.assistant.host.choice()
        except InhouseError as err:
            self.model.setText(error_text(err))
            self.backend.setText("")
            return
        origin = {"starter": "the starter model that comes with Inhouse", "INHOUSE_MODEL": "set by INHOUSE_MODEL",
                  "setting": "your choice"}.get(choice.source, choice.source)
        self.model.setText(f"In use: {short_model(choice.path.name)} ({origin})")
        self.model.setToolTip(str(choice.path))
        engine = self.assistant.host.loaded
        if engine is None:
            self.backend.setText("Not loaded yet: it loads in the background.")
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
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the settings inside; they scroll into view
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
        self.tiers = TiersBox(assistant)
        layout.addWidget(self.tiers)
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
        self.tiers.refresh()
        self.form.refresh()
        self.key.cloud_off = self.assistant.effective.policy.escalation.mode == "never"
        self.key.refresh()
        self.model.refresh()

    def _policy_changed(self) -> None:
        self.refresh()
        self.policy_changed.emit()
