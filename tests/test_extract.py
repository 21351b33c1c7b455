"""Extraction that copies or says null, with the real starter model (and the pure parts on their own).

Texts: the invoice and messages below were written for these tests; the schemas are the shipped ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from inference.engine import LocalEngine
from inference.errors import MalformedOutput, SchemaInvalid, SchemaUnsupported
from inference.grounding import locate, number_spans, readings, value_grounded
from inference.tasks import run
from inference.tasks.base import ExtractSpec, FieldConfidence, SourceSpan, TaskRequest, TaskResult
from inference.tasks.extract import FieldAnswer, build_result, parse_and_validate
from inference.tasks.extract_plan import plan_fields
from inference.tasks.serialize import result_from_json
from inference.tasks.spans import candidate_starts, snap, words

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
INVOICE_SCHEMA = json.loads((RESOURCES / "schemas" / "invoice.json").read_text())
INVOICE = "  INVOICE #A-1001\nNorthwind Traders\nDate: 2024-01-12\nConsulting, 4 hours: 480.00\nTotal: 1,035.18 USD"
CHAT = "Hi Sam, could you send me the slides from the meeting? Cheers, Priya"
NULLABLE = {
    "type": "object",
    "properties": {name: {"type": ["string", "null"]} for name in ("invoice_number", "vendor", "iban")},
}


NO_TOTAL = "Invoice from Northwind Traders, dated March 15th.\nPayment by bank transfer, thank you."  # no number


@pytest.fixture(scope="module")
def invoice_result(engine: LocalEngine) -> TaskResult:
    return run(engine, TaskRequest(INVOICE, ExtractSpec(INVOICE_SCHEMA)))


def test_values_are_copied_and_offsets_point_at_them(invoice_result: TaskResult) -> None:
    jsonschema.validate(invoice_result.output, INVOICE_SCHEMA)
    assert invoice_result.fields is not None and invoice_result.method == "span-scoring"
    assert set(invoice_result.fields) == set(INVOICE_SCHEMA["properties"])
    for name, evidence in invoice_result.fields.items():
        value = invoice_result.output.get(name)
        if not evidence.found:
            assert value is None and evidence.span is None
            continue
        assert evidence.span is not None and evidence.grounded
        written = INVOICE[evidence.span.start : evidence.span.end]  # offsets into the text as given
        if isinstance(value, str):
            assert written == value
        else:
            assert value in readings(written)
    total = invoice_result.fields["total"]
    assert total.found and isinstance(invoice_result.output["total"], float) or invoice_result.missing == ("total",)


def test_a_required_field_the_text_lacks_is_missing_never_invented_nor_a_crash(engine: LocalEngine) -> None:
    """The invoice template requires a total; a text without one is answered with the total missing (null,
    named in ``missing``) and confidence 0, so the router sends it on; the rest still validates."""
    result = run(engine, TaskRequest(NO_TOTAL, ExtractSpec(INVOICE_SCHEMA)))
    assert result.fields is not None and "total" in result.missing
    assert result.output["total"] is None and not result.fields["total"].found
    assert result.fields["total"].span is None and result.fields["total"].confidence == 1.0  # surely not there
    assert result.confidence == 0.0 and result.signals["missing_fields"] == len(result.missing)
    assert set(result.missing) <= {"date", "total"}  # only required fields can be missing
    rest = {**INVOICE_SCHEMA, "required": [f for f in INVOICE_SCHEMA["required"] if f not in result.missing]}
    jsonschema.validate({k: v for k, v in result.output.items() if k not in result.missing}, rest)
    assert result_from_json(json.loads(json.dumps(result.to_json()))).missing == result.missing  # the queue keeps it


def test_a_missing_required_field_is_named_and_the_rest_still_checked() -> None:
    plans = plan_fields(INVOICE_SCHEMA)
    answers = {p.name: FieldAnswer(None, None, 0.9, 0.0, False) for p in plans}
    result = build_result(plans, answers, INVOICE_SCHEMA, 0, "test", 0.0, "")
    assert result.missing == ("date", "total") and result.confidence == 0.0
    assert result.output == {"date": None, "total": None}
    assert result.to_json()["missing"] == ["date", "total"]
    nullable = {**INVOICE_SCHEMA, "properties": {**INVOICE_SCHEMA["properties"], "total": {"type": ["number", "null"]}}}
    plans = plan_fields(nullable)
    result = build_result(plans, {p.name: FieldAnswer(None, None, 0.9, 0.0, False) for p in plans}, nullable, 0, "t",
                          0.0, "")
    assert result.missing == ("date",)  # a total that may be null is just "not found"
    answers = {**answers, "total": FieldAnswer("twelve", (0, 6), 0.9, 0.0, True)}  # a wrong type is still a bug
    with pytest.raises(MalformedOutput, match="total"):
        build_result(plan_fields(INVOICE_SCHEMA), answers, INVOICE_SCHEMA, 0, "test", 0.0, "")


def test_overall_confidence_is_the_weakest_field(invoice_result: TaskResult) -> None:
    assert invoice_result.fields is not None
    assert invoice_result.confidence == pytest.approx(min(f.confidence for f in invoice_result.fields.values()))
    assert all(0.0 <= f.confidence <= 1.0 for f in invoice_result.fields.values())


def test_absent_fields_come_back_null_or_unsure(engine: LocalEngine) -> None:
    result = run(engine, TaskRequest(CHAT, ExtractSpec(NULLABLE)))
    assert result.fields is not None
    for name, evidence in result.fields.items():
        # an IBAN, an invoice number, a vendor: none is in the message, so none may be a confident answer
        assert not evidence.found or evidence.confidence < 0.5, (name, result.output[name])
    assert not result.fields["iban"].found and result.output["iban"] is None


def test_an_invented_optional_value_lowers_the_answer() -> None:
    plans = plan_fields(INVOICE_SCHEMA)
    text = INVOICE.strip()
    at = text.index("2024-01-12")
    sure = {p.name: FieldAnswer(None, None, 0.95, 0.0, False) for p in plans}
    sure["date"] = FieldAnswer("2024-01-12", (at, at + 10), 0.93, 0.0, True)
    sure["total"] = FieldAnswer(1035.18, (text.index("1,035.18"), text.index(" USD")), 0.9, 0.0, True)
    base = build_result(plans, sure, INVOICE_SCHEMA, 2, "span-scoring", 0.0, "m")
    invented = build_result(plans, {**sure, "vendor": FieldAnswer("Acme", (0, 7), 0.2, 0.0, True)}, INVOICE_SCHEMA,
                            2, "span-scoring", 0.0, "m")
    assert base.confidence == pytest.approx(0.9)  # the weakest field: "not found" counts too
    assert invented.confidence == pytest.approx(0.2)  # an optional value it is unsure of sinks the answer
    assert base.fields is not None and base.fields["date"].span == SourceSpan(at + 2, at + 12)
    assert INVOICE[at + 2 : at + 12] == "2024-01-12"  # offsets into the request's text (leading spaces kept)


def test_field_evidence_survives_json() -> None:
    evidence = FieldConfidence(0.7, 1.2, True, SourceSpan(3, 9), True)
    result = TaskResult("extract", {"a": "x"}, 0.7, fields={"a": evidence, "b": FieldConfidence(0.9, 0.1, True,
                                                                                                None, False)})
    back = result_from_json(json.loads(json.dumps(result.to_json())))
    assert back.fields == {"a": evidence, "b": FieldConfidence(0.9, 0.1, True, None, False)}
    assert result.to_json()["fields"]["a"]["span"] == [3, 9]


def test_the_raw_score_is_not_called_a_probability(invoice_result: TaskResult) -> None:
    """A zero-shot span's raw score is its PMI (nats), not a probability: --json names it ``raw_score``."""
    fields = invoice_result.to_json()["fields"]
    assert all("token_prob" not in f and isinstance(f["raw_score"], float) for f in fields.values())
    assert all(0.0 <= f["confidence"] <= 1.0 for f in fields.values())
    old = {"confidence": 0.7, "token_prob": 2.5, "grounded": True, "found": True, "span": [3, 9]}
    assert FieldConfidence.from_json(old).raw_score == 2.5  # a result stored before the rename


def test_schemas_the_model_cannot_point_into_are_refused(engine: LocalEngine) -> None:
    lines = {"type": "object", "properties": {"lines": {"type": "array", "items": {"type": "object"}}}}
    with pytest.raises(SchemaUnsupported):
        run(engine, TaskRequest(INVOICE, ExtractSpec(lines)))
    with pytest.raises(SchemaUnsupported, match="object"):
        run(engine, TaskRequest(INVOICE, ExtractSpec({"type": "array", "items": {"type": "string"}})))
    with pytest.raises(SchemaInvalid):
        run(engine, TaskRequest(INVOICE, ExtractSpec({"type": "objekt"})))


def test_frontier_json_is_parsed_and_checked() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert parse_and_validate('{"n": 1}', schema) == {"n": 1}
    with pytest.raises(MalformedOutput, match="not valid JSON"):
        parse_and_validate('{"n": 1', schema)
    with pytest.raises(MalformedOutput, match="do not match the schema"):
        parse_and_validate('{"n": "one"}', schema)


# -- the pure parts ---------------------------------------------------------------------------------

def test_plan_walks_nested_objects_refs_and_nullable_unions() -> None:
    schema = {
        "type": "object", "required": ["buyer"],
        "$defs": {"party": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "description": "the company's legal name"},
            "city": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}},
        "properties": {"buyer": {"$ref": "#/$defs/party"}, "paid": {"type": "boolean"},
                       "currency": {"enum": ["EUR", "USD", None]},
                       "tags": {"type": "array", "items": {"type": "string"}},
                       "invoiceNumber": {"type": "string"}},
    }  # fmt: skip
    plans = {p.name: p for p in plan_fields(schema)}
    assert list(plans) == ["buyer/name", "buyer/city", "paid", "currency", "tags", "invoiceNumber"]
    assert plans["buyer/name"].required and plans["buyer/name"].question == "the company's legal name"
    assert plans["buyer/city"].nullable and not plans["buyer/city"].required
    assert plans["buyer/city"].question == "the city of the buyer"
    assert plans["paid"].kind == "choice" and plans["paid"].options == (True, False)
    assert plans["currency"].nullable and plans["currency"].options == ("EUR", "USD")
    assert plans["tags"].array and plans["tags"].kind == "string"
    assert plans["invoiceNumber"].question == "the invoice number"


def test_lone_digits_are_not_in_the_text() -> None:
    source = "Invoice A-1001 dated 2024-03-15. Total: 1,035.18 EUR (3 items)."
    assert locate("1", source) is None and not value_grounded("1", source) and not value_grounded(1, source)
    assert locate(1035.18, source) == SourceSpan(40, 48) and source[40:48] == "1,035.18"
    assert value_grounded("1035.18 EUR", source) and value_grounded(3, source)
    assert not value_grounded(15, source)  # a part of the date is not a number of the text
    assert value_grounded("15/03/2024", source)  # the same date written another way
    assert [source[a:b] for a, b, _ in number_spans(source)] == ["1,035.18", "3"]
    assert readings("12,50") == [12.5, 1250.0] and readings("1,035") == [1035.0, 1.035]


@pytest.mark.parametrize(("source", "value", "written"), [
    ("Revenue rose to 1.2bn this year", 1.2e9, "1.2bn"),
    ("Revenue rose to 1.2bn this year", 1.2, "1.2bn"),  # the digits as written, scaled or not
    ("Raised $4.2M in seed funding", 4_200_000, "4.2M"),
    ("Raised $4.2M in seed funding", 4.2, "4.2M"),
    ("a budget of €12k for travel", 12_000, "12k"),
    ("2B users", 2e9, "2B"),
    ("Net weight 12.5kg per box", 12.5, "12.5"),
    ("It weighs 3kg.", 3, "3"),
    ("runs 42km each week", 42, "42"),
    ("a 20% discount", 20, "20"),
    ("pay 100EUR by Friday", 100, "100"),
    ("Storage: 4GB, battery 5000mAh", 5000, "5000"),
    ("Total: 1 035,50€", 1035.5, "1 035,50"),
])  # fmt: skip
def test_a_number_glued_to_a_unit_or_magnitude_is_that_number(source: str, value: float, written: str) -> None:
    span = locate(value, source)
    assert span is not None and source[span.start : span.end] == written
    assert value_grounded(value, source)


@pytest.mark.parametrize(("source", "part"), [
    ("Revenue rose to 1.2bn this year", 1), ("Raised $4.2M in seed funding", 4), ("Net weight 12.5kg", 12),
    ("Net weight 12.5kg", 5), ("1,035.18 kg", 1), ("v1.2.3 released", 1), ("the 15th of May", 15),
    ("order 4Mbit", 4), ("on 2024-03-15", 2024), ("at 12:30", 12), ("code 123ABC", 123), ("3rd floor", 3),
])  # fmt: skip
def test_a_leading_part_of_a_number_is_never_a_number(source: str, part: int) -> None:
    assert locate(part, source) is None and not value_grounded(part, source)


def test_number_spans_of_units_and_magnitudes() -> None:
    text = "Shipped 3kg and 12.5kg (1.2bn units, $4.2M, 5 000 EUR) on 2024-03-15; 15th try, 10am, 4x faster."
    assert [(text[a:b], values[0]) for a, b, values in number_spans(text)] == [
        ("3", 3.0), ("12.5", 12.5), ("1.2bn", 1.2e9), ("4.2M", 4.2e6), ("5 000", 5000.0), ("4", 4.0)]
    assert readings("4.2M") == [4_200_000.0, 4.2, 42_000_000.0, 42.0]


def test_spans_are_whole_words() -> None:
    text = "ok, at 9:45 a.m. (Acme) paid $5,600.50 today? O'Brien"
    assert [text[w.start : w.end] for w in words(text)] == [
        "ok", "at", "9:45", "a.m.", "Acme", "paid", "$5,600.50", "today", "O'Brien"]
    assert [text[s.start : e] for s in candidate_starts(text, 3)[:2] for e in s.ends] == [
        "ok", "ok, at", "ok, at 9:45", "at", "at 9:45", "at 9:45 a.m."]
    start, end = snap(text, 8, 10)  # ":4" of 9:45
    assert text[start:end] == "9:45"
    start, end = snap(text, 33, 35)
    assert text[start:end] == "5,600.50"
