"""The monthly review: volume, tiers, consents, the bill and quality signals, from the aggregates only.

``build_review(data, month, thresholds)`` reads :class:`ReviewData` (the rows of ``usage``,
``usage_confidence`` and ``usage_eval``: from this device's store via ``ReviewData.from_store``, or from
combined aggregate exports, :mod:`app.review_export`) and returns a :class:`Review` for ``month`` and the
months before it. Nothing here reads the history: deleting history keeps the bill.

Counting: *volume* is the messages run (``origin`` "run"); an answer the user later asked the cloud model
for ("rerun") and a queued request sent later ("queued") are the same message again, so they move it
from the device to the cloud instead of adding to the volume. *The bill*: ``frontier_usd`` is what every
message would have cost on the frontier model (the tokens the provider counted when it went, else the
character estimate of the request and the answer given, ``app.usage.frontier_equivalent``, priced from the
dated table when it was answered); ``spent_usd`` is what the provider was paid. Saving = frontier-only −
spent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.policy import EffectivePolicy, save_user_setting
from app.review_thresholds import ThresholdReview, review_thresholds
from app.store import Store
from app.store_usage import BinRow, EvalRow, UsageRow
from app.usage import profile_of
from inference.errors import InhouseError, InputInvalid
from inference.tasks.base import TaskRequest

if TYPE_CHECKING:
    from app.eval_scoring import ItemResult
    from app.eval_sets import EvalSet

log = logging.getLogger(__name__)

GIVEN = ("allow_once", "allow_session")
REFUSED = ("deny",)
DEVICE_TIERS = ("local", "device")


@dataclass(frozen=True)
class ReviewData:
    rows: tuple[UsageRow, ...]
    bins: tuple[BinRow, ...] = ()
    evals: tuple[EvalRow, ...] = ()

    @classmethod
    def from_store(cls, store: Store, until_month: str | None = None) -> ReviewData:
        return cls(tuple(store.usage_rows(until_month)), tuple(store.usage_bins(until_month)),
                   tuple(store.usage_evals()))

    def months(self) -> list[str]:
        return sorted({r.month for r in self.rows} | {b.month for b in self.bins})


@dataclass(frozen=True)
class Figures:
    """One group's month (a task and profile, a task, or everything)."""

    volume: int = 0  # messages run
    on_device: int = 0  # answered on the device in the end
    tiers: Mapping[str, int] = field(default_factory=dict)  # answers shown, per tier (reruns move them)
    escalated: int = 0  # answered by a tier off the device
    consents_given: int = 0
    consents_refused: int = 0
    queued: int = 0  # messages put in the queue (not yet sent)
    reruns: int = 0  # past answers the user asked the cloud model for, answered there
    frontier_usd: float = 0.0  # the bill had every message gone to the frontier model
    spent_usd: float = 0.0
    frontier_input_tokens: int = 0
    frontier_output_tokens: int = 0
    confidence_sum: float = 0.0
    corrections: int = 0

    @property
    def saving_usd(self) -> float:
        return self.frontier_usd - self.spent_usd

    @property
    def saving_pct(self) -> float | None:
        return 100.0 * self.saving_usd / self.frontier_usd if self.frontier_usd > 0 else None

    @property
    def frontier_per_message(self) -> float | None:
        return self.frontier_usd / self.volume if self.volume else None

    @property
    def spent_per_message(self) -> float | None:
        return self.spent_usd / self.volume if self.volume else None

    @property
    def on_device_share(self) -> float | None:
        return self.on_device / self.volume if self.volume else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.volume if self.volume else None

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.volume if self.volume else None

    @property
    def corrections_per_100(self) -> float | None:
        return 100.0 * self.corrections / self.volume if self.volume else None

    def to_json(self) -> dict[str, object]:
        def r(value: float | None, digits: int = 4) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "volume": self.volume, "on_device": self.on_device, "on_device_share": r(self.on_device_share),
            "tiers": dict(self.tiers), "escalated": self.escalated, "escalation_rate": r(self.escalation_rate),
            "consents_given": self.consents_given, "consents_refused": self.consents_refused,
            "queued": self.queued, "reruns": self.reruns,
            "frontier_usd": r(self.frontier_usd, 6), "spent_usd": r(self.spent_usd, 6),
            "saving_usd": r(self.saving_usd, 6), "saving_pct": r(self.saving_pct, 2),
            "frontier_per_message_usd": r(self.frontier_per_message, 6),
            "spent_per_message_usd": r(self.spent_per_message, 6),
            "frontier_input_tokens": self.frontier_input_tokens,
            "frontier_output_tokens": self.frontier_output_tokens,
            "mean_confidence": r(self.mean_confidence), "corrections": self.corrections,
            "corrections_per_100": r(self.corrections_per_100, 2),
        }


def figures(rows: Iterable[UsageRow], bins: Iterable[BinRow] = ()) -> Figures:
    """Add up rows (one month, any grouping) into the review's figures."""
    volume = on_device = escalated = given = refused = queued = reruns = 0
    frontier_usd = spent_usd = confidence_sum = 0.0
    f_in = f_out = 0
    tiers: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.origin != "run"):  # runs first: later answers move them
        n = row.answers
        spent_usd += row.spent_usd
        device = row.tier in DEVICE_TIERS
        if row.origin == "run":
            volume += n
            frontier_usd += row.frontier_usd
            f_in += row.frontier_input_tokens
            f_out += row.frontier_output_tokens
            confidence_sum += row.confidence_sum
            tiers[row.tier] = tiers.get(row.tier, 0) + n
            on_device += n if device else 0
            escalated += 0 if device else n
        elif not device:  # the same message again, answered off the device now: it moves there
            tiers[row.tier] = tiers.get(row.tier, 0) + n
            escalated += n
            reruns += n if row.origin == "rerun" else 0
            moved_from = next((t for t in DEVICE_TIERS if tiers.get(t)), DEVICE_TIERS[0])
            tiers[moved_from] = tiers.get(moved_from, 0) - n
            on_device -= n
        given += n if row.consent in GIVEN else 0
        refused += n if row.consent in REFUSED else 0
        queued += n if row.action == "queue" and row.origin == "run" else 0
    corrections = sum(b.corrections for b in bins)
    return Figures(volume, max(0, on_device), {k: v for k, v in tiers.items() if v > 0}, escalated, given, refused,
                   queued, reruns, frontier_usd, spent_usd, f_in, f_out, confidence_sum, corrections)


@dataclass(frozen=True)
class Group:
    task: str
    profile: str  # "" = the task's zero-shot / unnamed requests; "*" = the whole task
    figures: Figures
    eval_accuracy: float | None = None  # the latest eval's accuracy at the current threshold
    eval_items: int = 0

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"task": self.task, "profile": self.profile, **self.figures.to_json()}
        if self.eval_accuracy is not None:
            data.update(eval_accuracy=round(self.eval_accuracy, 4), eval_items=self.eval_items)
        return data


@dataclass(frozen=True)
class MonthPoint:
    month: str
    figures: Figures


@dataclass(frozen=True)
class Review:
    month: str
    total: Figures
    tasks: tuple[Group, ...]  # per task (profile "*")
    profiles: tuple[Group, ...]  # per task and profile
    history: tuple[MonthPoint, ...]  # the month and the ones before it, oldest first
    thresholds: tuple[ThresholdReview, ...]
    histograms: Mapping[str, tuple[int, ...]]  # task -> answers per 0.01 confidence bin, this month
    empty: bool  # nothing was recorded in the month

    def to_json(self) -> dict[str, object]:
        return {
            "month": self.month, "empty": self.empty, "total": self.total.to_json(),
            "tasks": [g.to_json() for g in self.tasks], "profiles": [g.to_json() for g in self.profiles],
            "history": [{"month": p.month, **p.figures.to_json()} for p in self.history],
            "thresholds": [t.to_json() for t in self.thresholds],
            "histograms": {task: list(counts) for task, counts in self.histograms.items()},
        }


def build_review(data: ReviewData, month: str, thresholds: Mapping[str, float],
                 locked: Iterable[str] = (), months_back: int = 12) -> Review:
    """The review of ``month`` (YYYY-MM); ``thresholds``: task -> the device threshold now in force."""
    rows = [r for r in data.rows if r.month == month]
    bins = [b for b in data.bins if b.month == month]
    tasks = sorted({r.task for r in rows} | {b.task for b in bins} | set(thresholds))
    task_groups = []
    profile_groups = []
    for task in tasks:
        t_rows = [r for r in rows if r.task == task]
        t_bins = [b for b in bins if b.task == task]
        if not t_rows and not t_bins:
            continue
        task_groups.append(Group(task, "*", figures(t_rows, t_bins)))
        for profile in sorted({r.profile for r in t_rows} | {b.profile for b in t_bins}):
            p_rows = [r for r in t_rows if r.profile == profile]
            p_bins = [b for b in t_bins if b.profile == profile]
            accuracy, items = _latest_eval(data.evals, task, profile, month)
            profile_groups.append(Group(task, profile, figures(p_rows, p_bins), accuracy, items))
    earlier = [m for m in data.months() if m <= month][-months_back:]
    if month not in earlier:
        earlier.append(month)
    history = tuple(MonthPoint(m, figures([r for r in data.rows if r.month == m],
                                          [b for b in data.bins if b.month == m])) for m in sorted(earlier))
    histograms = {task: _histogram([b for b in bins if b.task == task]) for task in tasks}
    locked_set = set(locked)
    reviews = tuple(review_thresholds(task, thresholds[task], [b for b in bins if b.task == task],
                                      locked=f"thresholds.{task}" in locked_set)
                    for task in tasks if task in thresholds)
    return Review(month, figures(rows, bins), tuple(task_groups), tuple(profile_groups), history, reviews,
                  histograms, empty=not rows and not bins)


def _histogram(bins: Iterable[BinRow]) -> tuple[int, ...]:
    counts = [0] * 100
    for b in bins:
        counts[b.bin] += b.answers
    return tuple(counts)


def _latest_eval(evals: Iterable[EvalRow], task: str, profile: str, month: str) -> tuple[float | None, int]:
    found = [e for e in evals if e.task == task and e.profile == profile and e.created[:7] <= month]
    if not found:
        return None, 0
    last = found[-1]
    return last.accuracy_at_threshold, last.items


# -- this device's review ---------------------------------------------------------------------------

TASKS = ("classify", "extract", "summarize")


def thresholds_in_force(effective: EffectivePolicy) -> dict[str, float]:
    """The device threshold of each task now (``thresholds.<task>``)."""
    return {task: effective.policy.thresholds.for_task(task) for task in TASKS}


def locked_keys(effective: EffectivePolicy) -> list[str]:
    return [f"thresholds.{task}" for task in TASKS if effective.is_locked(f"thresholds.{task}")]


def parse_month(text: str) -> str:
    """``YYYY-MM`` checked (InputInvalid otherwise)."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise InputInvalid(f"'{text}' is not a month.", hint="Write it as YYYY-MM, e.g. 2026-11.") from None


def current_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def review_store(store: Store, effective: EffectivePolicy, month: str | None = None) -> Review:
    """This device's review of ``month`` (default: the current month), from the aggregates only."""
    chosen = month or current_month()
    return build_review(ReviewData.from_store(store, chosen), chosen, thresholds_in_force(effective),
                        locked_keys(effective))


def record_eval_run(store: Store, evalset: EvalSet, local: Sequence[ItemResult], threshold: float) -> None:
    """Keep an eval run's accuracy at the threshold now in force (the review shows the latest per profile):
    the share of good answers among the items whose device confidence is at or above ``threshold``."""
    from app.eval_scoring import score_items

    scores = score_items(evalset, local)
    kept = [s.good for r, s in zip(local, scores, strict=True)
            if r.confidence is not None and r.confidence >= threshold]
    accuracy = sum(kept) / len(kept) if kept else None
    try:
        store.record_usage_eval(evalset.task, profile_of(TaskRequest("", evalset.spec)), len(local), threshold,
                                accuracy, len(kept) / len(local) if local else 0.0)
    except InhouseError as err:
        log.warning("The eval run was not kept for the review: %s", err)


def apply_threshold(effective: EffectivePolicy, task: str, value: float) -> None:
    """Set the task's device threshold in the user's policy file (PolicyLocked when the admin set it)."""
    if task not in TASKS:
        raise InputInvalid(f"'{task}' is not a task.", hint=f"One of: {', '.join(TASKS)}.")
    save_user_setting(f"thresholds.{task}", round(value, 2), user_path=effective.user_path,
                      admin_path=effective.admin_path)
