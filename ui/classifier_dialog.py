"""The "New classifier" dialog: a name and the labels in one window wide enough for its own title and
text (the two stacked QInputDialogs it replaces cut both)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


class NewClassifierDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, name: str = "", labels: str = "",
                 labels_fixed: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("New classifier")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        title = QLabel("New classifier")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("e.g. support-intents")
        self.name.setAccessibleName("Classifier name")
        form.addRow("&Name", self.name)
        self.labels = QLineEdit(labels)
        self.labels.setPlaceholderText("billing, delivery, other")
        self.labels.setAccessibleName("Labels, separated by commas")
        self.labels.setReadOnly(labels_fixed)
        form.addRow("&Labels", self.labels)
        layout.addLayout(form)
        note = QLabel("Names use letters, digits, - _ and . Labels are separated by commas; you add examples of "
                      "each label next, then train it.")
        note.setObjectName("caption")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.textChanged.connect(self._update)
        self.labels.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.create_button.setEnabled(bool(self.name.text().strip()) and bool(self.labels.text().strip()))

    def values(self) -> tuple[str, str]:
        return self.name.text().strip(), self.labels.text()
