"""“This field should be…”: the user says what one field of an extraction should have been.

Three answers: the value as it is written in the text (typed, or the text selected in the result's view
of the input), or "not in the text". ``correction()`` gives ``(field, value)`` with value a string, a
``[start, end]`` selection, or None.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class FieldCorrectionDialog(QDialog):
    def __init__(self, fields: list[str], current: dict[str, str], text: str, selection: tuple[int, int] | None,
                 field: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("This field should be…")
        self.text, self.selection, self.current = text, selection, current
        layout = QVBoxLayout(self)
        intro = QLabel("The message becomes an example for this schema's extractor, with this field corrected and "
                       "the others as they are. Train the extractor again (Extractors page) for it to count.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.field = QComboBox()
        self.field.addItems(fields)
        self.field.setAccessibleName("Field")
        if field in fields:
            self.field.setCurrentText(field)
        form.addRow("Field", self.field)
        self.written = QRadioButton("Should be, as written in the text:")
        self.value = QLineEdit()
        self.value.setAccessibleName("The right value, as written in the text")
        self.selected = QRadioButton(self._selection_label())
        self.selected.setEnabled(selection is not None)
        self.absent = QRadioButton("Is not in the text")
        self.choice = QButtonGroup(self)
        for button in (self.written, self.selected, self.absent):
            self.choice.addButton(button)
        form.addRow(self.written)
        form.addRow(self.value)
        form.addRow(self.selected)
        form.addRow(self.absent)
        layout.addLayout(form)
        (self.selected if selection is not None else self.written).setChecked(True)
        self.field.currentTextChanged.connect(self._field_changed)
        self.value.textEdited.connect(lambda _: self.written.setChecked(True))
        self._field_changed(self.field.currentText())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.keep_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.keep_button.setText("Keep as an example")
        self.value.textChanged.connect(self._update)
        self.choice.buttonToggled.connect(self._update)
        self._update()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _update(self) -> None:
        """Nothing to keep while "as written in the text" is chosen with the value left empty."""
        self.keep_button.setEnabled(not (self.written.isChecked() and not self.value.text().strip()))

    def _selection_label(self) -> str:
        if self.selection is None:
            return "Is the text selected in the result (select it there first)"
        start, end = self.selection
        return f"Is the selected text: “{self.text[start:end]}”"

    def _field_changed(self, name: str) -> None:
        self.value.setText(self.current.get(name, ""))

    def correction(self) -> tuple[str, str | list[int] | None]:
        name = self.field.currentText()
        if self.absent.isChecked():
            return name, None
        if self.selected.isChecked() and self.selection is not None:
            return name, [self.selection[0], self.selection[1]]
        return name, self.value.text().strip() or None
