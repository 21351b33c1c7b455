"""The status bar: backend and model, online state, this month's spend against the budget, the queue."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from app.assistant import Assistant
from app.tiers import TierKind
from ui.formatting import money, short_model, usd


def _cell(name: str, accessible: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    return label


class StatusBar(QStatusBar):
    send_queued = Signal()
    add_key = Signal()  # "Add an API key": the window shows the key in Settings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.engine = _cell("statusEngine", "Model and backend")
        self.network = _cell("statusNetwork", "Cloud model availability")
        self.spend = _cell("statusSpend", "Spending this month")
        self.queue = _cell("statusQueue", "Queued escalations")
        self.send = QPushButton("Send now")
        self.send.setObjectName("statusButton")
        self.send.setAccessibleName("Send the queued escalations now")
        self.send.setToolTip("Try the queued escalations again (you are asked before each is sent)")
        self.send.clicked.connect(self.send_queued)
        self.send.hide()
        self.key = QPushButton("Add an API key…")
        self.key.setObjectName("statusButton")
        self.key.setAccessibleName("Add an API key for the cloud model")
        self.key.setToolTip("The cloud model can only be asked once a key is set (Settings)")
        self.key.clicked.connect(self.add_key)
        self.key.hide()
        self.addWidget(self.engine)
        for widget in (self.network, self.key, self.spend, self.queue, self.send):
            self.addPermanentWidget(widget)

    def set_engine_loading(self, model: str) -> None:
        self.engine.setText(f"Loading {short_model(model)}…")

    def set_engine(self, backend: str, model: str, detail: str) -> None:
        self.engine.setText(f"{backend} · {short_model(model)}")
        self.engine.setToolTip(f"{model}\n{detail}")

    def set_engine_problem(self, text: str) -> None:
        self.engine.setText("No usable model")
        self.engine.setToolTip(text)

    def refresh(self, assistant: Assistant, *, key_checked: bool = True) -> None:
        """Re-read the policy-dependent and stored parts (after a run, a settings change...). With
        ``key_checked=False`` the key store is not read (at start-up it is read off the GUI thread, #11)."""
        policy = assistant.effective.policy.escalation
        has_key = policy.mode != "never" and key_checked and bool(assistant.key_source(TierKind.CLOUD))
        if policy.mode != "never" and not key_checked:
            self.network.setText("Cloud")
            self.network.setToolTip("Looking for an API key…")
            state = "checking"
        elif policy.mode == "never":
            self.network.setText("Cloud off")
            self.network.setToolTip("Escalation is turned off by policy: everything stays on this device.")
            state = "off"
        elif not has_key:
            self.network.setText("Cloud: no API key")
            self.network.setToolTip("Everything stays on this device: the cloud model cannot be asked without a key.")
            state = "nokey"
        elif assistant.online:
            self.network.setText("Online")
            self.network.setToolTip(f"{policy.model} can be asked, with your consent.")
            state = "online"
        else:
            self.network.setText("Offline")
            self.network.setToolTip("The cloud model could not be reached; escalations wait in the queue.")
            state = "offline"
        self.network.setProperty("state", state)
        self.network.style().polish(self.network)
        self.key.setVisible(state == "nokey")
        if assistant.store_problem:  # a damaged database: say so, keep answering on the device
            self.spend.setText("History and audit log unavailable")
            self.spend.setToolTip("Nothing is saved and nothing is sent until this is fixed: "
                                  f"{assistant.store_problem}")
            self.queue.setText("")
            self.send.setVisible(False)
            return
        spent = assistant.month_spend()
        self.spend.setText(f"{money(spent)} of {money(policy.monthly_budget_usd)} this month")
        self.spend.setToolTip(f"Spent on cloud answers this calendar month: {usd(spent)} "
                              f"(monthly budget {usd(policy.monthly_budget_usd)}).")
        queued = len(assistant.store.list_queue())
        self.queue.setText(f"{queued} queued")
        self.queue.setToolTip("Escalations waiting to be sent when you are online and agree.")
        self.send.setVisible(queued > 0 and policy.mode != "never")
