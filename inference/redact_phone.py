"""Phone numbers in free text, found with libphonenumber (the ``phonenumbers`` package).

libphonenumber's matcher, in its most lenient mode, proposes every stretch that could be a number in
international or national format, extensions included (``ext. 12``, ``x12``). A candidate is kept when

- it is written internationally (``+44 ...``, ``0044 ...``);
- it is a valid number (right length and prefix for the region) in one of the common regions below;
- or a phone word stands near it ("call", "tel", "mobile", "fax", "whatsapp", "text me"... before it,
  or "office", "mobile", "fax" right after it),

and it is not a date, not a time, and not right after an identifier word ("order", "invoice", "ref",
"account", "card"...). The rule-based finder in ``redact_rules`` (North American and trunk-0 shapes)
runs as well; overlaps are merged by ``redact.detect``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from inference.redact_base import PHONE, Detection

# Regions whose numbering plans are tried when a number is written nationally.
_REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "IE", "SE", "DK", "NO", "FI",
            "PL", "PT", "CZ", "HU", "GR", "AU", "NZ", "CA", "IN", "ZA", "BR", "MX", "JP", "SG")  # fmt: skip
_CANDIDATE_REGIONS = ("DE",)  # the most permissive plan: its matcher proposes the most shapes

_PHONE_BEFORE = re.compile(  # matched on the lower-cased 40 characters before a candidate
    r"\b(?:phone|telephone|tel|mobile|mob|cell|cellphone|handy|call|calling|called|ring|rang|fax|whatsapp"
    r"|signal|text|texts|texting|sms|message|messages|dial|dialled|dialed|hotline|helpline|landline|voicemail"
    r"|answering|reach|reached|contact|office|ph|tél|téléphone|telefon|telefono|teléfono|móvil)\b"
)
_PHONE_AFTER = re.compile(r"[ \t\-–(]*(?:office|mobile|cell|home|work|fax|tel|phone|landline)\b", re.I)
_ID_BEFORE = re.compile(
    r"\b(?:order|invoice|inv|ref|reference|transaction|txn|tracking|ticket|case|account|acct|policy"
    r"|serial|id|po|sku|batch|booking|confirmation|customer|code|receipt|member|iban|card|cc|ssn|passport"
    r"|licen[cs]e|zip|postcode|isbn|version|build|amount|total|balance)\b"
)
_DATE_LIKE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)$"
)
_INTERNATIONAL = re.compile(r"^(?:\+|00[1-9])")
# "2000-04-16 11:34:35" is no phone; "1660-01-01234" (a Korean number) is
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])|[0-9]:[0-9]{2}")
# A digit run with the separators phone numbers use, an optional extension; 5 characters at least.
_RUN = re.compile(
    r"(?:\+|\b)[0-9(][0-9 ()./\-\u00a0]{3,32}[0-9](?:[ ]*(?:ext\.?|extension|x|#)[ ]*[0-9]{1,6})?",
    re.IGNORECASE,
)
_GROUPS = re.compile(r"[0-9]+")
_EXTENSION = re.compile(r"[ ]*(?:ext\.?|extension|x|#)[ ]*[0-9]{1,6}$", re.IGNORECASE)
_IBAN_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ ]?[A-Za-z0-9]{2,4}){2,}")


def _nearest(pattern: re.Pattern[str], window: str) -> int:
    """Characters between the end of the last match of ``pattern`` in ``window`` and its end (or 99)."""
    last = -1
    for m in pattern.finditer(window):
        last = m.end()
    return len(window) - last if last >= 0 else 99


def _valid_somewhere(raw: str) -> bool:
    for region in _REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


_MIN_DIGITS = 7  # a shorter number is a phone number only right after a phone word
_MIN_DIGITS_CUED = 5  # small numbering plans (Niue 4002, Falklands 31234): "call me on 31234"
_SHORT_CUE = 16  # characters between that word and the number at most ("messages to", "call me on")


def _keep(text: str, start: int, end: int, raw: str) -> bool:
    digits = sum(ch.isdigit() for ch in raw)
    glued = start > 0 and (text[start - 1].isalnum() or text[start - 1] in "/.")  # "A123456789", "/users/8812"
    if digits < _MIN_DIGITS:
        return digits >= _MIN_DIGITS_CUED and not glued and _short_number_cued(text, start, end, raw)
    if glued or _DATE_LIKE.match(raw.strip()) or _TIMESTAMP.search(text, start, min(len(text), end + 3)):
        return False
    window = text[max(0, start - 40) : start].lower()
    phone_cue = _nearest(_PHONE_BEFORE, window)
    id_cue = _nearest(_ID_BEFORE, window)
    if id_cue < phone_cue and id_cue <= 20:
        return False  # "order no. 0123 456 789"
    if _INTERNATIONAL.match(raw):
        return True
    if phone_cue <= 30 or _PHONE_AFTER.match(text, end):
        return True
    if "." in _EXTENSION.sub("", raw):
        return False  # dotted numbers without a phone word: versions, addresses, amounts
    grouped = any(sep in raw for sep in " -()")
    return grouped and digits >= 9 and _valid_somewhere(raw)


def _short_number_cued(text: str, start: int, end: int, raw: str) -> bool:
    """A 5-6 digit number kept only right after a phone word and standing alone: not a date, time,
    amount, or part of a longer run ("call me on 31234", not "call 3 times in 2024")."""
    after = text[end : end + 3].lstrip(" \t")
    if not re.fullmatch(r"[0-9][0-9 \-]*[0-9]", raw.strip()) or (after[:1].isalnum()):
        return False  # "a taxi to 90696 Fagotstraat": a house number, an amount in "12500 EUR"
    window = text[max(0, start - 40) : start].lower()
    return _nearest(_PHONE_BEFORE, window) <= _SHORT_CUE and _nearest(_ID_BEFORE, window) > _SHORT_CUE


def _windows(text: str) -> Iterator[tuple[int, int]]:
    """Stretches that may hold a phone number, each at most ~40 characters, so libphonenumber's matcher
    never scans a long run of digits (it is quadratic there)."""
    for m in _RUN.finditer(text):
        groups = _GROUPS.findall(m.group())
        if len(groups) <= 7 and sum(map(len, groups)) <= 21:  # else a list or table of numbers, not one phone
            yield max(0, m.start() - 1), min(len(text), m.end() + 1)


def find_phone_numbers(text: str) -> Iterator[Detection]:
    """Phone numbers proposed by libphonenumber's matcher and kept by the rules above."""
    if sum(ch.isdigit() for ch in text) < _MIN_DIGITS_CUED:
        return
    ibans = [m.span() for m in _IBAN_RUN.finditer(text)]  # the digits of an IBAN (even a wrong one)
    for a, b in _windows(text):
        piece = text[a:b]
        seen: set[tuple[int, int]] = set()
        for region in _CANDIDATE_REGIONS:
            for match in PhoneNumberMatcher(piece, region, leniency=Leniency.POSSIBLE):
                start, end = a + match.start, a + match.end
                if (start, end) in seen or any(x < end and start < y for x, y in ibans):
                    continue
                seen.add((start, end))
                if _keep(text, start, end, match.raw_string):
                    yield Detection(start, end, PHONE)
