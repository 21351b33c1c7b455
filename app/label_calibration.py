"""Zero-shot label sets: the evidence behind their confidence, kept on the device.

A zero-shot answer's confidence is only "calibrated" with evidence: texts whose right label is known —
from an eval set run (``inhouse eval``), the user's corrections ("This should be…"), or a consented
frontier answer — together with the zero-shot probabilities the local model gave them. Each label set
(labels in any order, descriptions, few-shot examples) has one file ``<data dir>/calibration/KEY.json``
holding that evidence (a hash of each text, never the text) and the recalibration fitted on it
(``inference.label_calibration``: a temperature and a bias per label, figures from cross-validation).

A label set counts as calibrated when it has at least ``MIN_EVIDENCE`` items of the current model, of at
least two labels, and its held-out AUROC (cross-validated: every item predicted by a fit that did not see
it) is at least ``MIN_AUROC``: below that the confidence does not tell right answers from wrong ones well
enough to keep an answer on the device because of it. Otherwise results say "uncalibrated" and the policy
key ``thresholds.uncalibrated`` decides what that means (``app.router``).

Descriptions and few-shot examples are part of the key because they change the prompt, and so the scores
the fit was made on: a fit is never used for another prompt's scores. An uncalibrated result whose labels
are calibrated with another prompt says so (``elsewhere``), so that classify can ask the same way
(``inhouse classify --descriptions``). An eval set is scored with ``fit_for(..., without=its items'
text hashes)``: a fit on the other evidence only, so that its figures are never measured on the items the
calibration was fitted on, and the same set run twice gives the same figures.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from app import paths
from inference.label_calibration import HeldOut, LabelCalibrator, fit, held_out
from inference.tasks.base import Calibration, ClassifySpec, TaskResult

SOURCES = ("eval", "example", "correction", "frontier")
MIN_EVIDENCE = 12
MIN_AUROC = 0.75
MAX_EVIDENCE = 5_000  # the oldest items are dropped beyond this
VERSION = 1


def label_set_key(spec: ClassifySpec) -> str:
    """The same for the same labels in any order, descriptions and few-shot examples."""
    doc = {"labels": sorted(spec.labels), "descriptions": sorted(spec.descriptions),
           "examples": sorted(spec.examples)}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode("utf-8")).hexdigest()[:24]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Evidence:
    text_hash: str
    label: str
    source: str
    model: str
    zero_shot: dict[str, float]


@dataclass(frozen=True)
class Fit:
    """The recalibration of one label set for one model, and how well it did on held-out evidence."""

    model: str
    calibrator: LabelCalibrator
    held_out: HeldOut
    sources: dict[str, int]
    fitted: str
    besides: bool = False  # fitted for an eval set: on the evidence that is none of the set's own items

    @property
    def trusted(self) -> bool:
        return self.held_out.n >= MIN_EVIDENCE and (self.held_out.auroc or 0.0) >= MIN_AUROC

    def basis(self) -> str:
        h = self.held_out
        where = ", ".join(f"{n} {src}" for src, n in sorted(self.sources.items()))
        auroc = "n/a" if h.auroc is None else f"{h.auroc:.2f}"
        figures = f"held-out accuracy {h.accuracy:.2f}, AUROC {auroc}"
        other = " other" if self.besides else ""
        if self.trusted:
            return f"Calibrated on {h.n}{other} labelled examples ({where}): {figures}."
        if h.n < MIN_EVIDENCE:
            so_far = "besides this set's own" if self.besides else "so far"
            return (f"Uncalibrated: {h.n} labelled examples {so_far} ({MIN_EVIDENCE} needed). Correct answers, "
                    "run an eval set or teach a classifier.")
        return (f"Uncalibrated: on {h.n}{other} labelled examples ({where}) the confidence separates right from "
                f"wrong answers too poorly ({figures}; {MIN_AUROC:.2f} needed). Teach a classifier for these labels.")


NO_EVIDENCE = ("Uncalibrated: no labelled examples for these labels yet. Correct a few answers, run an eval set "
               "or teach a classifier.")
NO_OTHER_EVIDENCE = ("Uncalibrated: no labelled examples for these labels besides this set's own items (a set is "
                     "never scored with a calibration fitted on its own items).")


class CalibrationStore:
    """One JSON file per label set. Safe to share between threads; every write replaces the file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._fits: dict[tuple[str, str, frozenset[str]], tuple[tuple[int, int], Fit | None]] = {}
        self._elsewhere: dict[tuple[str, str], tuple[tuple[tuple[str, int], ...], str]] = {}

    @classmethod
    def open_default(cls) -> CalibrationStore:
        return cls(paths.current().data_dir / "calibration")

    def path(self, spec: ClassifySpec) -> Path:
        return self.root / f"{label_set_key(spec)}.json"

    # -- reading ------------------------------------------------------------------------------------
    def fit_for(self, spec: ClassifySpec, model: str, without: frozenset[str] = frozenset()) -> Fit | None:
        """The label set's recalibration for ``model``. ``without``: text hashes (``text_hash``) whose
        evidence must not count — an eval set's own items: the fit is then made again on the rest (None
        when nothing is left) and its basis speaks of "other" examples."""
        path = self.path(spec)
        key = (path.name, model, without)
        with self._lock:
            try:
                stat = path.stat()
            except OSError:  # none stored, or the data dir is unusable (a plain file, no permission): uncalibrated
                return None
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._fits.get(key)
            if cached and cached[0] == stamp:
                return cached[1]
            doc = self._read(path)
            found = _parse_fit(doc.get("fit", {}).get(model)) if doc else None
            if doc and without:
                evidence = [_parse_evidence(e) for e in doc.get("evidence", [])]
                rest = [e for e in evidence if e.text_hash not in without]
                if len(rest) < len(evidence):
                    found = refit(rest, tuple(sorted(spec.labels)), model)
                found = replace(found, besides=True) if found else None
            self._fits[key] = (stamp, found)
            return found

    def evidence(self, spec: ClassifySpec) -> list[Evidence]:
        doc = self._read(self.path(spec))
        return [_parse_evidence(e) for e in doc.get("evidence", [])] if doc else []

    def calibrate(self, spec: ClassifySpec, model: str, result: TaskResult,
                  without: frozenset[str] = frozenset()) -> TaskResult:
        """A zero-shot result with recalibrated probabilities when the label set is calibrated, and in any
        case with its ``Calibration`` (the zero-shot probabilities kept for use as evidence). ``without``:
        as in ``fit_for`` (an eval set's own items never calibrate its scores)."""
        zero_shot = dict(result.probabilities or {})
        found = self.fit_for(spec, model, without)
        if found is None or not found.trusted:
            basis = found.basis() if found else NO_OTHER_EVIDENCE if without else NO_EVIDENCE
            if not without:
                basis += self.elsewhere(spec, model)
            return replace(result, calibration=Calibration("uncalibrated", basis, found.held_out.n if found else 0,
                                                           zero_shot))
        probs = found.calibrator.apply(zero_shot)
        top = max(probs, key=probs.__getitem__)
        signals = {**result.signals, "zero_shot_confidence": result.confidence, "temperature":
                   found.calibrator.temperature}
        return replace(result, output=top, confidence=probs[top], probabilities=probs, signals=signals,
                       method="label-scoring, recalibrated",
                       calibration=Calibration("calibrated", found.basis(), found.held_out.n, zero_shot))

    def elsewhere(self, spec: ClassifySpec, model: str) -> str:
        """A sentence for an uncalibrated label set when the same labels are calibrated for this model
        with other descriptions or few-shot examples (e.g. by an eval set with descriptions), else "".
        That calibration is not borrowed: it was fitted on the scores another prompt gives."""
        mine = self.path(spec).name
        with self._lock:
            try:
                stamp = tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(self.root)
                                     if e.name.endswith(".json") and e.name != mine))
            except OSError:
                return ""
            key = (mine, model)
            cached = self._elsewhere.get(key)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            wanted, found = sorted(spec.labels), []
            for name, _ in stamp:
                doc = self._read(self.root / name)
                if not doc or doc.get("labels") != wanted:
                    continue
                fitted = _parse_fit(doc.get("fit", {}).get(model))
                if fitted is not None and fitted.trusted:
                    found.append(_prompt_words(doc, spec))
            text = ""
            if found:
                text = (f" These labels are calibrated when asked {' or '.join(sorted(set(found)))}: ask the same way "
                        "to use that (`inhouse classify --descriptions FILE`, e.g. the eval set's own file).")
            self._elsewhere[key] = (stamp, text)
            return text

    # -- changing -----------------------------------------------------------------------------------
    def record(self, spec: ClassifySpec, model: str, items: Iterable[tuple[str, str, Mapping[str, float]]],
               source: str) -> Fit | None:
        """Add (text, right label, zero-shot probabilities) evidence, then fit again. A text already in
        the evidence takes the new label (a correction wins)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        labels = set(spec.labels)
        new = [Evidence(text_hash(t), label, source, model, {k: float(v) for k, v in p.items()})
               for t, label, p in items if label in labels and set(p) == labels]
        with self._lock:
            path = self.path(spec)
            doc = self._read(path) or {"version": VERSION, "labels": sorted(spec.labels),
                                       "descriptions": [list(d) for d in spec.descriptions],
                                       "few_shot_examples": len(spec.examples), "evidence": [], "fit": {}}
            fresh = {(e.text_hash, e.model) for e in new}
            kept = [e for e in doc["evidence"] if (e["h"], e["model"]) not in fresh]
            doc["evidence"] = (kept + [_evidence_json(e) for e in new])[-MAX_EVIDENCE:]
            found = refit([_parse_evidence(e) for e in doc["evidence"]], tuple(sorted(spec.labels)), model)
            doc["fit"][model] = _fit_json(found) if found else None
            self._write(path, doc)
            return found

    def forget(self, spec: ClassifySpec) -> bool:
        with self._lock:
            try:
                self.path(spec).unlink()
                return True
            except FileNotFoundError:
                return False

    # -- files --------------------------------------------------------------------------------------
    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # a damaged file counts as no evidence; the next record rewrites it
        return doc if isinstance(doc, dict) and doc.get("version") == VERSION else None

    def _write(self, path: Path, doc: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        os.replace(tmp, path)


def refit(evidence: list[Evidence], labels: tuple[str, ...], model: str) -> Fit | None:
    """Fit on this model's evidence (None when there is none), with cross-validated figures."""
    mine = [e for e in evidence if e.model == model]
    if not mine:
        return None
    probs = np.array([[e.zero_shot[label] for label in labels] for e in mine])
    y = np.array([labels.index(e.label) for e in mine])
    calibrator = fit(labels, probs, y)
    if len(mine) >= 4 and len(set(y.tolist())) >= 2:
        figures = held_out(labels, probs, y)
    else:
        figures = HeldOut(len(mine), 0, 0.0, 0.0, None, 0.0, None)
    sources: dict[str, int] = {}
    for e in mine:
        sources[e.source] = sources.get(e.source, 0) + 1
    return Fit(model, calibrator, figures, sources, datetime.now(UTC).isoformat(timespec="seconds"))


def _prompt_words(doc: Mapping[str, Any], spec: ClassifySpec) -> str:
    """How a stored label set's prompt differs from ``spec``'s, in words."""
    parts = []
    theirs = sorted(tuple(d) for d in doc.get("descriptions") or [])
    if theirs != sorted(spec.descriptions):
        parts.append("without descriptions" if not theirs else "with other descriptions" if spec.descriptions
                     else "with descriptions")
    examples = int(doc.get("few_shot_examples") or 0)
    if bool(examples) != bool(spec.examples):
        parts.append(f"with {examples} few-shot examples" if examples else "without few-shot examples")
    return " and ".join(parts) or "with other few-shot examples"


def _evidence_json(e: Evidence) -> dict[str, Any]:
    return {"h": e.text_hash, "label": e.label, "source": e.source, "model": e.model, "p": e.zero_shot}


def _parse_evidence(data: dict[str, Any]) -> Evidence:
    return Evidence(str(data["h"]), str(data["label"]), str(data["source"]), str(data["model"]),
                    {str(k): float(v) for k, v in data["p"].items()})


def _fit_json(found: Fit) -> dict[str, Any]:
    return {"calibrator": found.calibrator.to_json(), "held_out": found.held_out.to_json(),
            "sources": found.sources, "fitted": found.fitted, "model": found.model}


def _parse_fit(data: Any) -> Fit | None:
    if not isinstance(data, dict):
        return None
    try:
        h = data["held_out"]
        figures = HeldOut(int(h["n"]), int(h["folds"]), float(h["accuracy"]), float(h["ece"]),
                          None if h["auroc"] is None else float(h["auroc"]), float(h["accuracy_before"]),
                          None if h["auroc_before"] is None else float(h["auroc_before"]))
        return Fit(str(data["model"]), LabelCalibrator.from_json(data["calibrator"]), figures,
                   {str(k): int(v) for k, v in data["sources"].items()}, str(data["fitted"]))
    except (KeyError, TypeError, ValueError):
        return None
