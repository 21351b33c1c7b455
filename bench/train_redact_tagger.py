"""Train the redaction tagger and write resources/redact/tagger.json.gz (``make redact-model``).

    python bench/train_redact_tagger.py [--texts 11000] [--seed 7] [--examples corrections.jsonl]

Synthetic texts from bench/redact_synth.py (plus real negatives) are tokenised and featurised exactly as
inference/redact_tagger.py does at run time, a linear-chain CRF is fitted with python-crfsuite (L-BFGS,
L1 + L2), and its non-zero weights are exported to gzipped JSON. ``--examples`` adds labelled texts
(one JSON object a line: ``{"text": ..., "spans": [[start, end, "PERSON"], ...]}``), e.g. the user's own
"Redact selection" corrections, each counted three times. Same seed, same model.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pycrfsuite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redact_synth import corpus, write_lexicons  # noqa: E402

from inference.redact_tagger import MODEL_PATH, token_attributes, tokens  # noqa: E402


def bio(text: str, spans: list[tuple[int, int, str]]) -> tuple[list[str], list[str]]:
    offsets = tokens(text)
    labels = []
    previous = None
    for a, _ in offsets:
        inside = next(((s, e, k) for s, e, k in spans if s <= a < e), None)
        if inside is None:
            labels.append("O")
            previous = None
            continue
        labels.append(("I-" if previous == inside else "B-") + inside[2])
        previous = inside
    return [text[a:b] for a, b in offsets], labels


def examples(path: Path) -> Iterable[tuple[str, list[tuple[int, int, str]]]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            yield row["text"], [(int(s), int(e), str(k)) for s, e, k in row["spans"]]


def train(data: Iterable[tuple[str, list[tuple[int, int, str]]]], out: Path, iterations: int = 200) -> dict[str, int]:
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for text, spans in data:
        words, labels = bio(text, spans)
        if words:
            trainer.append(token_attributes(words), labels)
            n += 1
    trainer.set_params({"c1": 0.02, "c2": 0.01, "max_iterations": iterations, "feature.possible_transitions": True})
    with tempfile.TemporaryDirectory() as tmp:
        model_file = str(Path(tmp) / "model.crfsuite")
        trainer.train(model_file)
        info = pycrfsuite.Tagger()
        info.open(model_file)
        details = info.info()
    return export(details, out) | {"texts": n}


def export(details: pycrfsuite.ParsedDump, out: Path) -> dict[str, int]:
    labels = sorted(details.labels, key=lambda label: (label != "O", label))
    index = {label: i for i, label in enumerate(labels)}
    transitions = [[0.0] * len(labels) for _ in labels]
    for (a, b), w in details.transitions.items():
        transitions[index[a]][index[b]] = round(w, 4)
    features: dict[str, list[float]] = {}
    for (attr, label), w in sorted(details.state_features.items()):
        if abs(w) >= 1e-3:
            features.setdefault(attr, []).extend([index[label], round(w, 4)])
    payload = {"format": 1, "labels": labels, "transitions": transitions, "features": features}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    out.write_bytes(gzip.compress(data, mtime=0))
    return {"attributes": len(features), "bytes": out.stat().st_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--texts", type=int, default=11000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--examples", type=Path)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--lexicons", action="store_true", help="first regenerate names.txt.gz and vocabulary.txt.gz")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.lexicons:
        write_lexicons(MODEL_PATH.parent)
    data = list(corpus(args.texts, args.seed))
    if args.examples:
        data += list(examples(args.examples)) * 3
    stats = train(data, args.out)
    print(json.dumps(stats | {"seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
