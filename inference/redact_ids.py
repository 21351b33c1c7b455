"""National identity numbers and postcodes.

**ID.** Numbers are validated with ``python-stdnum`` (check digits, embedded dates, allowed ranges):
- formats distinctive enough to stand alone (a check digit plus a shape few other numbers have): US SSN
  written ``123-45-6789`` / ``123 45 6789``, Italian codice fiscale, Spanish DNI/NIE, UK National
  Insurance numbers, Finnish HETU, Swedish/Danish personal numbers (``YYMMDD-NNNN``), Brazilian CPF
  (``123.456.789-09``), Indian PAN, Chinese resident ID, Mexican CURP;
- anything else only right after an identity word ("passport", "driver's license", "SSN", "social
  security", "national insurance", "tax ID", "ID number", "BSN", "PESEL", "personnummer"...): the next
  token with at least four digits.

**POSTCODE.** UK and Canadian postcodes (their shape is distinctive), a US state + ZIP
(``NY 10001``), ZIP+4, and any 3-10 character code right after "ZIP", "postcode", "postal code",
"PLZ"... Postcodes inside a street address are taken with the address (``redact_address``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from stdnum import iban as _iban  # noqa: F401  (imported here so a broken stdnum install fails early)
from stdnum.br import cpf
from stdnum.cn import ric
from stdnum.dk import cpr
from stdnum.es import dni, nie
from stdnum.fi import hetu
from stdnum.in_ import pan
from stdnum.it import codicefiscale
from stdnum.mx import curp
from stdnum.se import personnummer
from stdnum.us import ssn

from inference.redact_base import ID, POSTCODE, Detection

_B = r"(?<![\w\-])"  # starts a token
_E = r"(?![\w\-])"  # ends a token

_SSN = re.compile(rf"{_B}[0-9]{{3}}([- ])[0-9]{{2}}\1[0-9]{{4}}{_E}")
_NINO = re.compile(
    rf"{_B}(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{{2}} ?[0-9]{{2}} ?[0-9]{{2}} ?[A-D]{_E}"
)


def _valid(module: Any) -> Callable[[str], bool]:
    check = module.is_valid

    def ok(value: str) -> bool:
        return bool(check(value))

    return ok


# (pattern, validator) for formats that stand alone.
_STANDALONE: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (_SSN, _valid(ssn)),
    (_NINO, lambda v: True),
    (re.compile(rf"(?i){_B}[A-Z]{{6}}[0-9LMNPQRSTUV]{{2}}[A-EHLMPR-T][0-9LMNPQRSTUV]{{2}}[A-Z][0-9LMNPQRSTUV]{{3}}[A-Z]{_E}"),
     _valid(codicefiscale)),
    (re.compile(rf"{_B}[0-9]{{8}}-?[A-Z]{_E}"), _valid(dni)),
    (re.compile(rf"{_B}[XYZ]-?[0-9]{{7}}-?[A-Z]{_E}"), _valid(nie)),
    (re.compile(rf"{_B}[0-9]{{6}}[-+A][0-9]{{3}}[0-9A-Y]{_E}"), _valid(hetu)),
    (re.compile(rf"{_B}(?:[0-9]{{2}})?[0-9]{{6}}[-+][0-9]{{4}}{_E}"),
     lambda v: bool(personnummer.is_valid(v) or cpr.is_valid(v))),
    (re.compile(rf"{_B}[0-9]{{3}}\.[0-9]{{3}}\.[0-9]{{3}}-[0-9]{{2}}{_E}"), _valid(cpf)),
    (re.compile(rf"{_B}[A-Z]{{5}}[0-9]{{4}}[A-Z]{_E}"), _valid(pan)),
    (re.compile(rf"{_B}[0-9]{{17}}[0-9X]{_E}"), _valid(ric)),
    (re.compile(rf"{_B}[A-Z]{{4}}[0-9]{{6}}[HM][A-Z]{{5}}[A-Z0-9][0-9]{_E}"), _valid(curp)),
)  # fmt: skip

# Matched on the lower-cased text. What may sit between the word and the value: "number", "no.", "#",
# "is", ":" and the like.
_ID_CUE = re.compile(
    r"\b(?:passport|driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|licen[cs]e|national\s+(?:id|identity|insurance)"
    r"|ni\s+(?:no|number)|nino|social\s+security|ssn|sin|tax\s*(?:id|payer\s+id|file|identification)|tin|tfn"
    r"|personal\s+(?:id|identity|number|code)|identity\s+(?:card|number|document)|id\s+(?:card|number|no)"
    r"|national\s+id\s+card|nhs|medical\s+record|mrn|patient\s+(?:id|number)|employee\s+(?:id|number)"
    r"|bsn|pesel|nif|nie|dni|cpf|aadhaa?r|pan\s+(?:card|number)|codice\s+fiscale|steuer-?id|personnummer"
    r"|f[øo]dselsnummer|henkil[öo]tunnus|hetu|cpr|curp|rfc|resident\s+id|(?:my|your|his|her|their)\s+id)"
    r"(?:\s+(?:number|no\.?|num|nr\.?|code|#))?(?:\s+(?:is|was|reads|:))?\s*[:#]?[ \t]*"
)
_NOT_PERSONAL_ID = re.compile(
    r"\b(?:order|transaction|txn|invoice|tracking|ticket|session|request|product|batch|device|app|client)\s+$"
)
_ID_VALUE = re.compile(
    rf"{_B}(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9](?:[A-Za-z0-9]|[\-./](?=[A-Za-z0-9])|[ ](?=[0-9])){{4,24}}"
    rf"(?![\w\-]|[./][A-Za-z0-9])"
)


def _cued_ids(text: str, low: str) -> Iterator[Detection]:
    for cue in _ID_CUE.finditer(low):
        if not (cue.start() == 0 or not low[cue.start() - 1].isalnum()):
            continue
        m = _ID_VALUE.match(text, cue.end())
        if m is None or sum(ch.isdigit() for ch in m.group()) < 4:
            continue
        if _NOT_PERSONAL_ID.search(low, max(0, cue.start() - 15), cue.start()):
            continue
        yield Detection(m.start(), m.end(), ID)


def find_national_ids(text: str) -> Iterator[Detection]:
    if not any(ch.isdigit() for ch in text):
        return
    for pattern, ok in _STANDALONE:
        for m in pattern.finditer(text):
            if ok(m.group()):
                yield Detection(m.start(), m.end(), ID)
    yield from _cued_ids(text, text.lower() if len(text.lower()) == len(text) else text)


# --- postcodes -------------------------------------------------------------------------------------

_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND"
    "|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|AA|AE|AP"
)
_POSTCODE_PATTERNS = (
    re.compile(rf"{_B}[A-Z]{{1,2}}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{{2}}{_E}"),  # UK
    re.compile(rf"{_B}[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]{_E}"),  # Canada
    re.compile(rf"{_B}[0-9]{{5}}-[0-9]{{4}}{_E}"),  # ZIP+4
)
_POSTCODE_CUE = re.compile(
    r"\b(?:zip\s*code|zipcode|zip|post\s*code|postcode|postal\s*code|postal|plz|postleitzahl|code\s+postal"
    r"|c\.?p\.?|cap|pin\s*code|eircode)(?:\s+(?:is|was|:))?\s*[:#]?[ \t]*"
)
_POSTCODE_VALUE = re.compile(
    rf"{_B}(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]{{2,8}}(?:[ \-](?:[0-9][A-Za-z0-9]{{0,3}}|[A-Z]{{2}}))?{_E}"
)


_US_ZIP = re.compile(rf",[ \t]*(?:{_US_STATES})[ \t]+([0-9]{{5}}(?:-[0-9]{{4}})?){_E}")  # "Springfield, IL 62704"


def find_postcodes(text: str) -> Iterator[Detection]:
    if not any(ch.isdigit() for ch in text):
        return
    for pattern in _POSTCODE_PATTERNS:
        for m in pattern.finditer(text):
            yield Detection(m.start(), m.end(), POSTCODE)
    for m in _US_ZIP.finditer(text):
        yield Detection(m.start(1), m.end(1), POSTCODE)
    low = text.lower() if len(text.lower()) == len(text) else text
    for cue in _POSTCODE_CUE.finditer(low):
        if cue.start() and low[cue.start() - 1].isalnum():
            continue
        value = _POSTCODE_VALUE.match(text, cue.end())
        if value is not None:
            yield Detection(value.start(), value.end(), POSTCODE)
