"""Candidates a field's declared type proposes from the text, for the model to score.

A schema that says what a value looks like (``format: email / uri / date / date-time``, ``pattern``, a
number) narrows a field's candidates to the spans a parser or regular expression finds in the text, instead
of every run of up to four words. The model still chooses among them (``span_scoring`` scores them like any
span), but it can no longer bury a present e-mail address under a likelier-sounding phrase, and a field
whose type is nowhere in the text is "not found" without asking it.

- e-mail: the addr-spec shape (local part, "@", a dotted domain), checked by ``email.headerregistry``'s
  parser of the standard library;
- uri: ``scheme://...`` or ``www.``..., checked by ``urllib.parse``;
- date / date-time: written dates (ISO, numeric day/month/year, "12 June 2023", "Aug 28, 2018"), read by
  ``dateutil`` (an ambiguous 03/04/2024 month first, its default) and emitted in the schema's format
  (RFC 3339) with the written span as the source; a date written without its year is no candidate (the
  year would be invented);
- phone (``format: phone`` or ``tel``, our own format name): the phone numbers the redaction finds
  (``redact_phone``: libphonenumber's matcher and its rules);
- pattern: every match of the schema's own pattern (anchors dropped) that the whole pattern accepts;
- number / integer: the numbers written in the text (``grounding.number_spans``), as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any, Literal
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from inference.grounding import number_spans
from inference.tasks.extract_plan import FieldPlan

TypeName = Literal["email", "uri", "date", "date-time", "phone", "pattern", "number"]
EMAILS = ("email", "idn-email")
PHONES = ("phone", "tel")  # not a JSON Schema format, but formats are open: ours, as the redaction finds them
URIS = ("uri", "iri", "uri-reference", "iri-reference")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)")
_URI = re.compile(r"(?<![\w@])(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE = re.compile(
    rf"(?<![\w/.-])(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ]\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_WEEKDAY}{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?)(?![\w/-])",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?"
_PATTERN_SCAN_CHARS = 20_000  # a pattern is only searched in this much text (schema_limits bounds the pattern)


@dataclass(frozen=True)
class Candidate:
    span: tuple[int, int]  # offsets into the text
    value: Any  # what the field emits (the span's text, a number, an ISO date)


def type_of(plan: FieldPlan) -> TypeName | None:
    """The declared type that proposes candidates for this field (None: any run of words)."""
    if plan.kind in ("number", "integer"):
        return "number"
    if plan.kind != "string":
        return None
    node = plan.schema.get("items", {}) if plan.array else plan.schema
    node = node if isinstance(node, dict) else {}
    fmt = node.get("format")
    if fmt in EMAILS:
        return "email"
    if fmt in URIS:
        return "uri"
    if fmt in ("date", "date-time"):
        return "date" if fmt == "date" else "date-time"
    if fmt in PHONES:
        return "phone"
    if isinstance(node.get("pattern"), str):
        return "pattern"
    return None


def candidates(plan: FieldPlan, text: str) -> list[Candidate]:
    """Every value of the field's declared type written in ``text`` (empty for an untyped field)."""
    kind = type_of(plan)
    if kind == "email":
        return [Candidate(s, text[s[0] : s[1]]) for s in _spans(_EMAIL, text) if _is_email(text[s[0] : s[1]])]
    if kind == "uri":
        return [Candidate(s, text[s[0] : s[1]]) for s in _spans(_URI, text) if _is_uri(text[s[0] : s[1]])]
    if kind in ("date", "date-time"):
        return [Candidate(s, v) for s in _spans(_DATE, text) if (v := _iso(text[s[0] : s[1]], kind)) is not None]
    if kind == "phone":
        from inference.redact_phone import find_phone_numbers

        return [Candidate((d.start, d.end), text[d.start : d.end]) for d in find_phone_numbers(text)]
    if kind == "pattern":
        node = plan.schema.get("items", {}) if plan.array else plan.schema
        return _pattern(str(node.get("pattern", "")), text)
    if kind == "number":
        return [Candidate((a, b), None) for a, b, _ in number_spans(text)]
    return []


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    out = []
    for match in pattern.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:  # the sentence's punctuation, not the value's
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def _is_email(value: str) -> bool:
    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return bool(address.username) and "." in address.domain


def _is_uri(value: str) -> bool:
    parts = urlsplit(value if "://" in value else "http://" + value)
    return bool(parts.scheme) and "." in parts.netloc


def _iso(written: str, kind: str) -> str | None:
    """The date (or date-time) written in ``written``, in RFC 3339; None when it is no real date."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", written, flags=re.IGNORECASE).replace(" of ", " ")
    try:
        when: dt.datetime = dateparser.parse(cleaned, default=dt.datetime(1904, 1, 1))
        other: dt.datetime = dateparser.parse(cleaned, default=dt.datetime(1908, 1, 1))
    except (ValueError, OverflowError):
        return None
    if when.year != other.year:  # no year written: an RFC 3339 date would invent one
        return None
    if kind == "date":
        return when.date().isoformat()
    return when.isoformat() if ":" in written else None


def _pattern(pattern: str, text: str) -> list[Candidate]:
    """Matches of the pattern with its anchors dropped, kept when the whole pattern accepts them."""
    try:
        whole = re.compile(pattern)
        loose = re.compile(pattern.removeprefix("^").removesuffix("$"))
    except re.error:
        return []
    out = []
    for match in loose.finditer(text[:_PATTERN_SCAN_CHARS]):
        start, end = match.span()
        if end > start and whole.search(text[start:end]):
            out.append(Candidate((start, end), text[start:end]))
    return out
