"""The right-hand side of the Assistant page: empty, busy, error, or an outcome with its confidence,
where it was made, why, and (when offered) the "Ask the cloud model" action. A classify result also
offers "This should be…": ``correct`` (outcome, label) asks for the message to become an example."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.outcome import Action, Outcome
from ui.assets import icon
from ui.explain import badge, calibration_words, describe_error, next_tier_name, why
from ui.extract_body import ExtractBody
from ui.flow_layout import FlowLayout
from ui.formatting import short_model
from ui.meter import ConfidenceMeter
from ui.page import scrolling
from ui.result_bodies import ClassifyBody, SummaryBody


def _label(text: str = "", name: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _Placeholder(QWidget):
    """A centred title and explanation (empty, busy and error states)."""

    def __init__(self, title: str, body: str, busy: bool = False) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = _label(title, "stateTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        if busy:
            self.progress = QProgressBar()
            self.progress.setRange(0, 0)  # indeterminate: moves while the model works
            self.progress.setTextVisible(False)
            self.progress.setFixedHeight(6)
            self.progress.setAccessibleName("Working")
            layout.addWidget(self.progress)
        self.body = _label(body, "stateBody")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.body)
        layout.addStretch(2)


class _PillLabel(QLabel):
    """A wrapping label that asks for its text's width on one line (Qt's wrapped labels ask for a guess,
    so a short pill wrapped in a wide panel), and still wraps when the panel is narrower."""

    def _frame(self) -> int:
        # The style sheet's padding and border, and a few pixels more: a border that comes with the "kind"
        # property can reach the margins after the size was asked for.
        return self.width() - self.contentsRect().width() + 4

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.fontMetrics().horizontalAdvance(self.text()) + self._frame() + 4),
                     hint.height())

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        # As the text is drawn: wrapped in contentsRect() (QLabel's own guess counts a style sheet's
        # padding twice, and gave two lines to text that fits on one).
        flags = Qt.TextFlag.TextWordWrap | self.alignment()
        text = self.fontMetrics().boundingRect(QRect(0, 0, max(1, width - self._frame()), 10_000), flags, self.text())
        return text.height() + self.height() - self.contentsRect().height()


QUEUED_NOTICE = "Kept in the queue: nothing was sent. Send the queue when you are online; you are asked first."


class _OutcomePanel(QWidget):
    ask_cloud = Signal()
    add_key = Signal()
    send_queue = Signal()
    correct = Signal(str)  # the label the user says it should be
    create_classifier = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)  # off the scroll bar when a small window shows one
        layout.setSpacing(10)
        heading = QVBoxLayout()
        heading.setSpacing(4)
        heading.addWidget(_label("ANSWER", "overline"))
        self.answer = _label("", "answer")
        self.answer.setAccessibleName("Answer")
        heading.addWidget(self.answer)
        self.badge = _PillLabel()
        self.badge.setObjectName("badge")
        self.badge.setWordWrap(True)
        self.badge.setAccessibleName("Where the answer was made")
        pill = QHBoxLayout()  # as wide as its text, wrapping only when the panel is narrower
        pill.addWidget(self.badge)
        pill.addStretch(1)
        heading.addLayout(pill)
        layout.addLayout(heading)
        layout.addLayout(self._confidence_row())
        self.why = _label("", "why")
        self.why.setAccessibleName("Why")
        layout.addWidget(self.why)
        actions = FlowLayout()
        self.ask = QPushButton(" Ask the cloud model…")
        self.ask.setObjectName("primary")
        self.ask.setIcon(icon("cloud-white"))
        self.ask.setAccessibleName("Ask the cloud model")
        self.ask.setToolTip("Shows exactly what would be sent, and asks you first")
        self.ask.clicked.connect(self.ask_cloud)
        actions.add(self.ask)
        self.key_button = QPushButton("Add an API key…")
        self.key_button.setObjectName("primary")
        self.key_button.setAccessibleName("Add an API key for the cloud model")
        self.key_button.setToolTip("Opens Settings at the API key; then run again to ask the cloud model")
        self.key_button.clicked.connect(self.add_key)
        actions.add(self.key_button)
        self.queue_button = QPushButton("Send the queue now")
        self.queue_button.setAccessibleName("Send the queued requests now")
        self.queue_button.setToolTip("Tries the queued requests again; you are asked before each is sent")
        self.queue_button.clicked.connect(self.send_queue)
        actions.add(self.queue_button)
        self.correct_button = QPushButton("This should be…")
        self.correct_button.setAccessibleName("This should be another label")
        self.correct_button.setToolTip("Keep this message as an example of the right label, to train on")
        self.correct_menu = QMenu(self.correct_button)
        self.correct_menu.triggered.connect(lambda action: self.correct.emit(action.text()))
        self.correct_button.setMenu(self.correct_menu)
        self.correct_button.setStyleSheet("QPushButton { padding-right: 26px; }")  # room for the menu arrow
        actions.add(self.correct_button)
        layout.addLayout(actions)
        layout.addLayout(self._correction_row())
        self.notice = _label("", "notice")
        layout.addWidget(self.notice)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("divider")
        layout.addWidget(line)
        self.classify, self.extract, self.summary = ClassifyBody(), ExtractBody(), SummaryBody()
        self.bodies: tuple[QWidget, ...] = (self.classify, self.extract, self.summary)
        for body in self.bodies:  # one shown at a time; not a stacked widget, which is as tall as its tallest
            body.hide()           # page and would scroll a short answer over the Extract table's empty room
            layout.addWidget(body, 1)
        self.meta = _label("", "caption")
        layout.addWidget(self.meta)

    def _correction_row(self) -> QVBoxLayout:
        row = QVBoxLayout()
        self.correction = _label("", "banner")
        self.correction.setAccessibleName("Correction")
        row.addWidget(self.correction)
        self.create_button = QPushButton("Create a classifier…")
        self.create_button.setToolTip("A classifier with these labels, with this message as its first example")
        self.create_button.clicked.connect(self.create_classifier)
        row.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.show_correction("")
        return row

    def show_correction(self, text: str, good: bool = True, *, offer_create: bool = False) -> None:
        """What became of a correction ("" hides it); ``offer_create`` when no classifier has the labels."""
        self.correction.setText(text)
        self.correction.setProperty("state", "good" if good else "bad")
        self.correction.style().unpolish(self.correction)
        self.correction.style().polish(self.correction)
        self.correction.setVisible(bool(text))
        self.create_button.setVisible(bool(text) and offer_create)

    def _show_corrections(self, outcome: Outcome) -> None:
        self.correct_menu.clear()
        labels = list(outcome.local.probabilities or ()) or list(getattr(outcome.request.spec, "labels", ()))
        for label in labels:
            if label != str(outcome.answer):
                self.correct_menu.addAction(label)
        self.correct_button.setVisible(outcome.request.task == "classify" and not self.correct_menu.isEmpty())
        self.show_correction("")

    def _confidence_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(12)
        title = _label("Confidence", "fieldTitle", wrap=False)
        row.addWidget(title)
        self.value = _label("", "confidenceValue", wrap=False)
        self.value.setMinimumWidth(42)
        row.addWidget(self.value)
        self.meter = ConfidenceMeter()
        row.addWidget(self.meter, 1)
        return row

    def show_outcome(self, outcome: Outcome, threshold: float, *, key_missing: bool = False) -> None:
        task = outcome.request.task
        self.answer.setText(self._headline(outcome))
        mark = badge(outcome)
        self.badge.setText(mark.text)
        self.badge.setProperty("kind", mark.kind)
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.badge.updateGeometry()
        confidence = outcome.confidence
        self.value.setText("unknown" if confidence is None else f"{confidence:.2f}")
        calibrated = outcome.remote is not None or not outcome.local.uncalibrated
        self.meter.set_values(confidence or 0.0, threshold, calibrated=calibrated)
        calibration = outcome.local.calibration if outcome.remote is None else None
        words = f" {calibration_words(calibration.state, calibration.evidence)}" if calibration is not None else ""
        self.why.setText(why(outcome, threshold, key_missing=key_missing) + words)
        self.why.setToolTip(calibration.basis if calibration is not None else "")  # the figures, one hover away
        self.ask.setText(f" Ask {next_tier_name(outcome)}…")
        self.ask.setVisible(outcome.action is Action.ASK)
        self.key_button.setVisible(key_missing and outcome.action is Action.DENY)
        self.queue_button.setVisible(outcome.action is Action.QUEUE)
        notice = QUEUED_NOTICE if outcome.action is Action.QUEUE else " ".join(outcome.notes)
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self._show_corrections(outcome)
        bodies: dict[str, ClassifyBody | ExtractBody | SummaryBody] = {
            "classify": self.classify, "extract": self.extract, "summarize": self.summary}
        body = bodies[task]
        if isinstance(body, ExtractBody):
            body.show_outcome(outcome, threshold)
        else:
            body.show_outcome(outcome)
        self._show_body(body)
        self.meta.setText(self._meta(outcome))

    def _show_body(self, body: QWidget) -> None:
        for other in self.bodies:
            other.setVisible(other is body)

    @staticmethod
    def _headline(outcome: Outcome) -> str:
        if outcome.request.task == "classify":
            return str(outcome.answer)
        if outcome.request.task == "extract":
            n = len(outcome.answer) if isinstance(outcome.answer, dict) else 0
            return f"{n} field{'' if n == 1 else 's'} extracted"
        return "Summary"

    @staticmethod
    def _meta(outcome: Outcome) -> str:
        local = outcome.local
        parts = [f"Local: {short_model(local.model)}", f"{local.latency_ms:.0f} ms", local.method]
        for hop in outcome.hops:
            cost = f", ${hop.cost_usd:.4f}" if hop.cost_usd else ""
            parts.append(f"{hop.tier_label} ({hop.host}): {hop.model}, {hop.input_tokens}+{hop.output_tokens} "
                         f"tokens, {hop.latency_ms:.0f} ms{cost}")
        return " · ".join(p for p in parts if p)


class ResultView(QFrame):
    """Empty, busy, error or outcome; ``ask_cloud`` when the user asks for the cloud model."""

    ask_cloud = Signal()
    add_key = Signal()
    send_queue = Signal()
    correct = Signal(object, str)  # (Outcome, label): "this should be label"
    create_classifier = Signal(object)  # (Outcome): no classifier has its labels; the user asks for one
    correct_field = Signal(object, str, object)  # (Outcome, field, value | [start, end] | None): an extraction fix

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.empty = _Placeholder(
            "Your answer appears here",
            "Choose a task, paste or drop some text, then press Run (Ctrl+Enter).\n"
            "Everything runs on this device; nothing is sent anywhere unless you agree.",
        )
        self.busy = _Placeholder("Working on this device…", "The window stays usable; Cancel (Esc) stops it.",
                                 busy=True)
        self.error = _Placeholder("", "")
        self.error.title.setObjectName("errorTitle")
        self.outcome = _OutcomePanel()
        self.outcome_area = scrolling(self.outcome)
        self.outcome.ask_cloud.connect(self.ask_cloud)
        self.outcome.add_key.connect(self.add_key)
        self.outcome.send_queue.connect(self.send_queue)
        self.outcome.correct.connect(self._correct)
        self.outcome.create_classifier.connect(self._create_classifier)
        self.outcome.extract.correct_field.connect(self._correct_field)
        for page in (self.empty, self.busy, self.error, self.outcome_area):
            self.stack.addWidget(page)
        self.current: Outcome | None = None

    def _correct(self, label: str) -> None:
        if self.current is not None:
            self.correct.emit(self.current, label)

    def _correct_field(self, field: str, value: object) -> None:
        if self.current is not None:
            self.correct_field.emit(self.current, field, value)

    def _create_classifier(self) -> None:
        if self.current is not None:
            self.create_classifier.emit(self.current)

    def show_empty(self) -> None:
        self.current = None
        self.stack.setCurrentWidget(self.empty)

    def show_busy(self, title: str, body: str = "The window stays usable; Cancel (Esc) stops it.") -> None:
        self.busy.title.setText(title)
        self.busy.body.setText(body)
        self.stack.setCurrentWidget(self.busy)

    def show_error(self, error: BaseException) -> None:
        message, hint = describe_error(error)
        self.error.title.setText(message)
        self.error.body.setText(hint)
        self.stack.setCurrentWidget(self.error)

    def show_message(self, title: str, body: str) -> None:
        self.error.title.setText(title)
        self.error.body.setText(body)
        self.stack.setCurrentWidget(self.error)

    def show_outcome(self, outcome: Outcome, threshold: float, *, key_missing: bool = False) -> None:
        self.current = outcome
        self.outcome.show_outcome(outcome, threshold, key_missing=key_missing)
        self.stack.setCurrentWidget(self.outcome_area)
        self.outcome_area.verticalScrollBar().setValue(0)

    @property
    def is_busy(self) -> bool:
        return self.stack.currentWidget() is self.busy
