"""What each task needs besides the text: labels (classify), a JSON Schema (extract), a length (summarize).

Each editor has ``spec()`` (the ``TaskSpec`` to run), ``problem()`` (why it cannot run yet, or "") and
a ``changed`` signal.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import SchemaInvalid
from app.paths import RESOURCES
from app.task_types import MAX_BULLETS, TLDR_WORDS, ClassifySpec, ExtractSpec, SummarizeSpec
from ui.assets import label_sets
from ui.ui_state import UiState
from ui.wheel import guard_wheel
from ui.worker import TaskDone, run_task

SCHEMA_TEMPLATES = ("invoice", "contact", "meeting")
LABEL_LINES_MAX = 4
CUSTOM = "custom"  # the template entry shown while the schema is the user's own text
SHAPES = (("paragraph", "Paragraph"), ("tldr", "One-line TLDR"), ("bullets", "Bullet points"))


def _status_label() -> QLabel:
    label = QLabel()
    label.setObjectName("validation")
    label.setWordWrap(True)
    return label


def _set_status(label: QLabel, problem: str, ok_text: str) -> None:
    label.setText(problem or ok_text)
    label.setProperty("state", "bad" if problem else "good")
    label.style().polish(label)


def parse_labels(text: str) -> tuple[str, ...]:
    """Comma- or newline-separated labels, trimmed, blanks dropped (order kept)."""
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def labels_problem(labels: tuple[str, ...]) -> str:
    if len(labels) < 2:
        return "Add at least two labels, separated by commas."
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            return f"“{label}” appears twice."
        seen.add(label.casefold())
    return ""


def _section(widget: QWidget, title: str) -> tuple[QVBoxLayout, QHBoxLayout]:
    """A borderless column whose first row is a section title, a stretch, then whatever is added."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    row.addWidget(label)
    row.addStretch(1)
    return layout, row


class LabelsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout, row = _section(self, "Labels")
        self.sets = QComboBox()
        self.sets.setAccessibleName("Saved label sets")
        self.set_classifiers([])
        self.sets.activated.connect(self._use_set)
        guard_wheel(self.sets)
        row.addWidget(self.sets)
        layout.addLayout(row)
        self.labels = QPlainTextEdit()
        self.labels.setPlaceholderText("positive, negative, neutral")
        self.labels.setAccessibleName("Labels, separated by commas")
        self.labels.setTabChangesFocus(True)
        self.labels.textChanged.connect(self._validate)
        self.labels.textChanged.connect(self._fit_height)
        layout.addWidget(self.labels)
        self.status = _status_label()
        layout.addWidget(self.status)
        sets = label_sets()
        self.labels.setPlainText(", ".join(sets[0].labels) if sets else "positive, negative, neutral")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for every label (two to four lines; more scroll), so none is hidden."""
        lines = int(self.labels.document().size().height())  # QPlainTextEdit's document counts lines
        shown = min(max(lines, 2), LABEL_LINES_MAX)
        margins = self.labels.contentsMargins()
        frame = 2 * self.labels.document().documentMargin() + margins.top() + margins.bottom() + 4
        self.labels.setFixedHeight(int(self.labels.fontMetrics().lineSpacing() * shown + frame))

    def set_classifiers(self, trained: list[tuple[str, tuple[str, ...], float]]) -> None:
        """The saved sets, then each trained classifier as (name, labels, cross-validated accuracy): its
        labels select it (a classify request with exactly those labels is answered by it)."""
        self.sets.clear()
        self.sets.addItem("Saved sets…")
        for saved in label_sets():
            self.sets.addItem(saved.name, ", ".join(saved.labels))
        for name, labels, accuracy in trained:
            self.sets.addItem(f"Classifier '{name}' (accuracy {accuracy:.2f})", ", ".join(labels))

    def _use_set(self, index: int) -> None:
        data = self.sets.itemData(index)
        if data:
            self.labels.setPlainText(str(data))
        self.sets.setCurrentIndex(0)

    def _validate(self) -> None:
        labels = parse_labels(self.labels.toPlainText())
        _set_status(self.status, labels_problem(labels), f"{len(labels)} labels")
        self.changed.emit()

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels.setPlainText(", ".join(labels))

    def problem(self) -> str:
        return labels_problem(parse_labels(self.labels.toPlainText()))

    def spec(self) -> ClassifySpec:
        return ClassifySpec(labels=parse_labels(self.labels.toPlainText()))


def schema_problem(text: str) -> tuple[str, dict[str, Any] | None]:
    """Why ``text`` is not a usable JSON Schema for extraction (or ""), and the parsed schema."""
    from app.task_types import check_schema

    try:
        schema = json.loads(text)
    except json.JSONDecodeError as err:
        return f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).", None
    if not isinstance(schema, dict):
        return "The schema must be a JSON object.", None
    try:
        check_schema(schema)
    except SchemaInvalid as err:
        return str(err), None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return 'Describe an object: "type": "object" with "properties".', None
    return "", schema


class SchemaEditor(QWidget):
    """A JSON Schema: from a template, or the user's own. Editing a template's text turns the template
    choice into "Your own schema" (kept if the user looks at a template and comes back)."""

    changed = Signal()
    template_changed = Signal()  # the user picked another template (an extraction on screen is stale)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout, row = _section(self, "Schema")
        template = QLabel("Template")
        row.addWidget(template)
        self.templates = QComboBox()
        self.templates.setAccessibleName("Schema template")
        template.setBuddy(self.templates)
        for name in SCHEMA_TEMPLATES:
            self.templates.addItem(name.capitalize(), name)
        self.templates.addItem("Your own schema", CUSTOM)
        self.templates.currentIndexChanged.connect(lambda _i: self.set_template(self.template()))
        self.templates.activated.connect(lambda _i: self.template_changed.emit())
        guard_wheel(self.templates)
        row.addWidget(self.templates)
        layout.addLayout(row)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("JSON Schema")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setTabStopDistance(24)
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(96)
        layout.addWidget(self.editor, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)  # grows with the window
        self.status = _status_label()
        layout.addWidget(self.status)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._validate)
        self.editor.textChanged.connect(self._edited)
        self._schema: dict[str, Any] | None = None
        self._problem = ""
        self._template_text = ""
        self._custom_text = ""
        self._stale = False
        self.set_template(SCHEMA_TEMPLATES[0])

    def template(self) -> str:
        """The template shown (``invoice``...), or ``custom`` for the user's own schema."""
        return str(self.templates.currentData())

    def set_template(self, name: str) -> None:
        index = self.templates.findData(name)
        if index < 0:
            return
        self.templates.blockSignals(True)
        self.templates.setCurrentIndex(index)
        self.templates.blockSignals(False)
        if name == CUSTOM:
            self._template_text = ""
            self._set_text(self._custom_text)
            return
        try:
            text = (RESOURCES / "schemas" / f"{name}.json").read_text(encoding="utf-8")
        except OSError as exc:
            text = f"// the {name} template could not be read: {exc.strerror}"
        self._template_text = text
        self._set_text(text)

    def set_custom(self, text: str) -> None:
        """Show ``text`` as the user's own schema."""
        self._custom_text = text
        self.set_template(CUSTOM)

    def _set_text(self, text: str) -> None:
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)
        if self.isVisible():
            self._validate()
        else:  # checked when shown or asked: at start-up not before the window's first paint (#11)
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:  # the first check loads jsonschema (~0.1 s): in the pool, then again here, at once
            text = self.editor.toPlainText()
            run_task(lambda: schema_problem(text), self._checked_in_pool)

    def _checked_in_pool(self, _done: TaskDone[object]) -> None:
        self.problem()

    def _edited(self) -> None:
        text = self.editor.toPlainText()
        if self.template() != CUSTOM and text != self._template_text:
            self.templates.blockSignals(True)  # no longer the template; the text stays as typed
            self.templates.setCurrentIndex(self.templates.findData(CUSTOM))
            self.templates.blockSignals(False)
        if self.template() == CUSTOM:
            self._custom_text = text
        self._timer.start()

    def _validate(self) -> None:
        self._timer.stop()
        self._stale = False
        self._problem, self._schema = schema_problem(self.editor.toPlainText())
        ok = ""
        if self._schema is not None:
            props = self._schema.get("properties", {})
            required = self._schema.get("required", [])
            ok = f"Valid schema: {len(props)} fields, {len(required)} required."
        _set_status(self.status, self._problem, ok)
        self.changed.emit()

    def problem(self) -> str:
        if self._timer.isActive() or self._stale:
            self._validate()
        return self._problem

    def spec(self) -> ExtractSpec:
        if self.problem() or self._schema is None:
            raise SchemaInvalid(self._problem or "The schema is not valid.")
        return ExtractSpec(schema=self._schema)

    def save_state(self, state: UiState) -> None:
        state.set("assistant/schema_template", self.template())
        state.set("assistant/schema_text", self._custom_text)

    def restore_state(self, state: UiState) -> None:
        self._custom_text = state.text("assistant/schema_text")
        name = state.text("assistant/schema_template", SCHEMA_TEMPLATES[0])
        self.set_template(name if name in (*SCHEMA_TEMPLATES, CUSTOM) else SCHEMA_TEMPLATES[0])


class SummaryOptions(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.shape = QComboBox()
        self.shape.setAccessibleName("Summary shape")
        for value, text in SHAPES:
            self.shape.addItem(text, value)
        self.shape.currentIndexChanged.connect(self._shape_changed)
        guard_wheel(self.shape)
        form.addRow("Shape", self.shape)
        self.bullets = QSpinBox()
        self.bullets.setRange(1, MAX_BULLETS)
        self.bullets.setValue(3)
        self.bullets.setSuffix(" bullets")
        self.bullets.setAccessibleName("Number of bullets")
        self.bullets.valueChanged.connect(self.changed)
        guard_wheel(self.bullets)
        form.addRow("Bullets", self.bullets)
        self.words = QSpinBox()
        self.words.setRange(10, 500)
        self.words.setSingleStep(10)
        self.words.setValue(60)
        self.words.setSuffix(" words")
        self.words.setAccessibleName("Target length in words")
        self.words.valueChanged.connect(self.changed)
        guard_wheel(self.words)
        form.addRow("Target length", self.words)
        hint = QLabel("The summary aims for about this many words; it may be shorter.")
        hint.setObjectName("caption")
        hint.setWordWrap(True)
        form.addRow(hint)
        self._form = form
        self._shape_changed()

    def _shape_changed(self) -> None:
        shape = self.shape.currentData()
        self._form.setRowVisible(self.bullets, shape == "bullets")
        if shape == "tldr" and self.words.value() > TLDR_WORDS:
            self.words.setValue(TLDR_WORDS)
        self.changed.emit()

    def problem(self) -> str:
        return ""

    def spec(self) -> SummarizeSpec:
        return SummarizeSpec(max_words=self.words.value(), shape=self.shape.currentData() or "paragraph",
                             bullets=self.bullets.value())
