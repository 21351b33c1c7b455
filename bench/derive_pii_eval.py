"""Derive the held-out PII evaluation sets in resources/eval/ (run once; the outputs are committed).

    python bench/derive_pii_eval.py presidio PATH/synth_dataset_v2.json [--limit 288]
    python bench/derive_pii_eval.py nlupp [PATH/nlupp-banking-slots.jsonl]
    python bench/derive_pii_eval.py fresh [--limit 400]     # needs presidio-evaluator importable

fresh: a second held-out set, made because the presidio test split above had been measured and its
errors read. presidio-research's own sentence generator (``presidio_evaluator.data_generator.
PresidioSentenceFaker``, package presidio-evaluator 0.3.2, MIT) fills only the templates that no
sentence of pii_presidio.jsonl came from (template id = line index in its ``templates.txt``, as in
``synth_dataset_v2.json``), with its own values, seed 20261201, lower-case ratio 0.05 as in its README.
Every sentence is ``test``: it is measured once, at the end, never read while tuning. Only the date-time
values (Faker draws them relative to today) differ between two runs; templates, kinds and other values repeat.

presidio: the first ``--limit`` records of presidio-research's ``data/synth_dataset_v2.json`` (Microsoft,
MIT licence; sentences from their own templates filled with generated values), unchanged except for the
format. The split is by template, decided before any tuning: the sorted template ids are shuffled with
``random.Random(20261130)`` and the first half of them are ``dev``, the rest ``test``, so no test
sentence shares a template with a dev sentence.

nlupp: the messages of NLU++ (banking domain; Casanueva et al., 2022; CC BY 4.0) that name a person
(slot ``person_name``), with the name's span; plus as many messages with no slot at all, as negatives.
Split by a hash of the text: ``test`` when sha256(text) is odd.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "eval"
SEED = 20261130


def presidio(path: Path, limit: int) -> list[dict[str, object]]:
    records = json.loads(path.read_text(encoding="utf-8"))[:limit]
    templates = sorted({int(r["template_id"]) for r in records})
    random.Random(SEED).shuffle(templates)
    dev = set(templates[: len(templates) // 2])
    rows = []
    for i, r in enumerate(records, 1):
        text = r["full_text"]
        entities = sorted(
            ({"start": s["start_position"], "end": s["end_position"], "kind": s["entity_type"]} for s in r["spans"]),
            key=lambda e: (e["start"], e["end"]),
        )
        for e in entities:
            assert text[e["start"] : e["end"]].strip(), (i, e)
        split = "dev" if int(r["template_id"]) in dev else "test"
        rows.append({"id": i, "split": split, "template": int(r["template_id"]), "text": text, "entities": entities})
    return rows


def nlupp(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    negatives: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text, name = item["text"], item["expected"]["person_name"]
        if name is None:
            if not any(item["expected"].values()):
                negatives.append(text)
            continue
        start = text.find(name)
        if start < 0:
            continue
        rows.append({"text": text, "entities": [{"start": start, "end": start + len(name), "kind": "PERSON"}]})
    rows += [{"text": t, "entities": []} for t in negatives[: len(rows)]]
    for i, row in enumerate(rows, 1):
        odd = int(hashlib.sha256(str(row["text"]).encode()).hexdigest(), 16) % 2
        row.update({"id": i, "split": "test" if odd else "dev"})
    return [{"id": r["id"], "split": r["split"], "text": r["text"], "entities": r["entities"]} for r in rows]


def fresh(limit: int) -> list[dict[str, object]]:
    import random as stdlib_random

    from presidio_evaluator.data_generator import PresidioSentenceFaker, raw_data_dir

    seen = {json.loads(line)["template"] for line in (OUT / "pii_presidio.jsonl").read_text().splitlines()}
    lines = [line.strip() for line in (raw_data_dir / "templates.txt").read_text().splitlines()]
    unseen = [(i, t) for i, t in enumerate(lines) if t and i not in seen]
    faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, sentence_templates=[t for _, t in unseen],
                                  random_seed=SEED + 1)
    stdlib_random.seed(SEED + 1)  # the generator draws its templates with the random module
    rows = []
    for i, sample in enumerate(faker.generate_new_fake_sentences(limit), 1):
        text = sample.full_text
        entities = sorted(({"start": s.start_position, "end": s.end_position, "kind": s.entity_type}
                           for s in sample.spans), key=lambda e: (e["start"], e["end"]))
        entities = [e for e in entities if str(text[e["start"] : e["end"]]).strip()]
        template = unseen[int(sample.template_id)][0]
        rows.append({"id": i, "split": "test", "template": template, "text": text, "entities": entities})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", choices=("presidio", "nlupp", "fresh"))
    parser.add_argument("path", type=Path, nargs="?")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    if args.source == "presidio":
        if args.path is None:
            parser.error("presidio needs the path of synth_dataset_v2.json")
        rows, out = presidio(args.path, args.limit or 288), OUT / "pii_presidio.jsonl"
    elif args.source == "fresh":
        rows, out = fresh(args.limit or 400), OUT / "pii_presidio_fresh.jsonl"
    else:
        path = args.path or ROOT.parent / "shared" / "data" / "nlupp-banking-slots.jsonl"
        if not path.exists():
            path = Path("/work/shared/data/nlupp-banking-slots.jsonl")
        rows, out = nlupp(path), OUT / "pii_nlupp.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counts = ", ".join(f"{s}={sum(r['split'] == s for r in rows)}" for s in ("dev", "test"))
    print(f"{out}: {len(rows)} rows, {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
