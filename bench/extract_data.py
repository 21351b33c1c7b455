"""NLU++ banking slots for the extraction bench: the schema, the split (made before anything is tuned).

Data: ``../shared/data/nlupp-banking-slots.jsonl`` (NLU++, Casanueva et al. 2022, CC BY 4.0): 1,951
messages, each with the text of five slots as it appears in the message, or null.

The split is fixed (seed 0) and stratified by the rarest slot a message holds ("none" for most):
- test: 451 messages, measured once at the end;
- train: the other 1,500; its last 300 (after a seeded shuffle) are the dev part every tuning choice
  was made on, training on the first 1,200.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAME = "nlupp-banking-slots.jsonl"
# ../shared/data next to the repository (a worktree under wt/ looks one level further up)
CANDIDATES = (ROOT.parent / "shared" / "data" / NAME, ROOT.parent.parent / "shared" / "data" / NAME)
SHARED = next((p for p in CANDIDATES if p.exists()), CANDIDATES[0])
SEED = 0
N_TEST = 451
N_DEV = 300
FIELDS = ("date", "amount_of_money", "company_name", "person_name", "time")
RARITY = ("person_name", "time", "company_name", "amount_of_money", "date")  # rarest first

SCHEMA: dict[str, Any] = {
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

Row = dict[str, Any]


def load(path: Path = SHARED) -> list[Row]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def stratum(row: Row) -> str:
    return next((f for f in RARITY if row["expected"].get(f) is not None), "none")


def split(rows: list[Row], seed: int = SEED) -> tuple[list[Row], list[Row]]:
    """(train, test): 1,500 / 451, stratified by ``stratum``."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(rows, test_size=N_TEST, random_state=seed, stratify=[stratum(r) for r in rows])
    return list(train), list(test)


def dev_split(train: list[Row], seed: int = SEED) -> tuple[list[Row], list[Row]]:
    """(fit, dev) inside the training side: 1,200 / 300, stratified the same way."""
    from sklearn.model_selection import train_test_split

    fit, dev = train_test_split(train, test_size=N_DEV, random_state=seed, stratify=[stratum(r) for r in train])
    return list(fit), list(dev)


SAMPLE = ROOT / "resources" / "eval" / "nlupp-banking-sample.jsonl"


def derive_sample(rows: list[Row], seed: int = SEED) -> tuple[list[Row], list[Row]]:
    """The small sample the tests ship with (from the training side only; never the bench's test part):
    per field 8 messages with a value to train on and 2 held back, plus 8 / 2 messages without any."""
    import random

    train, _ = split(rows, seed)
    rng = random.Random(seed)
    pool = list(train)
    rng.shuffle(pool)
    used: set[str] = set()
    teach, held = [], []
    for name in (*RARITY, "none"):
        picked = [r for r in pool if stratum(r) == name and r["text"] not in used][:10]
        used.update(r["text"] for r in picked)
        teach += picked[:8]
        held += picked[8:]
    return teach, held


def write_sample(rows: list[Row]) -> None:
    teach, held = derive_sample(rows)
    with SAMPLE.open("w", encoding="utf-8") as f:
        for part, items in (("train", teach), ("held", held)):
            for r in items:
                f.write(json.dumps({"part": part, "text": r["text"], "expected": r["expected"]}, ensure_ascii=False)
                        + "\n")
    print(f"wrote {len(teach)} training and {len(held)} held-back messages to {SAMPLE}")


if __name__ == "__main__":
    write_sample(load())


# -- short chat replies (dev only) -----------------------------------------------------------------
# Written for Inhouse in round 4 as dev data for the zero-shot calibration (public domain): the short
# replies a booking or support chat gets ("yes", a bare name, a time), which the NLU++ messages lack. A
# lone candidate span must not look present because it has no rival. Never measured as held-out data.
BOOKING_SCHEMA: dict[str, Any] = {"title": "Appointment", "type": "object", "properties": {
    "first_name": {"type": ["string", "null"], "description": "the customer's first name"},
    "last_name": {"type": ["string", "null"], "description": "the customer's last name"},
    "day": {"type": ["string", "null"], "description": "the day of the appointment"},
    "hour": {"type": ["string", "null"], "description": "the time of the appointment"},
    "guests": {"type": ["string", "null"], "description": "how many people come"}}}
SHORT_REPLIES: list[tuple[str, dict[str, str]]] = [
    ("yes", {}), ("no thanks", {}), ("ok", {}), ("Perfect!", {}), ("hello", {}), ("sure", {}), ("nope", {}),
    ("what?", {}), ("great, thanks a lot", {}), ("sorry?", {}), ("hmm", {}), ("cheers", {}), ("asdfgh", {}),
    ("Is parking free?", {}), ("do you take cards", {}), ("bye", {}), ("that's fine", {}), ("Not sure yet", {}),
    ("Tobias", {"first_name": "Tobias"}), ("Mirela Stan", {"first_name": "Mirela", "last_name": "Stan"}),
    ("Okafor", {"last_name": "Okafor"}), ("it's Henrik", {"first_name": "Henrik"}),
    ("Name is Ines Duarte", {"first_name": "Ines", "last_name": "Duarte"}), ("Wednesday", {"day": "Wednesday"}),
    ("next Monday", {"day": "next Monday"}), ("the 14th", {"day": "the 14th"}), ("2:15pm", {"hour": "2:15pm"}),
    ("around noon", {"hour": "noon"}), ("at 7", {"hour": "7"}),
    ("tomorrow at 10am", {"day": "tomorrow", "hour": "10am"}),
    ("just two of us", {"guests": "two"}), ("party of 5", {"guests": "5"}),
    ("me and my brother", {"guests": "me and my brother"}),
    ("four people", {"guests": "four"}), ("Friday evening at 6:30", {"day": "Friday", "hour": "6:30"}),
    ("Can we make it Thursday instead?", {"day": "Thursday"}), ("under the name Baker", {"last_name": "Baker"}),
    ("Paolo, table for 3", {"first_name": "Paolo", "guests": "3"}), ("thanks, see you then", {}), ("k", {}),
]


def short_replies() -> list[Row]:
    keys = list(BOOKING_SCHEMA["properties"])
    return [{"text": t, "expected": {k: v.get(k) for k in keys}} for t, v in SHORT_REPLIES]
