"""Dates of birth and ages.

**DOB.** A date (``12/03/1985``, ``1985-03-12``, ``12 March 1985``, ``March 12, 1985``, ``12.03.85``,
or a month and year, or a bare year) counts as a date of birth only when a birth word stands before it
("born", "birth", "DOB", "birthday", "geboren", "né(e)", "nacido"...): other dates (an invoice date,
a delivery day) are not personal data and stay, so that answers about them keep working.

**AGE.** A number from 0 to 125 in an age phrase: "45 years old", "45-year-old", "45 y/o", "aged 45",
"age: 45", "at the age of 45", "turned 45", "I'll turn 45", "45 years of age". Only the number is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from inference.redact_base import AGE, DOB, Detection

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember"
    r"|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\.?"
)
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89][0-9]{2}|20[0-9]{2})"
# Matched on lower-cased text.
_DATE = re.compile(
    rf"(?<![\w/.\-])(?:"
    rf"[0-9]{{1,2}}[/.\-][0-9]{{1,2}}[/.\-](?:[0-9]{{4}}|[0-9]{{2}})"  # 12/03/1985, 3.12.85
    rf"|{_YEAR}[/.\-][0-9]{{1,2}}[/.\-][0-9]{{1,2}}"  # 1985-03-12
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH},?\s+(?:{_YEAR}|'?[0-9]{{2}})"  # 12 march 1985
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}"  # march 12, 1985
    rf"|{_MONTH},?\s+{_YEAR}"  # march 1985
    rf"|{_YEAR}"  # 1985 (only with a birth word right before it)
    rf")(?![\w/\-]|\.[0-9])"
)
_BIRTH_CUE = re.compile(
    r"(?:\b(?:born|birth|birthday|birthdate|dob|d\.o\.b|b\.|geboren|geb\.|né|née|née le|né le|nacido|nacida"
    r"|nato|nata|urodzony|urodzona|født|född|syntynyt)\b|\bdate of birth\b)"
)
_GAP = re.compile(r"^[\s:,.\-–(]*(?:(?:on|in|is|was|am|it's|it is|the|at|le|am|el|il|den|:)\s*)*$")

_AGE_NUMBER = r"(?:1[01][0-9]|12[0-5]|[1-9]?[0-9])"
_NOT_AFTER = r"(?!\w|[.,][0-9]|\s*(?:%|percent|times|days|hours|minutes|pages|pounds|dollars|euros))"
_AGE = re.compile(
    rf"(?<![\w.,])(?P<before>{_AGE_NUMBER})(?=[\s\-]*(?:years?|yrs?)[\s\-]*(?:old|of\s+age)\b|\s*y/?o\b|\s*y\.o\.)"
    rf"|(?<=\baged )(?P<aged>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bage )(?P<age>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bage: )(?P<agecolon>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bage of )(?P<ageof>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bturned )(?P<turned>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bturn )(?P<turn>{_AGE_NUMBER}){_NOT_AFTER}"
    rf"|(?<=\bturns )(?P<turns>{_AGE_NUMBER}){_NOT_AFTER}"
)


def _lower(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else text


def find_birth_dates(text: str) -> Iterator[Detection]:
    if not any(ch.isdigit() for ch in text):
        return
    low = _lower(text)
    for m in _DATE.finditer(low):
        window = low[max(0, m.start() - 40) : m.start()]
        cues = list(_BIRTH_CUE.finditer(window))
        if cues and _GAP.match(window[cues[-1].end() :]) is not None:
            yield Detection(m.start(), m.end(), DOB)


def find_ages(text: str) -> Iterator[Detection]:
    if not any(ch.isdigit() for ch in text):
        return
    for m in _AGE.finditer(_lower(text)):
        yield Detection(m.start(), m.end(), AGE)
