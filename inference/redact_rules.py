"""Detectors for the kinds with a checkable shape: e-mail, phone, payment card, IBAN, IP address.

Each ``find_*`` function scans the whole text once and returns ``Detection``s in original offsets.
The patterns only start a match at the beginning of a token (a look-behind), so a long run of digits or
letters is tried once, not once per character: scanning stays linear on hostile input.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator

from inference.redact_base import CARD, EMAIL, IBAN, IP, PHONE, Detection

# --- e-mail -------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]{1,64}@[^\W_](?:[\w\-]{0,62}[^\W_])?"
    r"(?:\.[^\W_](?:[\w\-]{0,62}[^\W_])?)*\.[^\W\d_]{2,24}(?![\w\-])"
)


def find_emails(text: str) -> Iterator[Detection]:
    for m in _EMAIL.finditer(text):
        yield Detection(m.start(), m.end(), EMAIL)


# --- payment cards (Luhn) -----------------------------------------------------------------------

_CARD = re.compile(r"(?=[0-9])(?<![\w+.,/\-])[0-9]++(?:[ \-][0-9]++){0,5}(?![\w]|[.,\-/][0-9])")


_IBAN_PREFIX = re.compile(r"[A-Za-z]{2}[0-9]{2} ?$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card_grouping_ok(groups: list[str], seps: set[str]) -> bool:
    if len(groups) == 1:
        return True
    if len(seps) != 1:
        return False
    lengths = [len(g) for g in groups]
    if lengths in ([4, 6, 5], [4, 6, 4]):  # American Express, Diners Club
        return True
    if all(n >= 4 for n in lengths):  # uneven groups of 4+ digits (e.g. a separator hidden by an invisible one)
        return True
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


_MAESTRO_12 = frozenset({"50", *(str(n) for n in range(56, 70))})  # 12-digit cards: Maestro only
_CARD_CUE = re.compile(r"\b(?:card|cards|cc|credit|debit|visa|mastercard|maestro|amex|discover|jcb)\b")


def _card_number(groups: list[str], seps: set[str], shortest: int) -> bool:
    if not _card_grouping_ok(groups, seps):
        return False
    digits = "".join(groups)
    return shortest <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits)


def find_cards(text: str) -> Iterator[Detection]:
    """Card numbers: 13-19 digits (12 after a card word: Maestro), one kind of separator in card-like
    groups, and a valid Luhn check."""
    for m in _CARD.finditer(text):
        raw = m.group()
        if len(raw) < 12 or _IBAN_PREFIX.search(text, max(0, m.start() - 5), m.start()):
            continue  # too short, or the digits of an IBAN (one whose check failed)
        cued = _CARD_CUE.search(text[max(0, m.start() - 30) : m.start()].lower()) is not None
        shortest = 12 if cued and raw.isdigit() and raw[:2] in _MAESTRO_12 else 13
        groups = re.split(r"[ \-]", raw)
        seps = set(re.findall(r"[ \-]", raw))
        for cut in range(len(groups), 0, -1):  # "4111 1111 1111 1111 5 times": drop trailing groups
            if sum(len(g) for g in groups[:cut]) < shortest:
                break
            if _card_number(groups[:cut], seps, shortest):
                length = len(" ".join(groups[:cut]))
                yield Detection(m.start(), m.start() + length, CARD)
                break


# --- IBAN (ISO 13616, mod-97) -------------------------------------------------------------------

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?=[ ]?[A-Za-z0-9])")


def iban_ok(compact: str) -> bool:
    """``compact`` is an IBAN without spaces; true when its length and mod-97 check digits are right."""
    compact = compact.upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _iban_end(text: str, start: int, length: int) -> int | None:
    """Where an IBAN of ``length`` characters starting at ``start`` ends (single spaces allowed)."""
    pos, taken, n = start, 0, len(text)
    while taken < length:
        if pos < n and text[pos] == " " and taken % 4 == 0 and taken and pos + 1 < n:
            pos += 1
        if pos >= n or not (text[pos].isascii() and text[pos].isalnum()):
            return None
        pos, taken = pos + 1, taken + 1
    if pos < n and text[pos].isalnum():
        return None
    return pos


def find_ibans(text: str) -> Iterator[Detection]:
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group()[:2].upper())
        if length is None:
            continue
        end = _iban_end(text, m.start(), length)
        if end is not None and iban_ok(text[m.start() : end].replace(" ", "")):
            yield Detection(m.start(), end, IBAN)


# --- IP addresses -------------------------------------------------------------------------------

_IPV4 = re.compile(r"(?=[0-9])(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w]|\.[0-9])")
_IPV6 = re.compile(
    r"(?=[0-9A-Fa-f:])(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9A-Fa-f]{1,4}|[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?![\w:])"
)
_VERSION_CUE = re.compile(r"(?i)\b(?:version|ver|v|release|build|firmware|chrome|firefox|edge|safari)\.?\s*$")


def find_ips(text: str) -> Iterator[Detection]:
    for m in _IPV4.finditer(text):
        if _VERSION_CUE.search(text, max(0, m.start() - 20), m.start()):
            continue
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield Detection(m.start(), m.end(), IP)
    for m in _IPV6.finditer(text):
        value = m.group()
        if not any(ch.isdigit() for ch in value) or (value.count(":") < 3 and len(value) < 6):
            continue  # "a::b", "::1" and friends are not worth a placeholder
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        yield Detection(m.start(), m.end(), IP)


# --- phone numbers ------------------------------------------------------------------------------

_SEP = r"[ .\-\u00a0]"
_SEP_RE = re.compile(_SEP)
_PHONE = re.compile(
    rf"(?=[+(0-9])(?<![\w+])(?<!\w[.\-/])"
    rf"(?P<intl>\+[ ]?[0-9]{{1,3}}(?:{_SEP}?\(0\))?{_SEP}?)?"
    rf"(?P<area>\([0-9]{{1,5}}\){_SEP}?)?"
    rf"(?P<body>[0-9]++(?:{_SEP}[0-9]++){{0,6}})"
    rf"(?![\w]|[.\-/][0-9])"
)
_PHONE_CUE = re.compile(  # matched on lower-cased text
    r"\b(?:phone|telephone|tel|mobile|mob|cell|call|calling|called|ring|rang|fax|whatsapp|text|sms"
    r"|dial|my number|contact|contact number|reach|reach me|reached at)\b"
)
_ID_CUE = re.compile(  # matched on lower-cased text
    r"\b(?:order|invoice|inv|ref|reference|transaction|txn|tracking|ticket|case|account|acct|policy"
    r"|serial|id|po|sku|batch|booking|confirmation|customer|code|receipt|member|iban|card)\b"
)


def _cue(text: str, start: int) -> tuple[str, int]:
    """The nearest cue word in the 40 characters before ``start``: ('phone'|'id'|'', distance)."""
    window = text[max(0, start - 40) : start].lower()
    phone = max((m.end() for m in _PHONE_CUE.finditer(window)), default=-1)
    ident = max((m.end() for m in _ID_CUE.finditer(window)), default=-1)
    if phone < 0 and ident < 0:
        return "", 99
    return ("phone", len(window) - phone) if phone > ident else ("id", len(window) - ident)


def _phone_shape_ok(groups: list[str], intl: bool, area: bool, cue: Callable[[], tuple[str, int]]) -> bool:
    digits = "".join(groups)
    d, lengths = len(digits), [len(g) for g in groups]
    if d > 15 or d < 7:
        return False
    if intl:
        return d >= 8
    strong = (
        (area and 9 <= d <= 11)
        or lengths == [3, 3, 4]  # North American 555-123-4567
        or (lengths == [1, 3, 3, 4] and digits[0] == "1")  # 1-800-555-0199
        or (digits[0] == "0" and 10 <= d <= 11 and len(groups) >= 2 and 2 <= lengths[0] <= 5)
    )
    if not strong and max(lengths) < 3:
        return False  # "1 2 3 4 5 6 7" is a list, not a number
    kind, distance = cue()
    if kind == "id" and distance <= 15:
        return False  # "Order no. 555-123-4567" is an order number
    return strong or kind == "phone"


def find_phones(text: str) -> Iterator[Detection]:
    """International (+CC ...), bracketed area code, North American 3-3-4, or national trunk-0 numbers;
    looser shapes only after a phone cue word ("call", "mobile", "tel"...), none after an ID cue."""
    for m in _PHONE.finditer(text):
        if m.end() - m.start() < 7 or _IBAN_PREFIX.search(text, max(0, m.start() - 5), m.start()):
            continue  # fewer than 7 digits (a date, an amount, a PIN), or the digits of an IBAN
        intl, area = bool(m.group("intl")), bool(m.group("area"))
        body_start = m.start("body")
        parts = _SEP_RE.split(m.group("body"))
        if not (intl or area) and max(len(p) for p in parts) < 3:
            continue  # "1 2 3 4 5 6 7" is a list, not a number
        offsets, pos = [], body_start
        for part in parts:
            offsets.append(pos)
            pos += len(part) + 1
        cue = functools.cache(functools.partial(_cue, text, m.start()))
        prefix_digits = "".join(ch for ch in text[m.start() : body_start] if ch.isdigit())
        found = _best_cut(parts, prefix_digits, intl, area, cue)
        if found is None:
            continue
        i, j = found
        start = m.start() if i == 0 else offsets[i]
        yield Detection(start, offsets[j - 1] + len(parts[j - 1]), PHONE)


def _best_cut(
    parts: list[str], prefix: str, intl: bool, area: bool, cue: Callable[[], tuple[str, int]]
) -> tuple[int, int] | None:
    """The widest run of digit groups that reads as a phone number ("Qty 2 555-123-4567" drops "2")."""
    n = len(parts)
    cuts = [(0, n)]
    if n > 1 and max(len(p) for p in parts) >= 3:
        lead = 1  # leading groups that may be dropped: short ones only ("Qty 2 555-123-4567")
        while lead < min(3, n) and len(parts[lead - 1]) <= 2:
            lead += 1
        cuts += [(i, j) for i in range(lead) for j in range(n, max(i, n - 3), -1) if (i, j) != (0, n)]
    for i, j in cuts:
        with_prefix = i == 0
        groups = ([prefix] if with_prefix and prefix else []) + parts[i:j]
        if _phone_shape_ok(groups, intl and with_prefix, area and with_prefix, cue):
            return i, j
    return None
