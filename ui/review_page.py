"""Review: the month's bill, escalation rate, quality signals and threshold review, with charts.

Everything comes from ``app.review`` (the aggregates written as answers happen, never the history): the
review is read in the thread pool; its charts (matplotlib, drawn to PNG by ``app.review_charts``) are drawn
on the GUI thread, because the many objects matplotlib allocates can start a garbage collection, and one
in a pool thread may destroy Qt objects there (a crash).
"Apply" writes a suggested threshold to the user's policy file; it is disabled where the admin locked it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.errors import InhouseError
from app.review import Review, ReviewData, apply_threshold, current_month, review_store, thresholds_in_force
from app.review_charts import histogram_chart, png, trend_chart
from app.review_export import export_aggregate, write_aggregate
from app.review_report import HEAD, NO_DATA, bill_rows, render_html
from app.review_thresholds import ThresholdReview
from ui.classifiers_common import tip_headers
from ui.file_dialogs import save_file
from ui.flow_layout import FlowLayout
from ui.page import page_header, scrolling
from ui.worker import TaskDone, run_task


@dataclass(frozen=True)
class Built:
    review: Review
    months: tuple[str, ...]


def build(assistant: Assistant, month: str | None) -> Built:
    review = review_store(assistant.store, assistant.effective, month)
    months = tuple(sorted(set(ReviewData.from_store(assistant.store).months()) | {current_month()}, reverse=True))
    return Built(review, months)


def charts(review: Review) -> list[bytes]:
    """PNG: the trend, then one histogram per task with answers (none for an empty month)."""
    if review.empty:
        return []
    drawn = [png(trend_chart(review))]
    return drawn + [png(histogram_chart(review, t.task)) for t in review.thresholds
                    if sum(review.histograms.get(t.task, ()))]


# The bill's column heads (shared with the HTML report) in words, and what each counts, on hover
WORDS = {
    "messages": ("messages", "Texts run this month"),
    "on device": ("on device", "Share answered on this device in the end"),
    "escalated": ("off device", "Share answered by a model off this device (with consent where it is needed)"),
    "consents +/-": ("you agreed / declined", "Times you agreed to send a text off this device / declined"),
    "queued": ("queued", "Texts put in the queue to send later (not sent yet)"),
    "frontier only": ("all to the cloud", "What these texts would have cost had every one gone to the cloud model"),
    "spent": ("spent", "What the answers from the cloud cost this month"),
    "saving": ("saved", "What answering on this device saved, against sending every text to the cloud model"),
    "corr./100": ("corrected per 100", "Answers you corrected (“This should be…”), per 100 texts"),
    "re-run": ("asked again", "Past answers you asked the cloud model for again"),
    "mean conf.": ("average confidence", "The average confidence of the answers shown"),
}


class ReviewPage(QWidget):
    policy_changed = Signal()  # a threshold was applied

    def __init__(self, assistant: Assistant) -> None:
        super().__init__()
        self.assistant = assistant
        self.built: Built | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.subtitle = page_header(outer, "Review", "What this device answered, what it cost and what the "
                                                     "thresholds did, month by month. No message text is used.")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Month"))
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        self.month.activated.connect(lambda _: self.refresh())
        bar.addWidget(self.month)
        bar.addStretch(1)
        self.save_html = QPushButton("Save report…")
        self.save_html.setEnabled(False)  # until a month with answers is read
        self.save_html.clicked.connect(self._save_html)
        self.export = QPushButton("Export aggregate…")
        self.export.setToolTip("Counts, rates, costs and thresholds only, for your administrator: no text.")
        self.export.clicked.connect(self._export)
        bar.addWidget(self.save_html)
        bar.addWidget(self.export)
        outer.addLayout(bar)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("reviewMessage")
        outer.addWidget(self.message)
        body = QWidget()
        self.body = QVBoxLayout(body)
        # the page's own background, not a grey box around nothing; sentences wrap and charts fit (no sideways
        # scrolling); Tab goes to the table and buttons inside, not to the area itself
        self.area = scrolling(body)
        outer.addWidget(self.area, 1)
        self.table = QTableWidget(0, len(HEAD))
        self.table.setHorizontalHeaderLabels(["", *(WORDS.get(h, (h, ""))[0] for h in HEAD[1:])])
        tip_headers(self.table, {col: WORDS[h][1] for col, h in enumerate(HEAD) if h in WORDS})
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName("The bill")
        self.table.hide()  # until there is a month to show (an empty table with a scroll bar said nothing)
        # as tall as its rows; its twelve columns scroll inside it at a small size, not the whole page
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.addWidget(self.table)
        self.thresholds = QVBoxLayout()
        self.body.addLayout(self.thresholds)
        self.charts = FlowLayout(spacing=12)  # side by side when there is room, else one under the other
        self.body.addLayout(self.charts)
        self.body.addStretch(1)
        self.apply_buttons: dict[str, QPushButton] = {}
        self.chart_labels: list[QLabel] = []

    # -- loading ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        month = self.month.currentText() or None
        self.message.setText("Reading the aggregates…")
        self.save_html.setEnabled(False)  # nothing to save until the month is read
        assistant = self.assistant
        run_task(lambda: build(assistant, month), self._built)

    def _built(self, done: TaskDone[Built]) -> None:
        if not done.ok or done.result is None:
            error = done.error
            self.message.setText(error.user_message() if isinstance(error, InhouseError) else
                                 f"The review could not be built: {error}")
            return
        self.built = built = done.result
        chosen = built.review.month
        self.month.blockSignals(True)
        self.month.clear()
        self.month.addItems(list(built.months))
        self.month.setCurrentText(chosen)
        self.month.blockSignals(False)
        review = built.review
        self.message.setText(NO_DATA.format(month=chosen) if review.empty else
                             f"{review.total.volume} messages in {chosen}.")
        self.save_html.setEnabled(not review.empty)
        self.save_html.setToolTip("" if not review.empty else "Nothing to save: no answers in this month.")
        self._fill_table(review)
        self._fill_thresholds(() if review.empty else review.thresholds)  # the message already says "nothing"
        self._fill_charts(charts(review))

    def _fill_table(self, review: Review) -> None:
        rows = [] if review.empty else bill_rows(review)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(cell))
        self.table.setVisible(bool(rows))

    def _fill_thresholds(self, reviews: tuple[ThresholdReview, ...]) -> None:
        _clear(self.thresholds)
        self.apply_buttons = {}
        for t in reviews:
            line = QHBoxLayout()
            text = QLabel(t.sentence)
            text.setWordWrap(True)
            line.addWidget(text, 1)
            if t.suggested is not None:
                button = QPushButton(f"Apply {t.suggested:.2f}")
                button.setAccessibleName(f"Apply {t.task} threshold {t.suggested:.2f}")
                button.setEnabled(not t.locked)
                if t.locked:
                    button.setToolTip("Your administrator set this threshold; it cannot be changed here.")
                button.clicked.connect(lambda _=False, t=t: self.apply(t))
                line.addWidget(button)
                self.apply_buttons[t.task] = button
            self.thresholds.addLayout(line)

    def _fill_charts(self, images: list[bytes]) -> None:
        _clear(self.charts)
        self.chart_labels = []
        room = max(200, self.area.viewport().width() - 24)
        for data in images:
            pixmap = QPixmap()
            pixmap.loadFromData(data, "PNG")
            if pixmap.width() > room:  # a chart wider than the page is scaled down, not cut
                pixmap = pixmap.scaledToWidth(room, Qt.TransformationMode.SmoothTransformation)
            label = QLabel()
            label.setPixmap(pixmap)
            self.charts.add(label)
            self.chart_labels.append(label)

    # -- actions ------------------------------------------------------------------------------------
    def apply(self, review: ThresholdReview) -> None:
        if review.suggested is None:
            return
        try:
            apply_threshold(self.assistant.effective, review.task, review.suggested)
        except InhouseError as err:
            self.message.setText(err.user_message())
            return
        self.assistant.reload_policy()
        self.message.setText(f"The {review.task} threshold is now {review.suggested:.2f} (was {review.current:.2f}).")
        self.policy_changed.emit()
        self.refresh()

    def _save_html(self) -> None:
        if self.built is None:
            return
        path = save_file(self, "Save the review", f"inhouse-review-{self.built.review.month}.html", "HTML (*.html)")
        if path is not None:
            self.save_report(path)

    def save_report(self, path: Path) -> None:
        if self.built is None:
            return
        try:
            path.write_text(render_html(self.built.review), encoding="utf-8")
        except OSError as err:  # a read-only folder or a full disk: say so, the review stays on screen
            self.message.setText(f"Not saved: {err.strerror or err}. Choose another folder.")
            return
        self.message.setText(f"Saved {path}.")

    def _export(self) -> None:
        path = save_file(self, "Export the aggregate", "inhouse-aggregate.json", "JSON (*.json)")
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        effective = self.assistant.effective
        allow = bool(effective.settings["review.export_labels"].value)
        try:
            document = export_aggregate(ReviewData.from_store(self.assistant.store), thresholds_in_force(effective),
                                        allow_labels=allow)
            write_aggregate(path, document)
        except (InhouseError, OSError) as err:
            self.message.setText(err.user_message() if isinstance(err, InhouseError) else f"Not saved: {err}")
            return
        self.message.setText(f"Exported {path} (counts, costs and thresholds; no text).")


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        inner = item.layout()
        if widget is not None:
            widget.deleteLater()
        elif inner is not None:
            _clear(inner)
