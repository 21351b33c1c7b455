"""Derive the extraction and summary eval sets in resources/eval/ from ../shared/data (run once; output shipped).

    python bench/derive_eval_sets.py            # rewrites resources/eval/banking-slots.json and scitldr.json

- ``banking-slots.json``: 80 messages of NLU++ banking (Casanueva et al., 2022; CC BY 4.0), all from the
  *test* side of the extraction bench's split (sklearn ``train_test_split``, 451 test messages, seed 0,
  stratified by the rarest slot a message holds), so nothing tuned on the training side saw them. From that
  side, after ``random.Random(0).shuffle``, the first 40 messages with at least one slot and the first 40
  with none (the real share with a slot is ~18%: the sample is enriched so field recall can be measured).
- ``scitldr.json``: the last 40 lines (261-300) of ``scitldr-train.jsonl`` (SciTLDR-A, Cachola et al.,
  2020; Apache-2.0): abstracts with their human one-sentence TLDRs. Summary-confidence work must tune on
  lines 1-260 only.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "eval"
CANDIDATES = (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")
DATA = next((p for p in CANDIDATES if p.exists()), CANDIDATES[0])

SLOTS = ("date", "amount_of_money", "company_name", "person_name", "time")
RARITY = ("person_name", "time", "company_name", "amount_of_money", "date")  # rarest first
SLOT_SCHEMA: dict[str, Any] = {
    "title": "Banking request",
    "type": "object",
    "properties": {
        "date": {"type": ["string", "null"], "description": "the date or day the customer mentions"},
        "amount_of_money": {"type": ["string", "null"], "description": "an amount of money, with its currency"},
        "company_name": {"type": ["string", "null"], "description": "a company, shop or merchant"},
        "person_name": {"type": ["string", "null"], "description": "a person's name"},
        "time": {"type": ["string", "null"], "description": "a time of day"},
    },
}
N_SLOT_TEST = 451
N_EACH = 40
N_SUMMARIES = 40


def _lines(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def banking_slots() -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    rows = _lines("nlupp-banking-slots.jsonl")
    strata = [next((f for f in RARITY if r["expected"].get(f) is not None), "none") for r in rows]
    _, test = train_test_split(rows, test_size=N_SLOT_TEST, random_state=0, stratify=strata)
    test = list(test)
    random.Random(0).shuffle(test)
    with_slot = [r for r in test if any(r["expected"].get(f) is not None for f in SLOTS)][:N_EACH]
    without = [r for r in test if all(r["expected"].get(f) is None for f in SLOTS)][:N_EACH]
    items = [{"text": r["text"], "expected": {f: r["expected"].get(f) for f in SLOTS}}
             for r in sorted(with_slot + without, key=test.index)]
    return {
        "name": "banking-slots", "task": "extract", "schema": SLOT_SCHEMA, "compare": list(SLOTS),
        "source": "80 messages from NLU++ banking (Casanueva et al., 2022), CC BY 4.0; see resources/eval/README.md",
        "items": items,
    }


def scitldr() -> dict[str, Any]:
    rows = _lines("scitldr-train.jsonl")[-N_SUMMARIES:]
    return {
        "name": "scitldr", "task": "summarize", "max_words": 30,
        "source": "40 abstracts with human TLDRs from SciTLDR-A (Cachola et al., 2020), Apache-2.0; "
                  "see resources/eval/README.md",
        "items": [{"text": r["text"], "references": r["references"]} for r in rows],
    }


def main() -> int:
    if not DATA.exists():
        print(f"Data folder not found: {DATA}", file=sys.stderr)
        return 1
    for name, doc in (("banking-slots.json", banking_slots()), ("scitldr.json", scitldr())):
        (OUT / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {OUT / name}: {len(doc['items'])} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
