"""The held-out name sets of issue 9 (resources/eval/pii_btc.jsonl, pii_wikigold.jsonl, pii_sec.jsonl): each
file parses, its spans lie on the text, its split is the one the hash of the text gives, and both halves hold
person names. Only the data is checked here: nothing runs the redaction detector on these sets (their test
halves are measured once, at the end of the names round)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bench.derive_pii_eval import _bio_spans, detokenize

EVAL = Path(__file__).resolve().parent.parent / "resources" / "eval"
SETS = ("pii_btc.jsonl", "pii_wikigold.jsonl", "pii_sec.jsonl")
KINDS = {"PERSON", "GPE", "ORGANIZATION", "USERNAME", "MISC", "PARTY_ROLE"}
# Person names per split, at least: contracts name few people (signatories), tweets and articles many.
PEOPLE = {"pii_btc.jsonl": 100, "pii_wikigold.jsonl": 50, "pii_sec.jsonl": 5}
# Share of texts without a person name, at least: they keep precision honest.
WITHOUT = {"pii_btc.jsonl": 0.4, "pii_wikigold.jsonl": 0.4, "pii_sec.jsonl": 0.8}


def _rows(name: str) -> list[dict[str, object]]:
    lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", SETS)
def test_the_set_parses_and_its_spans_lie_on_the_text(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 100
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    texts = [str(r["text"]) for r in rows]
    assert len(set(texts)) == len(texts), "repeats are left out"
    for row in rows:
        text = str(row["text"])
        assert set(row) == {"id", "split", "text", "entities"}
        assert len(text.split()) >= 3
        end = 0
        for e in row["entities"]:  # type: ignore[attr-defined]
            assert e["kind"] in KINDS, (row["id"], e)
            assert end <= e["start"] < e["end"] <= len(text), (row["id"], e)
            span = text[e["start"] : e["end"]]
            assert span == span.strip() and span, (row["id"], e)
            end = e["end"]


@pytest.mark.parametrize("name", SETS)
def test_the_split_is_the_hash_of_the_text_and_both_halves_name_people(name: str) -> None:
    rows = _rows(name)
    for row in rows:
        odd = int(hashlib.sha256(str(row["text"]).encode()).hexdigest(), 16) % 2
        assert row["split"] == ("test" if odd else "dev"), row["id"]
    for split in ("dev", "test"):
        half = [r for r in rows if r["split"] == split]
        assert 0.35 <= len(half) / len(rows) <= 0.65, (split, len(half), len(rows))
        people = sum(e["kind"] == "PERSON" for r in half for e in r["entities"])  # type: ignore[attr-defined]
        assert people >= PEOPLE[name], (split, people)
        without = sum(not any(e["kind"] == "PERSON" for e in r["entities"]) for r in half)  # type: ignore[attr-defined]
        assert without >= WITHOUT[name] * len(half), (split, without, len(half))


def test_tokens_are_joined_back_as_people_write_them() -> None:
    tokens = ["Ca", "n't", "wait", ",", "Rob", "'s", '"', "nice", '"', "note", ":", "20", ",", "000", "at", "8", ".",
              "30pm", "in", "May", "1", ",", "1862"]
    text, offsets = detokenize(tokens, ptb=True)
    assert text == "Can't wait, Rob's \"nice\" note: 20,000 at 8.30pm in May 1, 1862"
    assert [text[a:b] for a, b in offsets] == tokens
    assert detokenize(["Rob", "'s"])[0] == "Rob 's"  # the WNUT-17 spacing is unchanged without ptb


def test_bio_tags_become_spans_and_a_split_handle_is_one_span() -> None:
    sentence = [("@", "B-PER"), ("colgo", "B-PER"), ("met", "O"), ("Rob", "B-PER"), ("McClelland", "I-PER"),
                ("in", "O"), ("New", "I-LOC"), ("York", "I-LOC"), ("and", "O"), ("Kevin", "B-PER"),
                ("Therese", "B-PER")]
    text, offsets = detokenize([t for t, _ in sentence], ptb=True)
    spans = [(text[int(e["start"]) : int(e["end"])], e["kind"]) for e in _bio_spans(sentence, offsets, text)]
    assert spans == [("@colgo", "PERSON"), ("Rob McClelland", "PERSON"), ("New York", "GPE"), ("Kevin", "PERSON"),
                     ("Therese", "PERSON")]
