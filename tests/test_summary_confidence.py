"""Summary confidence tracks quality; summaries come in the shapes people ask for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.engine import LocalEngine
from inference.summary_confidence import extract_share, score_summary
from inference.summary_shape import limit_words, shape_summary, split_sentences
from inference.summary_signals import text_signals, unsupported_facts
from inference.tasks import run
from inference.tasks.base import SummarizeSpec, TaskRequest

CASES = json.loads((Path(__file__).parent / "data" / "summary_cases.json").read_text())["cases"]


def test_a_cut_never_ends_on_an_ellipsis() -> None:
    text = ("The council approved the plan after a long debate about routes, fares, the new hub near the "
            "station and the worries of the shop owners on Market Street who feared losing customers")
    for budget in (5, 9, 14, 20):
        cut, was_cut = limit_words(text, budget)
        assert was_cut and cut.endswith(".") and "…" not in cut and len(cut.split()) <= budget


def test_shapes() -> None:
    tldr, _ = shape_summary("We built a parser. It is fast. It is small.", SummarizeSpec(max_words=30, shape="tldr"))
    assert tldr == "We built a parser."
    bullets, _ = shape_summary("1. Fast\n2. Small\n3. Offline\n4. Free", SummarizeSpec(shape="bullets", bullets=3))
    assert bullets == "- Fast\n- Small\n- Offline"
    prose, _ = shape_summary("It is fast. It is small.", SummarizeSpec(shape="bullets", bullets=2))
    assert prose == "- It is fast.\n- It is small."
    assert split_sentences("We use e.g. cats. Then dogs.") == ["We use e.g. cats.", "Then dogs."]


def test_invented_numbers_and_names_are_found() -> None:
    source = "Priya fixed the export on Monday; 14 services use the new cluster, which cost $1,035.18."
    assert unsupported_facts(source, "Priya fixed it; 14 services moved for 1035.18 dollars.") == []
    assert unsupported_facts(source, "It was fixed by Daniel; 16 services moved.") == ["16", "Daniel"]
    assert unsupported_facts(source, "Researchers moved 14 services.") == []  # a first word is not a name
    assert unsupported_facts(source, "The fix is Priya's; fourteen services moved.") == []  # forms of known facts
    assert unsupported_facts(source, "Priya moved three services.") == ["three"]
    assert unsupported_facts("We compare DenseNet with ResNet.", "It compares DenseNets and ResNets.") == []


def test_numbers_copied_from_codes_dates_and_scores_are_not_invented() -> None:
    source = ("The council voted 7-2 on 2024-05-01 at 14:30 in room B-12 to fund COVID-19 tests; "
              "the model is ResNet-50.")
    faithful = "The council voted 7-2 on 2024-05-01, at 14:30 in room B-12, for COVID-19 tests with ResNet-50."
    assert unsupported_facts(source, faithful) == []
    assert unsupported_facts(source, "The council voted 8-2 on 2024-05-03.") == ["8", "03"]
    assert unsupported_facts("Version 12 shipped.", "Version 1 shipped.") == ["1"]  # part of a number is not it


def test_a_verbatim_copy_counts_as_a_defect() -> None:
    source = ("The council met on Tuesday to debate the bus network. Members voted 7 to 2 to approve the plan, "
              "which adds four express routes.")
    copy = text_signals(source, "The council met on Tuesday to debate the bus network.")
    own = text_signals(source, "The council approved four express routes, 7 votes to 2.")
    assert extract_share(copy) == 1.0 and extract_share(own) == 0.0


@pytest.mark.model
@pytest.mark.parametrize("case", CASES, ids=[c["kind"] for c in CASES])
def test_faithful_summary_ranks_above_a_copy_and_an_invented_fact(engine: LocalEngine, case: dict[str, str]) -> None:
    spec = SummarizeSpec(max_words=60)
    copy = " ".join(split_sentences(case["text"])[: int(case.get("copy_sentences", 1))])
    faithful, _ = score_summary(engine, case["text"], case["faithful"], spec)
    copied, _ = score_summary(engine, case["text"], copy, spec)
    invented, signals = score_summary(engine, case["text"], case["invented"], spec)
    assert signals["unsupported_facts"] >= 1
    assert faithful > copied, (faithful, copied)
    assert faithful > invented, (faithful, invented)


@pytest.mark.model
def test_tldr_and_bullets_from_the_model(engine: LocalEngine) -> None:
    text = CASES[-1]["text"]
    tldr = run(engine, TaskRequest(text, SummarizeSpec(max_words=25, shape="tldr")))
    assert len(split_sentences(tldr.output)) == 1 and len(tldr.output.split()) <= 25
    assert not tldr.output.endswith("…") and 0.0 <= tldr.confidence <= 1.0
    bullets = run(engine, TaskRequest(text, SummarizeSpec(max_words=45, shape="bullets", bullets=2)))
    lines = bullets.output.splitlines()
    assert 1 <= len(lines) <= 2 and all(line.startswith("- ") for line in lines)
    assert "coverage" in bullets.signals and "pmi" in bullets.signals
