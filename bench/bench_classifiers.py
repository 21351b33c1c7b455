"""Classifier-profile benchmarks (issue 5) on a held-out BANKING77 subset, with the starter model.

Data: ``resources/eval/banking77_train.csv`` (20 examples for each of 10 intents) and
``resources/eval/banking77_test.csv`` (40 other messages per intent), derived from BANKING77
(CC BY 4.0, see resources/eval/README.md). When ``../shared/data/banking77-train.csv`` is present, the
head is also scored on every remaining message of those intents, and training time is measured on 1,000.

Targets: accuracy >= 0.85, ECE <= 0.05 (after calibration), AUROC >= 0.85, embedding <= 0.15 s per
message, training on 1,000 examples <= 10 s after embedding.
- ECE: 15 equal-width bins of the top probability; sum of (bin share) * |accuracy - mean confidence|.
- AUROC: of the confidence (top probability) for separating correct from incorrect predictions.
Timings depend on what else the machine is doing: the load average is printed with the results.
Prints a table, then one JSON line. ``--derive`` rewrites the two CSV files from the shared data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.catalog import resolve_model  # noqa: E402
from inference.classifier_head import Head, fit_head  # noqa: E402
from inference.embedding import Embedder  # noqa: E402
from inference.metrics import label_metrics  # noqa: E402

EVAL = ROOT / "resources" / "eval"
SHARED = ROOT.parent / "shared" / "data" / "banking77-train.csv"
SEED, N_INTENTS, N_TRAIN, N_TEST, N_TIMING = 0, 10, 20, 40, 1000
TARGETS = {"accuracy": (">=", 0.85), "ece": ("<=", 0.05), "auroc": (">=", 0.85),
           "embed_s_per_message": ("<=", 0.15), "train_s_1000": ("<=", 10.0)}


def read_csv(path: Path, label_column: str = "label") -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["text"], r[label_column]) for r in csv.DictReader(f)]


def intents(rows: list[tuple[str, str]]) -> list[str]:
    """The bench's intents: 10 drawn with random.Random(0) from the sorted category names (not hand-picked)."""
    return sorted(random.Random(SEED).sample(sorted({label for _, label in rows}), N_INTENTS))


def derive() -> None:
    rows = read_csv(SHARED, "category")
    rng = random.Random(SEED)
    train, test = [], []
    for intent in intents(rows):
        texts = [t for t, label in rows if label == intent]
        rng.shuffle(texts)
        train += [(t, intent) for t in texts[:N_TRAIN]]
        test += [(t, intent) for t in texts[N_TRAIN : N_TRAIN + N_TEST]]
    for name, data in (("banking77_train.csv", train), ("banking77_test.csv", test)):
        with (EVAL / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label"])
            writer.writerows(data)
    print(f"wrote {len(train)} training and {len(test)} test rows to {EVAL}")


def evaluate(head: Head, vectors: np.ndarray, labels: list[str]) -> dict[str, Any]:
    y = np.array([head.labels.index(label) for label in labels])
    calibrated = label_metrics(head.probabilities(vectors), y)
    raw = label_metrics(replace(head, temperature=1.0).probabilities(vectors), y)
    return {**calibrated.to_json(), "ece_uncalibrated": round(raw.ece, 4)}


def embed_latency(embedder: Embedder, texts: list[str]) -> dict[str, float]:
    single = []
    for text in texts[:30]:  # one at a time, as when classifying a message
        start = time.perf_counter()
        embedder.embed([text], remember=False)
        single.append(time.perf_counter() - start)
    start = time.perf_counter()
    embedder.embed(texts)  # batched, as when training
    batched = (time.perf_counter() - start) / len(texts)
    return {"embed_s_per_message": round(statistics.median(single), 4), "embed_s_batched": round(batched, 4)}


def training_time(embedder: Embedder, shared: list[tuple[str, str]], chosen: list[str]) -> dict[str, Any]:
    rng = random.Random(SEED + 1)
    pool = [(t, label) for t, label in shared if label in chosen]
    sample = rng.sample(pool, min(N_TIMING, len(pool)))
    vectors = embedder.embed([t for t, _ in sample])
    labels = tuple(sorted({label for _, label in sample}))
    y = np.array([labels.index(label) for _, label in sample])
    start = time.perf_counter()
    fit_head(vectors, y, labels)
    return {"train_examples": len(sample), "train_s_1000": round(time.perf_counter() - start, 3)}


def zero_shot(model: Path, test: list[tuple[str, str]], n: int, labels: tuple[str, ...]) -> dict[str, Any]:
    from inference.engine import EngineConfig, LocalEngine
    from inference.tasks.base import ClassifySpec
    from inference.tasks.classify import classify

    picked = random.Random(SEED).sample(test, n)
    engine = LocalEngine(EngineConfig(model_path=model, n_ctx=1024))
    spec = ClassifySpec(labels=labels)
    try:
        start = time.perf_counter()
        results = [classify(engine, text, spec) for text, _ in picked]
        seconds = (time.perf_counter() - start) / n
    finally:
        engine.close()
    probs = np.array([[r.probabilities[label] for label in labels] for r in results if r.probabilities])
    y = np.array([labels.index(label) for _, label in picked])
    return {"zero_shot": {**label_metrics(probs, y).to_json(), "s_per_message": round(seconds, 3)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--derive", action="store_true", help="rewrite the resource CSVs from the shared data")
    parser.add_argument("--zero-shot", type=int, default=50, help="messages to score zero-shot (0: skip)")
    args = parser.parse_args()
    if args.derive:
        derive()
        return 0
    train, test = read_csv(EVAL / "banking77_train.csv"), read_csv(EVAL / "banking77_test.csv")
    model = resolve_model(None).path
    load = os.getloadavg()
    embedder = Embedder(model, n_ctx=512)
    try:
        result: dict[str, Any] = {"model": model.stem, "load_average": [round(x, 2) for x in load]}
        result.update(embed_latency(embedder, [t for t, _ in test]))
        labels = tuple(sorted({label for _, label in train}))
        y = np.array([labels.index(label) for _, label in train])
        head, report = fit_head(embedder.embed([t for t, _ in train]), y, labels)
        result["cv"] = {"accuracy": round(report.cv_accuracy, 4), "ece": round(report.cv_ece, 4),
                        "c": report.c, "temperature": round(report.temperature, 3)}
        result["test"] = evaluate(head, embedder.embed([t for t, _ in test]), [label for _, label in test])
        if SHARED.exists():
            shared = read_csv(SHARED, "category")
            seen = {t for t, _ in train}
            rest = [(t, label) for t, label in shared if label in labels and t not in seen]
            result["held_out_all"] = evaluate(head, embedder.embed([t for t, _ in rest]), [la for _, la in rest])
            result.update(training_time(embedder, shared, list(labels)))
    finally:
        embedder.close()
    if args.zero_shot:
        result.update(zero_shot(model, test, min(args.zero_shot, len(test)), labels))
    print_table(result)
    print(json.dumps(result))
    return 0


def print_table(result: dict[str, Any]) -> None:
    rows = [(f"test {k}", result["test"][k]) for k in ("accuracy", "ece", "auroc")]
    rows += [(k, result.get(k)) for k in ("embed_s_per_message", "train_s_1000")]
    print(f"{'measure':<26} {'value':>8}  target     met   (load average {result['load_average']})")
    for name, value in rows:
        op, target = TARGETS[name.removeprefix("test ")]
        met = "n/a" if value is None else ("yes" if (value >= target if op == ">=" else value <= target) else "NO")
        print(f"{name:<26} {'-' if value is None else value:>8}  {op} {target:<6}  {met}")
    for key in ("cv", "held_out_all", "zero_shot"):
        if key in result:
            print(f"{key:<26} {result[key]}")
    print(f"{'embed_s_batched':<26} {result['embed_s_batched']}")


if __name__ == "__main__":
    sys.exit(main())
