"""Train the redaction tagger and write resources/redact/tagger.json.gz (``make redact-model``).

    python bench/train_redact_tagger.py [--texts 11000] [--seed 7] [--examples corrections.jsonl]

Synthetic texts from bench/redact_synth.py (templates, real messages carrying synthetic names, real
negatives) are written to resources/redact/corpus.jsonl.gz, the training text the app retrains on when
the user's own corrections are added (inference/redact_learn.py); then a linear-chain CRF is fitted on
exactly that file with python-crfsuite (L-BFGS, L1 + L2) and its non-zero weights are exported to
gzipped JSON. ``--examples`` adds labelled texts (one JSON object a line: ``{"text": ...,
"spans": [[start, end, "PERSON"], ...]}``), each counted five times, as the app does. Same seed, same model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redact_synth import corpus, write_dictionary, write_lexicons  # noqa: E402

from inference.redact_learn import CORPUS_PATH, Example, read_examples, retrain, write_corpus  # noqa: E402
from inference.redact_tagger import MODEL_PATH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--texts", type=int, default=11000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--examples", type=Path)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--corpus", type=Path, default=CORPUS_PATH, help="where the training text is written")
    parser.add_argument("--lexicons", action="store_true", help="first regenerate the word lists")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.lexicons:
        write_lexicons(MODEL_PATH.parent)
        write_dictionary(MODEL_PATH.parent)
    write_corpus((Example(text, tuple(spans)) for text, spans in corpus(args.texts, args.seed)), args.corpus)
    examples = read_examples(args.examples) if args.examples else []
    stats = retrain(examples, args.out, corpus=args.corpus)
    print(json.dumps(stats | {"seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
