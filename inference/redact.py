"""Reversible pseudonymization: personal data becomes ``[KIND_n]`` placeholders before anything may
leave the device, and the placeholders in the provider's answer are mapped back on the device.

    >>> r = pseudonymize("Hi, I'm Jane Roe, call me on +44 20 7946 0958.")
    >>> r.text
    "Hi, I'm [PERSON_1], call me on [PHONE_1]."
    >>> restore("Dear [PERSON_1], ...", r.mapping)
    'Dear Jane Roe, ...'

Kinds: EMAIL, PHONE, CARD (Luhn-checked), IBAN (mod-97-checked), IP (v4, v6), PERSON, ADDRESS, and
REDACTED for what the user hides by hand (``redact_more``). The same value gets the same placeholder
within one text. Numbers already written in the text as ``[KIND_n]`` are skipped, so a placeholder
never collides with the user's own words. Detection is rule- and word-list-based (see the
``redact_*`` modules and docs/redaction.md), runs offline, and is linear in the text's length.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inference.redact_address import find_addresses
from inference.redact_base import KINDS, USER, Detection
from inference.redact_dates import find_ages, find_birth_dates
from inference.redact_ids import find_national_ids, find_postcodes
from inference.redact_names import find_names
from inference.redact_people import second_opinion
from inference.redact_phone import find_phone_numbers
from inference.redact_rules import find_cards, find_emails, find_ibans, find_ips, find_phones
from inference.redact_tagger import find_entities
from inference.redact_text import normalize

__all__ = [
    "KINDS",
    "USER",
    "Detection",
    "Redaction",
    "Span",
    "detect",
    "pseudonymize",
    "pseudonymize_more",
    "redact_more",
    "restore",
    "restore_value",
]

_DETECTORS: tuple[Callable[[str], Iterator[Detection]], ...] = (
    find_emails,
    find_ibans,
    find_cards,
    find_ips,
    find_national_ids,
    find_phones,
    find_phone_numbers,
    find_birth_dates,
    find_ages,
    find_postcodes,
    find_addresses,
    find_names,
    find_entities,
)
_ALL_KINDS = (*KINDS, USER)
_KIND_ALTERNATION = "|".join(_ALL_KINDS)
_PLACEHOLDER = re.compile(rf"\[(?:{_KIND_ALTERNATION})_[0-9]+\]")
# What restore() accepts: the exact placeholder, or one a model escaped for Markdown (\[PERSON\_1\]).
_PLACEHOLDER_LOOSE = re.compile(rf"\\?\[[ ]?({_KIND_ALTERNATION})\\?_([0-9]+)[ ]?\\?\]")


@dataclass(frozen=True)
class Span:
    """A placeholder in the *redacted* text (for highlighting in the consent dialog)."""

    start: int
    end: int
    kind: str
    placeholder: str


@dataclass(frozen=True)
class Redaction:
    text: str  # the redacted text: exactly what would be sent
    mapping: dict[str, str]  # placeholder -> original value
    spans: tuple[Span, ...]

    def counts(self) -> dict[str, int]:
        """Kind -> number of distinct values hidden."""
        result: dict[str, int] = {}
        for placeholder in self.mapping:
            kind = _kind_of(placeholder)
            result[kind] = result.get(kind, 0) + 1
        return result

    def original(self) -> str:
        """The text before redaction."""
        return restore(self.text, self.mapping)


def _kind_of(placeholder: str) -> str:
    return placeholder[1 : placeholder.rindex("_")]


def _check_kinds(kinds: Collection[str] | None) -> frozenset[str]:
    if kinds is None:  # every kind, and what the tagger learned from the user's own redactions
        return frozenset(_ALL_KINDS)
    wanted = frozenset(k.upper() for k in kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown redaction kind(s) {sorted(unknown)}; choose from {', '.join(KINDS)}")
    return wanted


def _resolve(found: Iterable[Detection]) -> list[Detection]:
    """Non-overlapping detections, sorted by position: an earlier kind in KINDS wins, then the longer."""
    rank = {kind: i for i, kind in enumerate(_ALL_KINDS)}
    starts: list[int] = []
    kept: list[Detection] = []
    for d in sorted(found, key=lambda d: (rank[d.kind], d.start - d.end, d.start)):
        if d.end <= d.start:
            continue
        i = bisect.bisect_right(starts, d.start)
        if (i > 0 and kept[i - 1].end > d.start) or (i < len(kept) and kept[i].start < d.end):
            continue
        starts.insert(i, d.start)
        kept.insert(i, d)
    return kept


def detect(text: str, kinds: Collection[str] | None = None) -> tuple[Detection, ...]:
    """The personal data in ``text``, in original offsets, sorted and non-overlapping.

    All detectors always run, so that (say) the digits of an IBAN are never half-taken as a phone
    number; ``kinds`` then chooses which kinds are reported.
    """
    wanted = _check_kinds(kinds)
    norm = normalize(text)
    seen = norm.text
    found = _resolve(second_opinion(seen, [d for detector in _DETECTORS for d in detector(seen)]))
    if seen is text:
        return tuple(d for d in found if d.kind in wanted)
    mapped = (Detection(*norm.span(d.start, d.end), d.kind) for d in found if d.kind in wanted)
    return tuple(_resolve(mapped))


class _Numbering:
    """Hands out ``[KIND_n]`` placeholders, skipping any already written in the text."""

    def __init__(self, text: str, mapping: Mapping[str, str] | None = None) -> None:
        self.taken = set(_PLACEHOLDER.findall(text)) | set(mapping or ())
        self.by_value = {(_kind_of(p), v): p for p, v in (mapping or {}).items()}

    def placeholder(self, kind: str, value: str) -> str:
        existing = self.by_value.get((kind, value))
        if existing is not None:
            return existing
        n = 1
        while f"[{kind}_{n}]" in self.taken:
            n += 1
        placeholder = f"[{kind}_{n}]"
        self.taken.add(placeholder)
        self.by_value[(kind, value)] = placeholder
        return placeholder


def pseudonymize(text: str, kinds: Collection[str] | None = None) -> Redaction:
    """Replace the personal data in ``text`` (all kinds, or only ``kinds``) with placeholders."""
    return _pseudonymize(text, kinds, _Numbering(text))


def pseudonymize_more(
    redaction: Redaction, texts: Sequence[str], *, context: tuple[str, str] = ("", ""),
) -> tuple[tuple[str, ...], Redaction]:
    """``texts`` that leave with ``redaction.text`` (e.g. a classifier's labels), redacted with the same
    placeholders: a value already hidden keeps its placeholder, new ones are numbered after, and none
    collides with a placeholder written in any of the texts. Returns the redacted texts and ``redaction``
    with the mapping grown by theirs (its text and spans unchanged), so ``restore`` maps an answer that
    repeats one of them back on the device.

    ``context``: words detection reads around each text, not redacted themselves. The tagger learned on
    sentences; a fragment read alone (a label such as "exchange_rate") looks like a name to it, while the
    same fragment in a sentence ("The message is about exchange_rate.") does not."""
    numbering = _Numbering("\n".join((redaction.text, *texts)), redaction.mapping)
    mapping = dict(redaction.mapping)
    redacted = []
    for text in texts:
        more = _pseudonymize(text, None, numbering, context)
        mapping.update(more.mapping)
        redacted.append(more.text)
    return tuple(redacted), Redaction(redaction.text, mapping, redaction.spans)


def _detect_in(text: str, kinds: Collection[str] | None, context: tuple[str, str]) -> Iterable[Detection]:
    before, after = context
    if not before and not after:
        return detect(text, kinds)
    shift = len(before)
    return (Detection(d.start - shift, d.end - shift, d.kind) for d in detect(before + text + after, kinds)
            if d.start >= shift and d.end <= shift + len(text))


def _pseudonymize(text: str, kinds: Collection[str] | None, numbering: _Numbering,
                  context: tuple[str, str] = ("", "")) -> Redaction:
    mapping: dict[str, str] = {}
    parts: list[str] = []
    spans: list[Span] = []
    pos = length = 0
    for d in _detect_in(text, kinds, context):
        value = text[d.start : d.end]
        placeholder = numbering.placeholder(d.kind, value)
        mapping[placeholder] = value
        parts.append(text[pos : d.start])
        length += d.start - pos
        spans.append(Span(length, length + len(placeholder), d.kind, placeholder))
        parts.append(placeholder)
        length += len(placeholder)
        pos = d.end
    parts.append(text[pos:])
    return Redaction("".join(parts), mapping, tuple(spans))


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back for the placeholders in ``text`` (one pass: a restored value is
    never itself expanded). Unknown placeholders are left as they are."""
    if not mapping:
        return text

    def swap(m: re.Match[str]) -> str:
        return mapping.get(f"[{m.group(1)}_{int(m.group(2))}]", m.group(0))

    if all(_PLACEHOLDER.fullmatch(p) for p in mapping):
        return _PLACEHOLDER_LOOSE.sub(swap, text)
    custom = re.compile("|".join(re.escape(p) for p in sorted(mapping, key=len, reverse=True)))
    return custom.sub(lambda m: mapping[m.group(0)], text)


def restore_value(value: Any, mapping: Mapping[str, str]) -> Any:
    """``restore`` applied to every string (dict keys included) inside a JSON-like value."""
    if isinstance(value, str):
        return restore(value, mapping)
    if isinstance(value, dict):
        return {restore_value(k, mapping): restore_value(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_value(v, mapping) for v in value]
    if isinstance(value, tuple):
        return tuple(restore_value(v, mapping) for v in value)
    return value


def _spans(text: str, mapping: Mapping[str, str]) -> tuple[Span, ...]:
    return tuple(
        Span(m.start(), m.end(), _kind_of(m.group()), m.group())
        for m in _PLACEHOLDER.finditer(text)
        if m.group() in mapping
    )


def _widen(redaction: Redaction, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without surrounding blanks, grown to whole placeholders where it cuts one."""
    text = redaction.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    for span in redaction.spans:
        if start < end and span.start < end and span.end > start:
            start, end = min(start, span.start), max(end, span.end)
    return start, end


def _occurrences(redaction: Redaction, start: int, end: int) -> list[tuple[int, int]]:
    """Every place the selected text appears as a whole (words not cut, placeholders not cut)."""
    text, selected = redaction.text, redaction.text[start:end]
    found: list[tuple[int, int]] = []
    pos = text.find(selected)
    while pos >= 0:
        a, b = pos, pos + len(selected)
        word_cut = (selected[0].isalnum() and a > 0 and text[a - 1].isalnum()) or (
            selected[-1].isalnum() and b < len(text) and text[b].isalnum()
        )
        cuts = any(s.start < b and s.end > a and not (a <= s.start and s.end <= b) for s in redaction.spans)
        if not word_cut and not cuts and not (a < end and b > start and (a, b) != (start, end)):
            found.append((a, b))
            pos = b
        else:
            pos += 1
        pos = text.find(selected, pos)
    return found if (start, end) in found else sorted([*found, (start, end)])


def redact_more(redaction: Redaction, start: int, end: int, *, everywhere: bool = True) -> Redaction:
    """Hide ``redaction.text[start:end]`` (a selection in the consent dialog) behind a new
    ``[REDACTED_n]``; with ``everywhere`` the same text is hidden wherever else it appears.

    A selection that cuts a placeholder grows to cover it; blanks at its edges are left out; a
    blank selection changes nothing. The mapping keeps only the placeholders still in the text.
    """
    if not 0 <= start <= end <= len(redaction.text):
        raise ValueError(f"selection {start}:{end} is outside the text (length {len(redaction.text)})")
    start, end = _widen(redaction, start, end)
    text = redaction.text
    if start == end or text[start:end] in redaction.mapping:
        return redaction  # nothing selected, or exactly one placeholder: already hidden
    original = restore(text[start:end], redaction.mapping)
    placeholder = _Numbering(text, redaction.mapping).placeholder(USER, original)
    ranges = _occurrences(redaction, start, end) if everywhere else [(start, end)]
    parts, pos = [], 0
    for a, b in ranges:
        parts += [text[pos:a], placeholder]
        pos = b
    parts.append(text[pos:])
    new_text = "".join(parts)
    used = {m.group() for m in _PLACEHOLDER.finditer(new_text)}
    mapping = {p: v for p, v in redaction.mapping.items() if p in used}
    mapping[placeholder] = original
    return Redaction(new_text, mapping, _spans(new_text, mapping))
