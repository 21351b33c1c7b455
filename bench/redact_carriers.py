"""Real sentences that carry synthetic names: training text for the redaction tagger that is not ours.

Templates teach the tagger where names stand in sentences we wrote; here the sentences are real customer
messages (BANKING77 and NLU++, CC BY 4.0, /work/shared/data) and only the names are synthetic, so the
tagger also learns what a name looks like among real words, in the case people really type:

- a person the message already speaks of ("send money to my friend", "an account for my daughter")
  is named, in place of the phrase or after it ("to my friend Ana Lima");
- a company a NLU++ message names (its ``company_name`` slot) stays an organisation, or becomes a person
  ("cancel my direct debit to waitrose" -> "... to kisha mills");
- a real message is put in a greeting, a sign-off or a chat line with a name.

None of these messages is in an evaluation set: the NLU++ messages of resources/eval/pii_nlupp.jsonl
(every message that names a person, and the negatives beside them) are left out.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_NLUPP = ROOT / "resources" / "eval" / "pii_nlupp.jsonl"

# "to my friend", "for my daughter", "from someone": a person a message speaks of without naming.
_PERSON_NP = re.compile(
    r"\b(?P<lead>to|from|for|with|by|of|and|pay|paid|send|sent|owe|tell|told|ask|give|gave|let|help|call)\s+"
    r"(?P<np>(?:my|a|his|her|our|their|your|the|this|that|some)\s+(?:\w+\s+)?"
    r"(?:friend|mom|mum|mother|dad|father|brother|sister|son|daughter|wife|husband|partner|boyfriend|girlfriend"
    r"|child|kid|cousin|aunt|uncle|colleague|coworker|roommate|flatmate|landlord|landlady|person|someone|somebody"
    r"|grandma|grandmother|grandfather|niece|nephew|spouse|fianc[eé]e?|employee|customer|client|neighbou?r"
    r"|teen|teenager|nanny|tenant|relative|seller|merchant)|someone|somebody|him|her)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Carrier:
    """A real message with one hole: ``text[start:end]`` is replaced (or, with ``append``, followed) by a
    value of ``kind``; ``keep`` is the original value when it may stay (an organisation)."""

    text: str
    start: int
    end: int
    kind: str  # "PERSON" hole, or "ORG" hole that may also take a person
    append: bool = False
    keep: str = ""


def _eval_texts() -> set[str]:
    if not EVAL_NLUPP.exists():
        return set()
    return {json.loads(line)["text"] for line in EVAL_NLUPP.read_text(encoding="utf-8").splitlines() if line}


def carriers(data_dir: Path) -> tuple[list[Carrier], list[str]]:
    """(messages with a hole for a name, plain real messages for wrapping)."""
    banking = data_dir / "banking77-train.csv"
    nlupp = data_dir / "nlupp-banking-slots.jsonl"
    holes: list[Carrier] = []
    plain: list[str] = []
    if banking.exists():
        with banking.open(encoding="utf-8") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
        for text in texts:
            m = _PERSON_NP.search(text)
            if m is None:
                plain.append(text)
                continue
            np_text = m.group("np").lower()
            if np_text in ("someone", "somebody", "him", "her"):
                holes.append(Carrier(text, m.start("np"), m.end("np"), "PERSON"))
            else:
                holes.append(Carrier(text, m.end("np"), m.end("np"), "PERSON", append=True))
    if nlupp.exists():
        held_out = _eval_texts()
        for line in nlupp.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            text, slots = item["text"], item["expected"]
            if text in held_out or slots.get("person_name"):
                continue
            company = slots.get("company_name")
            start = text.find(company) if company else -1
            if company and start >= 0:
                holes.append(Carrier(text, start, start + len(company), "ORG", keep=company))
            elif not any(slots.values()):
                plain.append(text)
    return holes, plain


_WRAPPERS = (
    "Hi, {N} here. {M}", "Hello, this is {N}. {M}", "{M}\n\nThanks,\n{N}", "{M}\nRegards, {N}", "{M} - {N}",
    "{N}: {M}", "From {N}: {M}", "{M}\n\n{N}", "Dear support,\n{M}\nBest wishes\n{N}", "{N} wrote: {M}",
    "{M} My name is {N}.", "{M} (asked by {N})", "Message from {N}\n{M}", "{M}\nSent on behalf of {N}",
    "hey its {N}, {M}", "{M} thx {N}",
)  # fmt: skip


def fill(
    carrier: Carrier, rng: random.Random, name: Callable[[], str], company: Callable[[], str]
) -> tuple[str, list[tuple[int, int, str]]]:
    """The carrier with its hole filled: a person in the message's own case habits, or an organisation."""
    text = carrier.text
    kind = "PERSON"
    if carrier.kind == "ORG" and rng.random() < 0.5:
        kind, value = "ORG", carrier.keep if rng.random() < 0.5 else company()
    else:
        value = _cased(name(), text, rng)
    if carrier.append:
        value_at = carrier.end + 1
        out = f"{text[: carrier.end]} {value}{text[carrier.end :]}"
    else:
        value_at = carrier.start
        out = f"{text[: carrier.start]}{value}{text[carrier.end :]}"
    return out, [(value_at, value_at + len(value), kind)]


def wrap(message: str, rng: random.Random, name: Callable[[], str]) -> tuple[str, list[tuple[int, int, str]]]:
    """A real message in a greeting, a sign-off or a chat line with a name."""
    template = rng.choice(_WRAPPERS)
    value = _cased(name(), message, rng)
    before, after = template.split("{N}")
    before = before.replace("{M}", message)
    text = before + value + after.replace("{M}", message)
    return text, [(len(before), len(before) + len(value), "PERSON")]


def _cased(value: str, context: str, rng: random.Random) -> str:
    """Names as people type them: lower case more often where the message itself is casual."""
    casual = context[:1].islower() or context == context.lower()
    draw = rng.random()
    if draw < (0.55 if casual else 0.2):
        return value.lower()
    if draw > 0.95:
        return value.upper()
    return value
