"""The zero-shot field confidence reads the field's whole candidate set, not only its best span (issue 8).

Pure parts on hand-built span scores; the rest with the real starter model on messages written for these
tests (never the bench's data).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from inference.engine import LocalEngine
from inference.tasks import run
from inference.tasks.base import ExtractSpec, TaskRequest
from inference.tasks.extract import CALIBRATION, features
from inference.tasks.span_scoring import SpanScores

Q = "the amount"
FIELDS: dict[str, Any] = {
    "amount_of_money": {"type": ["string", "null"], "description": "an amount of money, with its currency"},
    "person_name": {"type": ["string", "null"], "description": "a person's name"},
    "date": {"type": ["string", "null"], "description": "the date or day the customer mentions"},
}
BANKING = {"type": "object", "properties": FIELDS}
BANKING_WITH_TIME = {"type": "object", "properties": {
    **FIELDS, "time": {"type": ["string", "null"], "description": "a time of day"}}}


def scores(by_question: list[float], neutral: list[float], other: list[float] | None = None) -> SpanScores:
    spans = [(i * 5, i * 5 + 4) for i in range(len(neutral))]
    questions = {Q: np.array(by_question)}
    if other is not None:
        questions["the day"] = np.array(other)
    return SpanScores(spans, np.array(neutral), questions)


def test_the_features_read_the_whole_candidate_set() -> None:
    s = scores([-1.0, -3.0, -6.0], [-4.0, -4.0, -4.0])
    x = features(s, Q, [0, 1, 2], None)
    assert x[:5] == [3.0, -1.0, 2.0, 0.0, 0.0]  # PMI, log-probability, margin, not a number, no format
    assert x[5] == pytest.approx(-1.0 - float(np.logaddexp.reduce([-1.0, -3.0, -6.0])))  # its share of the mass
    assert x[6] == pytest.approx((3.0 + 1.0 - 2.0) / 3)  # the mean PMI of the candidates
    assert x[7] == 0.0 and x[8:] == [0.0] * 5  # no other field claims it; not a typed field
    typed = features(s, Q, [0, 1, 2], "email")
    assert typed[4] == 1.0 and typed[8:] == [typed[0], typed[1], typed[2], typed[5], typed[6]]


def test_a_span_another_field_claims_is_less_likely_this_ones() -> None:
    mine = scores([-1.0, -5.0], [-4.0, -4.0], other=[-6.0, -6.0])  # the day's question does not want span 0
    taken = scores([-1.0, -5.0], [-4.0, -4.0], other=[0.0, -6.0])  # it wants span 0 more than the amount does
    x, y = features(mine, Q, [0, 1], None), features(taken, Q, [0, 1], None)
    assert x[7] == 0.0 and y[7] == 1.0 and x[:7] == y[:7]
    assert CALIBRATION.p_right(y) < CALIBRATION.p_right(x) and CALIBRATION.p_absent(y) > CALIBRATION.p_absent(x)


def test_each_probability_is_a_probability() -> None:
    x = features(scores([-1.0, -2.0], [-4.0, -3.0]), Q, [0, 1], "number")
    for p in (CALIBRATION.p_right(x), CALIBRATION.p_absent(x)):
        assert 0.0 < p < 1.0 and math.isfinite(p)


def _absent_confidence(engine: LocalEngine, text: str, field: str) -> tuple[bool, float, object]:
    result = run(engine, TaskRequest(text, ExtractSpec(BANKING)))
    assert result.fields is not None
    evidence = result.fields[field]
    return evidence.found, evidence.confidence, result.output.get(field)


@pytest.mark.parametrize(("present", "absent", "field"), [
    ("I sent 250 euros to my landlord last week but he says it never arrived.",
     "I sent money to my landlord last week but he says it never arrived.", "amount_of_money"),
    ("Please transfer the rent to Maria Lopez before the weekend.",
     "Please transfer the rent to my sister before the weekend.", "person_name"),
])
def test_a_value_in_the_text_makes_its_field_less_surely_absent(engine: LocalEngine, present: str, absent: str,
                                                                 field: str) -> None:
    found, sure, value = _absent_confidence(engine, absent, field)
    assert not found and value is None and sure >= 0.5, (value, sure)  # nothing to point at: not found
    found, confidence, value = _absent_confidence(engine, present, field)
    # the value is there: either it is found, or "not found" is less sure than where it truly is absent
    assert found or confidence < sure, (value, confidence, sure)


@pytest.mark.parametrize(("text", "day"), [("I will call you back on Monday.", "Monday"),
                                         ("Can you move my appointment to Thursday please?", "Thursday")])
def test_a_day_is_the_dates_value_more_surely_than_the_times(engine: LocalEngine, text: str, day: str) -> None:
    result = run(engine, TaskRequest(text, ExtractSpec(BANKING_WITH_TIME)))
    assert result.fields is not None
    date, time = result.fields["date"], result.fields["time"]
    assert date.found and result.output["date"] == day
    if time.found:  # the time question may still point at the day, but less surely than the date does
        assert time.span == date.span and time.confidence < date.confidence
