"""The review's aggregates in the database (tables ``usage``, ``usage_confidence``, ``usage_eval``, see
:mod:`app.migrations` m006): one upsert per answer, no text, never pruned with the history.

:mod:`app.usage` turns an outcome into a :class:`UsageEvent`; :mod:`app.review` reads the rows back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from app.store_db import StoreBase, utc_iso

BINS = 100  # confidence bins of 0.01


@dataclass(frozen=True)
class UsageEvent:
    """One answer, as the review counts it (no text, no label)."""

    month: str  # YYYY-MM
    task: str
    profile: str
    origin: str  # run | rerun | queued
    tier: str
    action: str
    consent: str
    priced_model: str
    confidence: float  # the device's
    frontier_input_tokens: int
    frontier_output_tokens: int
    frontier_usd: float
    spent_input_tokens: int = 0
    spent_output_tokens: int = 0
    spent_usd: float = 0.0

    @property
    def kept_on_device(self) -> bool:
        return self.tier in ("local", "device")


@dataclass(frozen=True)
class UsageRow:
    month: str
    task: str
    profile: str
    origin: str
    tier: str
    action: str
    consent: str
    priced_model: str
    answers: int
    confidence_sum: float
    frontier_input_tokens: int
    frontier_output_tokens: int
    frontier_usd: float
    spent_input_tokens: int
    spent_output_tokens: int
    spent_usd: float


@dataclass(frozen=True)
class BinRow:
    month: str
    task: str
    profile: str
    bin: int
    answers: int
    kept: int
    corrections: int


@dataclass(frozen=True)
class EvalRow:
    created: str
    task: str
    profile: str
    items: int
    threshold: float
    accuracy_at_threshold: float | None
    kept_share: float


def confidence_bin(confidence: float) -> int:
    """0..99: floor(confidence × 100), 1.0 in the top bin."""
    return min(BINS - 1, max(0, int(confidence * BINS)))


_ADD_USAGE = """
INSERT INTO usage (month, task, profile, origin, tier, action, consent, priced_model, answers, confidence_sum,
                   frontier_input_tokens, frontier_output_tokens, frontier_usd,
                   spent_input_tokens, spent_output_tokens, spent_usd)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (month, task, profile, origin, tier, action, consent, priced_model) DO UPDATE SET
  answers = answers + 1, confidence_sum = confidence_sum + excluded.confidence_sum,
  frontier_input_tokens = frontier_input_tokens + excluded.frontier_input_tokens,
  frontier_output_tokens = frontier_output_tokens + excluded.frontier_output_tokens,
  frontier_usd = frontier_usd + excluded.frontier_usd,
  spent_input_tokens = spent_input_tokens + excluded.spent_input_tokens,
  spent_output_tokens = spent_output_tokens + excluded.spent_output_tokens,
  spent_usd = spent_usd + excluded.spent_usd
"""

_ADD_BIN = """
INSERT INTO usage_confidence (month, task, profile, bin, answers, kept, corrections) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (month, task, profile, bin) DO UPDATE SET
  answers = answers + excluded.answers, kept = kept + excluded.kept, corrections = corrections + excluded.corrections
"""


class UsageStore(StoreBase):
    """Writes and reads the review's aggregates."""

    def record_usage(self, event: UsageEvent) -> None:
        """Count one answer (one transaction: the usage row and, for a first run, its confidence bin)."""
        e = event
        with self._write() as conn:
            conn.execute(_ADD_USAGE, [
                e.month, e.task, e.profile, e.origin, e.tier, e.action, e.consent, e.priced_model, e.confidence,
                e.frontier_input_tokens, e.frontier_output_tokens, e.frontier_usd,
                e.spent_input_tokens, e.spent_output_tokens, e.spent_usd,
            ])
            if e.origin == "run":  # a rerun or a queued send is the same message again: its bin counts once
                conn.execute(_ADD_BIN, [e.month, e.task, e.profile, confidence_bin(e.confidence), 1,
                                        int(e.kept_on_device), 0])

    def record_usage_correction(self, month: str, task: str, profile: str, confidence: float) -> None:
        """The user corrected an answer with this device confidence."""
        with self._write() as conn:
            conn.execute(_ADD_BIN, [month, task, profile, confidence_bin(confidence), 0, 0, 1])

    def record_usage_eval(self, task: str, profile: str, items: int, threshold: float,
                          accuracy_at_threshold: float | None, kept_share: float) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO usage_eval (created, task, profile, items, threshold, accuracy_at_threshold, "
                "kept_share) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [utc_iso(), task, profile, items, threshold, accuracy_at_threshold, kept_share],
            )

    def usage_rows(self, until_month: str | None = None) -> list[UsageRow]:
        """Every aggregate row up to and including ``until_month`` (all when None), oldest month first."""
        rows = self._select("SELECT * FROM usage WHERE month <= ? ORDER BY month, task, profile",
                            [until_month or "9999-99"])
        return [UsageRow(**_plain(r)) for r in rows]

    def usage_bins(self, until_month: str | None = None) -> list[BinRow]:
        rows = self._select("SELECT * FROM usage_confidence WHERE month <= ? ORDER BY month, task, profile, bin",
                            [until_month or "9999-99"])
        return [BinRow(**_plain(r)) for r in rows]

    def usage_evals(self) -> list[EvalRow]:
        rows = self._select("SELECT * FROM usage_eval ORDER BY id")
        return [EvalRow(**{k: v for k, v in _plain(r).items() if k != "id"}) for r in rows]


def _plain(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping
