"""The Batch page's results table: each item's answer, confidence and whether it stayed on this device."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QTableWidget, QVBoxLayout, QWidget

from app.batch import BatchProgress
from app.batch_export import records
from ui.classifiers_common import cell, table
from ui.tables import fit_columns

COLUMNS = ("Item", "Answer", "Confidence", "Where")


# why an answer below the threshold did not go to (or wait for) the cloud, by the router's typed reason
NOT_QUEUED = {"no_key": "no API key is set", "over_budget": "the monthly budget is spent",
              "policy_off": "the cloud is turned off", "model_not_allowed": "the cloud model is not allowed",
              "audit_unavailable": "the audit log cannot be written"}


def where(record: dict[str, Any]) -> str:
    if "error" in record:
        return "Could not run"
    if record.get("queued"):
        return "On this device · queued for later"
    if record.get("tier") in ("device", "local"):  # "local": files written before the org tier
        decision = record.get("decision")
        deny = decision.get("deny") if isinstance(decision, dict) else None
        return f"On this device · cloud not asked: {NOT_QUEUED[deny]}" if deny in NOT_QUEUED else "On this device"
    return str(record.get("tier_label") or "Cloud (with your consent)")


def answer_text(record: dict[str, Any]) -> str:
    if "error" in record:
        return str(record["error"])
    output = record.get("output")
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


def progress_text(p: BatchProgress) -> str:
    text = f"{p.done} of {p.total} done"
    if p.per_minute:
        text += f" · {p.per_minute:.1f} per minute"
    eta = p.eta_s
    if eta is not None and p.done < p.total:
        text += f" · about {_duration(eta)} left"
    if p.failed:
        text += f" · {p.failed} failed"
    return text


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class ResultsTable(QWidget):
    """A read-only table, one row per finished item (also those of an earlier, resumed run)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view: QTableWidget = table(COLUMNS, "Batch results", stretch=1)
        fit_columns(self.view, wrapping=(0, 1, 3))  # at 900×600 the answer was cut to "p…" and scrolled sideways
        layout.addWidget(self.view)

    def clear_rows(self) -> None:
        self.view.setRowCount(0)

    def load(self, results: Path) -> None:
        self.clear_rows()
        if results.exists():
            for record in records(results):
                self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        row = self.view.rowCount()
        self.view.insertRow(row)
        confidence = record.get("confidence")
        hint = str(record.get("hint", ""))
        self.view.setItem(row, 0, cell(str(record.get("id", "")), tip=str(record.get("source", ""))))
        self.view.setItem(row, 1, cell(answer_text(record), tip=hint))
        self.view.setItem(row, 2, cell(f"{confidence:.2f}" if isinstance(confidence, float | int) else "",
                                       right=True))
        self.view.setItem(row, 3, cell(where(record)))

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and screenshots)."""
        out = []
        for r in range(self.view.rowCount()):
            items = (self.view.item(r, c) for c in range(len(COLUMNS)))
            out.append(tuple(item.text() if item is not None else "" for item in items))
        return out
