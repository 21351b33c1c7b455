"""Shown instead of the Assistant page when there is no usable model: what went wrong, what the model is
for, and the models to download (the one recommended for this computer first), or a file to use."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ui.assets import icon
from ui.model_chooser import ModelChooser

INTRO = ("Inhouse answers with a language model that runs on this computer, so your text stays here. Nothing "
         "is sent anywhere unless you agree, one request at a time. Choose a model to download: the "
         "recommended one suits this computer's memory and processor. The download starts only when you press it.")


class FirstRunPage(QScrollArea):
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the buttons inside
        body = QWidget()
        body.setObjectName("pageBody")
        outer = QHBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(760)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        heading = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(icon("inhouse").pixmap(40, 40))
        heading.addWidget(logo)
        title = QLabel("Welcome to Inhouse")
        title.setObjectName("pageTitle")
        heading.addWidget(title, 1)
        layout.addLayout(heading)
        self.problem = QLabel()
        self.problem.setObjectName("banner")
        self.problem.setProperty("state", "bad")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What is missing")
        layout.addWidget(self.problem)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.chooser = ModelChooser()
        layout.addWidget(self.chooser)
        self.check = QPushButton("Check again")
        self.check.setAccessibleName("Look for a model again")
        self.check.setToolTip("After installing a model some other way")
        self.check.clicked.connect(self.retry)
        layout.addWidget(self.check, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addStretch(1)
        outer.addWidget(card, 8, Qt.AlignmentFlag.AlignTop)
        outer.addStretch(1)
        self.setWidget(body)

    def set_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.chooser.refresh()
