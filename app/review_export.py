"""A fleet view without content: the review's aggregates exported as counts, rates, costs and thresholds,
and several exports combined into one table.

``export_aggregate(data, thresholds, allow_labels)`` holds no message text and no label: the profile names
(a classifier's or a schema's name can say what a team works on) become "profile 1", "profile 2"… unless
the admin policy allows labels (``review.export_labels``). ``load_aggregate(path)`` validates a file
whole (``AggregateInvalid`` says what is wrong); ``combine(files)`` adds them up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.documents import require_file
from app.json_files import loads
from app.output_paths import same_file
from app.review import Figures, ReviewData, figures
from app.store_usage import BinRow, EvalRow, UsageRow
from inference.errors import InputInvalid

FORMAT = "inhouse-review-aggregate"
VERSION = 1


class AggregateInvalid(InputInvalid):
    hint = "Give files written by `inhouse review --export-aggregate PATH` (one per person or device)."


def export_aggregate(data: ReviewData, thresholds: Mapping[str, float], *, allow_labels: bool,
                     until_month: str | None = None) -> dict[str, Any]:
    names = sorted({r.profile for r in data.rows} | {b.profile for b in data.bins} | {e.profile for e in data.evals})
    alias = {name: name if allow_labels or not name else f"profile {i}"
             for i, name in enumerate((n for n in names if n), start=1)}
    alias[""] = ""
    return {
        "format": FORMAT, "version": VERSION, "exported": datetime.now(UTC).date().isoformat(),
        "until_month": until_month, "labels": allow_labels,
        "thresholds": {task: float(value) for task, value in sorted(thresholds.items())},
        "usage": [{**asdict(r), "profile": alias[r.profile]} for r in data.rows],
        "confidence": [{**asdict(b), "profile": alias[b.profile]} for b in data.bins if b.answers or b.corrections],
        "evals": [{**asdict(e), "profile": alias[e.profile], "created": e.created[:7]} for e in data.evals],
    }


def write_aggregate(path: Path, document: Mapping[str, Any]) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


@dataclass(frozen=True)
class Aggregate:
    source: str  # the file's name
    data: ReviewData
    thresholds: Mapping[str, float]


def load_aggregates(paths: Sequence[Path]) -> list[Aggregate]:
    """Every export, each once: the same file given twice (by any path or link) or two files with the same
    content (a copy) would count the same answers twice, so they are refused, naming both."""
    seen: dict[str, Path] = {}
    for path in paths:
        for earlier in seen.values():
            if same_file(Path(earlier), Path(path)):
                raise AggregateInvalid(f"{path} is given twice ({earlier} is the same file); combining it twice "
                                       "would count its answers twice.", hint="Give each export once.")
        require_file(Path(path))
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if digest in seen:
            raise AggregateInvalid(f"{path} and {seen[digest]} are the same export (identical content); combining "
                                   "both would count its answers twice.", hint="Give each export once.")
        seen[digest] = Path(path)
    return [load_aggregate(path) for path in paths]


def load_aggregate(path: Path) -> Aggregate:
    path = Path(path)
    try:
        require_file(path)
        doc = loads(path.read_text(encoding="utf-8"), path.name)
    except FileNotFoundError:
        raise AggregateInvalid(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AggregateInvalid(f"{path.name} is not an aggregate export (not JSON: {exc}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AggregateInvalid(f"{path.name} is not an Inhouse review aggregate (no \"format\": \"{FORMAT}\").")
    if doc.get("version") != VERSION:
        raise AggregateInvalid(f"{path.name} is aggregate version {doc.get('version')!r}; this Inhouse reads "
                               f"version {VERSION}.", hint="Export it again with this version of Inhouse.")
    rows = tuple(_rows(UsageRow, doc.get("usage"), path.name, "usage"))
    bins = tuple(_rows(BinRow, doc.get("confidence"), path.name, "confidence"))
    evals = tuple(_rows(EvalRow, doc.get("evals", []), path.name, "evals"))
    thresholds = doc.get("thresholds")
    if not isinstance(thresholds, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in thresholds.values()):
        raise AggregateInvalid(f"{path.name}: \"thresholds\" must map each task to a number between 0 and 1.")
    return Aggregate(path.name, ReviewData(rows, bins, evals), {str(k): float(v) for k, v in thresholds.items()})


_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float),
                                       "float | None": (int, float, type(None))}


def _rows(kind: type[Any], items: object, name: str, key: str) -> list[Any]:
    if not isinstance(items, list):
        raise AggregateInvalid(f"{name}: \"{key}\" must be a list.")
    expected = {f.name: _TYPES[str(f.type)] for f in fields(kind)}
    out = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != set(expected):
            raise AggregateInvalid(f"{name}: {key} entry {number} must have exactly the fields "
                                   f"{', '.join(sorted(expected))}.")
        for field_name, types in expected.items():
            value = item[field_name]
            if isinstance(value, bool) or not isinstance(value, types):
                raise AggregateInvalid(f"{name}: {key} entry {number}: {field_name} has the wrong type.")
        if key == "confidence" and not 0 <= item["bin"] < 100:
            raise AggregateInvalid(f"{name}: confidence entry {number}: bin must be 0..99.")
        out.append(kind(**item))
    return out


@dataclass(frozen=True)
class CombinedRow:
    source: str
    month: str
    figures: Figures
    thresholds: Mapping[str, float]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "month": self.month, **self.figures.to_json(),
                "thresholds": dict(self.thresholds)}


def combine(aggregates: Sequence[Aggregate], month: str | None = None) -> tuple[str, list[CombinedRow]]:
    """One row per file for ``month`` (default: the latest month any file has), then the sum ("all")."""
    months = sorted({r.month for a in aggregates for r in a.data.rows})
    chosen = month or (months[-1] if months else datetime.now(UTC).strftime("%Y-%m"))
    out = []
    for a in aggregates:
        out.append(CombinedRow(a.source, chosen, _month(a.data, chosen), a.thresholds))
    everything = ReviewData(tuple(r for a in aggregates for r in a.data.rows),
                            tuple(b for a in aggregates for b in a.data.bins))
    out.append(CombinedRow("all", chosen, _month(everything, chosen), {}))
    return chosen, out


def _month(data: ReviewData, month: str) -> Figures:
    return figures([r for r in data.rows if r.month == month], [b for b in data.bins if b.month == month])
