"""Type-aware extraction candidates: a schema's format / pattern / number type proposes the spans, the real
starter model chooses among them. Texts written for these tests."""

from __future__ import annotations

import pytest

from inference.engine import LocalEngine
from inference.tasks import run
from inference.tasks.base import ExtractSpec, TaskRequest
from inference.tasks.extract_plan import plan_fields
from inference.tasks.typed_candidates import candidates, type_of

SIGNATURE = ("Thanks for the call today! As promised, here are my details.\n\nBest regards,\nPriya Natarajan\n"
             "Head of Procurement, Northwind Traders\npriya.natarajan@northwind.example\n+1 (206) 555-0187")
CONTACT = {"type": "object", "properties": {
    "name": {"type": "string"},
    "email": {"type": ["string", "null"], "format": "email"},
    "website": {"type": ["string", "null"], "format": "uri"},
}, "required": ["name"]}
TYPED = {"type": "object", "properties": {
    "email": {"type": "string", "format": "email"},
    "site": {"type": "string", "format": "uri"},
    "due": {"type": "string", "format": "date"},
    "stamp": {"type": "string", "format": "date-time"},
    "ref": {"type": "string", "pattern": "^[A-Z]{2}-\\d{4}$"},
    "total": {"type": "number"},
    "note": {"type": "string"},
}}
TEXT = ("Write to billing@acme-tools.example or see https://acme-tools.example/pay. Ref AB-1234 (not ab-12). "
        "Due 12 June 2023, sent 2024-03-15T10:30:00Z, the 18th of August or 31/02/2024; total 1,035.18.")


def _found(name: str, text: str) -> list[tuple[str, object]]:
    plan = next(p for p in plan_fields(TYPED) if p.name == name)
    return [(text[c.span[0] : c.span[1]], c.value) for c in candidates(plan, text)]


def test_each_type_proposes_what_its_parser_reads() -> None:
    assert _found("email", TEXT) == [("billing@acme-tools.example", "billing@acme-tools.example")]
    assert _found("site", TEXT) == [("https://acme-tools.example/pay", "https://acme-tools.example/pay")]
    assert _found("ref", TEXT) == [("AB-1234", "AB-1234")]
    # dates are emitted in the schema's format; a date without its year, or no real date, is no candidate
    assert _found("due", TEXT) == [("12 June 2023", "2023-06-12"), ("2024-03-15T10:30:00Z", "2024-03-15")]
    assert _found("stamp", TEXT) == [("2024-03-15T10:30:00Z", "2024-03-15T10:30:00+00:00")]
    assert [w for w, _ in _found("total", TEXT)][-1] == "1,035.18"


def test_a_phone_format_proposes_the_numbers_the_redaction_finds() -> None:
    schema = {"type": "object", "properties": {"phone": {"type": "string", "format": "phone"}}}
    plan = plan_fields(schema)[0]
    assert type_of(plan) == "phone"
    assert [SIGNATURE[c.span[0] : c.span[1]] for c in candidates(plan, SIGNATURE)] == ["+1 (206) 555-0187"]
    assert candidates(plan, "Invoice 2024-03-15, order 7781, total 1,035.18") == []


def test_untyped_fields_keep_every_span() -> None:
    plans = {p.name: p for p in plan_fields(TYPED)}
    assert type_of(plans["note"]) is None and candidates(plans["note"], TEXT) == []
    assert _found("email", "no address here, only an @ sign and example.com") == []


@pytest.mark.parametrize("text", [SIGNATURE, "Reach me at j.doe+news@mail.example.org any time. Jane Doe"])
def test_a_present_email_is_found_where_it_is_written(engine: LocalEngine, text: str) -> None:
    result = run(engine, TaskRequest(text, ExtractSpec(CONTACT)))
    assert result.fields is not None
    email = result.fields["email"]
    # never "not found" with confidence while the address is right there
    assert email.found or email.confidence < 0.5
    if email.found:
        assert email.span is not None and text[email.span.start : email.span.end] == result.output["email"]
        assert "@" in result.output["email"]


def test_an_absent_typed_field_is_surely_not_found(engine: LocalEngine) -> None:
    result = run(engine, TaskRequest(SIGNATURE, ExtractSpec(CONTACT)))
    assert result.fields is not None
    site = result.fields["website"]  # no URL in the text: nothing of that type to point at
    assert not site.found and result.output["website"] is None and site.confidence > 0.9


def test_a_typed_date_is_emitted_in_its_format_with_the_written_span(engine: LocalEngine) -> None:
    schema = {"type": "object", "properties": {"due": {"type": ["string", "null"], "format": "date",
                                                       "description": "the payment due date"}}}
    text = "Invoice 7781 from Baltic Timber AS. Payment is due on 12 June 2023 at the latest."
    result = run(engine, TaskRequest(text, ExtractSpec(schema)))
    assert result.fields is not None
    due = result.fields["due"]
    assert due.found or due.confidence < 0.5
    if due.found:
        assert result.output["due"] == "2023-06-12"
        assert due.span is not None and text[due.span.start : due.span.end] == "12 June 2023"


LONG = (
    "Delivery notes for March. The pallets left the depot on Monday and reached the customer on Wednesday, "
    "two days later than planned because the road through the valley was closed for repairs. The driver "
    "called ahead and the warehouse staff moved the other deliveries to the afternoon so that nothing waited "
    "outside in the rain. Northwind Traders sent the invoice the same evening. The total is 1,250.00 EUR, "
    "for 14 pallets of 36kg each, payable within 30 days. Questions go to the accounts team, who answer "
    "within a week and keep a copy of every note in the shared folder for the auditors next spring."
)
LONG_SCHEMA = {"type": "object", "properties": {
    "vendor": {"type": ["string", "null"]}, "total": {"type": ["number", "null"]},
    "email": {"type": ["string", "null"], "format": "email"}}}  # fmt: skip


def _finite(values: object) -> set[int]:
    import math

    return {i for i, v in enumerate(values) if math.isfinite(v)}  # type: ignore[attr-defined]


def test_span_scoring_caps_the_paths_of_a_long_text_and_scores_typed_fields_on_their_candidates(
        engine: LocalEngine) -> None:
    """A text longer than the cap: an untyped field's question decodes at most ``cap`` paths (chosen by the
    pre-score), a number field's question only the paths that hold a number, an absent type none at all;
    the neutral question scores what any question does. The planted total is still found."""
    from inference.grounding import number_spans
    from inference.tasks.extract import questions, typed_only, typed_spans
    from inference.tasks.span_scoring import MAX_WORDS, score_spans

    plans = plan_fields(LONG_SCHEMA)
    asked = questions(plans)
    only = typed_only(plans, LONG)
    assert set(only) == {"the total", "the email"} and only["the email"] == set()
    assert only["the total"] == {(a, b) for a, b, _ in number_spans(LONG)}  # 1,250.00, 14, 36 (of 36kg), 30
    scores = score_spans(engine, LONG, asked, extra=typed_spans(plans, LONG), only=only, cap=8)
    vendor, total, email = (_finite(scores.by_question[q]) for q in ("the vendor", "the total", "the email"))
    starts = {scores.spans[i][0] for i in vendor}
    assert 0 < len(starts) <= 8 and len(vendor) <= 8 * MAX_WORDS and len(scores.spans) > 4 * len(vendor)
    assert {scores.spans[i] for i in total} >= only["the total"]  # every number, and only paths holding one
    assert {scores.spans[i][0] for i in total} == {a for a, _ in only["the total"]}  # paths that begin with one
    assert email == set() and _finite(scores.neutral) == vendor | total
    result = run(engine, TaskRequest(LONG, ExtractSpec(LONG_SCHEMA)))  # the default cap (MAX_PATHS)
    assert result.fields is not None and not result.fields["email"].found
    assert result.fields["email"].confidence == 1.0
    if result.fields["total"].found:
        assert result.output["total"] in (1250.0, 14, 36, 30)


def test_a_schema_whose_typed_fields_are_all_absent_costs_no_model_pass(engine: LocalEngine) -> None:
    from inference.tasks.extract import questions, typed_only
    from inference.tasks.span_scoring import score_spans

    schema = {"type": "object", "properties": {"email": {"type": ["string", "null"], "format": "email"},
                                               "amount": {"type": ["number", "null"]}}}
    text = "Thanks for the call today, see you soon at the office."
    plans = plan_fields(schema)
    engine.tokenize("warm")  # nothing fed since: the model state below is the last request's
    before = (engine._llm.n_tokens, list(engine._llm.input_ids[: engine._llm.n_tokens]))
    scores = score_spans(engine, text, questions(plans), only=typed_only(plans, text))
    assert _finite(scores.neutral) == set() and all(not _finite(v) for v in scores.by_question.values())
    assert (engine._llm.n_tokens, list(engine._llm.input_ids[: engine._llm.n_tokens])) == before  # nothing decoded
