"""Threshold review: what last month's device confidences and corrections say about a task's threshold.

From the month's confidence bins (0.01 wide: answers, answers kept on the device, corrections):

- *lower* to ``t``: the answers in ``[t, current)`` that went off the device would have been kept. The
  lowest ``t`` (at most ``MAX_STEP`` below) is suggested whose window holds at least ``MIN_WINDOW``
  answers and whose correction rate is no worse than that of the answers already kept (``≥ current``).
- *raise* to ``t``: the answers in ``[current, t)`` kept on the device would have gone further. The
  highest ``t`` (at most ``MAX_STEP`` above) is suggested whose window holds at least ``MIN_CORRECTIONS``
  corrections at twice the correction rate or more of the (at least ``MIN_WINDOW``) answers above it.
- either way the suggestion is then moved as close to the current threshold as moves the same answers.
- otherwise: keep it, saying why.

Corrections are the only signal of a wrong answer the aggregates have (the user said "this should be
X"); a month with few answers gives "not enough answers" rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.store_usage import BINS, BinRow

MIN_WINDOW = 10
MIN_CORRECTIONS = 3
MAX_STEP = 30  # bins (0.30)


@dataclass(frozen=True)
class Candidate:
    threshold: float
    moved: int  # answers that would have changed side (kept more when lower, sent more when higher)
    corrected: int  # of the answers in the window, how many were corrected later


@dataclass(frozen=True)
class ThresholdReview:
    task: str
    current: float
    answers: int
    suggested: float | None
    sentence: str
    locked: bool
    candidates: tuple[Candidate, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "task": self.task, "current": self.current, "answers": self.answers, "suggested": self.suggested,
            "sentence": self.sentence, "locked": self.locked,
            "candidates": [{"threshold": c.threshold, "moved": c.moved, "corrected": c.corrected}
                           for c in self.candidates],
        }


@dataclass
class _Bins:
    answers: list[int]
    kept: list[int]
    corrections: list[int]

    @classmethod
    def of(cls, rows: Iterable[BinRow]) -> _Bins:
        bins = cls([0] * BINS, [0] * BINS, [0] * BINS)
        for row in rows:
            bins.answers[row.bin] += row.answers
            bins.kept[row.bin] += row.kept
            bins.corrections[row.bin] += row.corrections
        return bins

    def window(self, lo: int, hi: int) -> tuple[int, int, int]:
        """(answers, kept, corrections) in bins lo..hi-1."""
        s = slice(max(0, lo), min(BINS, hi))
        return sum(self.answers[s]), sum(self.kept[s]), sum(self.corrections[s])


def _rate(corrections: int, answers: int) -> float:
    return corrections / answers if answers else 0.0


def review_thresholds(task: str, current: float, rows: Iterable[BinRow], *, locked: bool = False) -> ThresholdReview:
    bins = _Bins.of(rows)
    total = sum(bins.answers)
    cur = round(current * BINS)
    candidates = [_candidate(bins, cur, t) for t in range(max(0, cur - MAX_STEP), min(BINS, cur + MAX_STEP) + 1)
                  if t != cur]
    if total == 0:
        return ThresholdReview(task, current, 0, None, f"No {task} answers this month: nothing to review.",
                               locked, tuple(candidates))
    lower = _lower(bins, cur)
    if lower is not None:
        moved, corrected = _moved(bins, cur, lower)
        sentence = (f"Lowering {task} from {current:.2f} to {lower / BINS:.2f} would have kept {moved} more "
                    f"answer{'s' * (moved != 1)} on the device ({_pct(moved, total)} of {total}); {corrected} of "
                    f"those {'was' if corrected == 1 else 'were'} later corrected.")
        return ThresholdReview(task, current, total, lower / BINS, sentence, locked, tuple(candidates))
    higher = _higher(bins, cur)
    if higher is not None:
        moved, corrected = _moved(bins, cur, higher)
        sentence = (f"Raising {task} from {current:.2f} to {higher / BINS:.2f} would have sent {moved} more "
                    f"answer{'s' * (moved != 1)} off the device ({_pct(moved, total)} of {total}); {corrected} of "
                    f"those {'was' if corrected == 1 else 'were'} later corrected.")
        return ThresholdReview(task, current, total, higher / BINS, sentence, locked, tuple(candidates))
    return ThresholdReview(task, current, total, None, _keep_sentence(task, current, bins, cur, total), locked,
                           tuple(candidates))


def _candidate(bins: _Bins, cur: int, t: int) -> Candidate:
    moved, corrected = _moved(bins, cur, t)
    return Candidate(t / BINS, moved, corrected)


def _moved(bins: _Bins, cur: int, t: int) -> tuple[int, int]:
    if t < cur:
        answers, kept, corrections = bins.window(t, cur)
        return answers - kept, corrections
    answers, kept, corrections = bins.window(cur, t)
    return kept, corrections


def _lower(bins: _Bins, cur: int) -> int | None:
    above_answers, _, above_corrections = bins.window(cur, BINS)
    accepted_rate = _rate(above_corrections, above_answers)
    best = None
    for t in range(cur - 1, max(-1, cur - MAX_STEP - 1), -1):
        answers, kept, corrections = bins.window(t, cur)
        if answers >= MIN_WINDOW and answers > kept and _rate(corrections, answers) <= accepted_rate:
            best = t
    if best is None:
        return None
    return next(b for b in range(best, cur) if bins.answers[b])  # the smallest change that keeps the same answers


def _higher(bins: _Bins, cur: int) -> int | None:
    best = None
    for t in range(cur + 1, min(BINS, cur + MAX_STEP) + 1):
        answers, kept, corrections = bins.window(cur, t)
        rest_answers, _, rest_corrections = bins.window(t, BINS)
        if (corrections >= MIN_CORRECTIONS and kept > 0 and rest_answers >= MIN_WINDOW
                and _rate(corrections, answers) >= 2 * _rate(rest_corrections, rest_answers)):
            best = t
    if best is None:
        return None
    return next(b for b in range(best - 1, cur - 1, -1) if bins.kept[b]) + 1  # the smallest change, same answers


def _keep_sentence(task: str, current: float, bins: _Bins, cur: int, total: int) -> str:
    below, below_kept, below_corr = bins.window(cur - MAX_STEP, cur)
    above, _, above_corr = bins.window(cur, BINS)
    if below < MIN_WINDOW:
        return (f"Keep {task} at {current:.2f}: {below} answer{'s' * (below != 1)} fell just below it this month "
                f"(of {total}), too few to say a lower threshold would do.")
    if below == below_kept:
        return f"Keep {task} at {current:.2f}: the answers below it were all kept on the device anyway."
    return (f"Keep {task} at {current:.2f}: answers just below it were corrected "
            f"{100 * _rate(below_corr, below):.0f} times per 100, those above it "
            f"{100 * _rate(above_corr, above):.0f} per 100.")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"
