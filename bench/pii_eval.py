"""Precision and recall of inference.redact on the PII test set (resources/eval/pii.jsonl).

Usage: python bench/pii_eval.py [--split test|dev|all] [--match overlap|exact] [--errors] [--file PATH]

Span level. A predicted span matches a gold span of the same kind when they overlap (``overlap``, the
default: the value is hidden either way) or have identical boundaries (``exact``); each gold span is
matched at most once. Prints a per-kind table, then one JSON line with every number.
The set has a ``split`` field: ``dev`` lines were used while writing the detectors, ``test`` lines
are the ones to report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.redact import KINDS, Detection, detect  # noqa: E402

DEFAULT_FILE = ROOT / "resources" / "eval" / "pii.jsonl"


@dataclass(frozen=True)
class Example:
    id: int
    split: str
    text: str
    gold: tuple[Detection, ...]


@dataclass
class Tally:
    tp_pred: int = 0  # predictions that match a gold span
    tp_gold: int = 0  # gold spans that are matched
    pred: int = 0
    gold: int = 0

    def precision(self) -> float:
        return self.tp_pred / self.pred if self.pred else 1.0

    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 1.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path, split: str) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split != "all" and row["split"] != split:
            continue
        gold = tuple(Detection(e["start"], e["end"], e["kind"]) for e in row["entities"])
        examples.append(Example(row["id"], row["split"], row["text"], gold))
    return examples


def _matches(a: Detection, b: Detection, mode: str) -> bool:
    if a.kind != b.kind:
        return False
    if mode == "exact":
        return (a.start, a.end) == (b.start, b.end)
    return a.start < b.end and b.start < a.end


@dataclass
class Scores:
    tallies: dict[str, Tally]
    seconds: float
    texts_with_pii: int = 0
    texts_fully_hidden: int = 0  # every gold span of the text was hidden
    texts_without_pii: int = 0
    texts_left_alone: int = 0  # texts without PII where nothing was redacted


def _score_one(ex: Example, mode: str, scores: Scores, errors: list[str] | None) -> None:
    tallies = scores.tallies
    pred = detect(ex.text)
    used: set[int] = set()
    for p in pred:
        tallies[p.kind].pred += 1
        hit = next((i for i, g in enumerate(ex.gold) if i not in used and _matches(p, g, mode)), None)
        if hit is None:
            if errors is not None:
                errors.append(f"#{ex.id} FP {p.kind}: {ex.text[p.start : p.end]!r}")
            continue
        used.add(hit)
        tallies[p.kind].tp_pred += 1
    for i, g in enumerate(ex.gold):
        tallies[g.kind].gold += 1
        if i in used:
            tallies[g.kind].tp_gold += 1
        elif errors is not None:
            errors.append(f"#{ex.id} FN {g.kind}: {ex.text[g.start : g.end]!r}")
    if ex.gold:
        scores.texts_with_pii += 1
        scores.texts_fully_hidden += len(used) == len(ex.gold)
    else:
        scores.texts_without_pii += 1
        scores.texts_left_alone += not pred


def score(examples: Iterable[Example], mode: str, errors: list[str] | None = None) -> Scores:
    scores = Scores({kind: Tally() for kind in KINDS}, 0.0)
    started = time.perf_counter()
    for ex in examples:
        _score_one(ex, mode, scores, errors)
    scores.seconds = time.perf_counter() - started
    return scores


def overall(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for t in tallies.values():
        total.tp_pred += t.tp_pred
        total.tp_gold += t.tp_gold
        total.pred += t.pred
        total.gold += t.gold
    return total


def report(scores: Scores, split: str, mode: str) -> dict[str, object]:
    n_texts = scores.texts_with_pii + scores.texts_without_pii
    print(f"split={split} match={mode} texts={n_texts}")
    print(f"{'kind':<8} {'gold':>5} {'pred':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    rows = {**scores.tallies, "OVERALL": overall(scores.tallies)}
    for kind, t in rows.items():
        print(f"{kind:<8} {t.gold:>5} {t.pred:>5} {t.precision():>9.3f} {t.recall():>7.3f} {t.f1():>6.3f}")
    print(f"texts with PII fully hidden: {scores.texts_fully_hidden}/{scores.texts_with_pii}")
    print(f"texts without PII left untouched: {scores.texts_left_alone}/{scores.texts_without_pii}")
    return {
        "split": split,
        "match": mode,
        "texts": n_texts,
        "seconds": round(scores.seconds, 4),
        "texts_fully_hidden": [scores.texts_fully_hidden, scores.texts_with_pii],
        "texts_left_alone": [scores.texts_left_alone, scores.texts_without_pii],
        "per_kind": {
            k: {"gold": t.gold, "pred": t.pred, "precision": round(t.precision(), 4),
                "recall": round(t.recall(), 4), "f1": round(t.f1(), 4)}
            for k, t in rows.items()
        },
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("test", "dev", "all"), default="test")
    parser.add_argument("--match", choices=("overlap", "exact"), default="overlap")
    parser.add_argument("--errors", action="store_true", help="list false positives and misses")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    examples = load(args.file, args.split)
    errors: list[str] | None = [] if args.errors else None
    summary = report(score(examples, args.match, errors), args.split, args.match)
    for line in errors or ():
        print(line)
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
