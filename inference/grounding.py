"""Is a value supported by the source text, and where is it written?

Extraction copies values from the text (``locate`` gives their offsets; numbers are read as whole numbers
written either way, with a unit or magnitude glued to them: ``NUMBER``); summaries are checked for the
share of their content words found in the source.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from inference.tasks.base import SourceSpan

# A number as written: digits, thousands groups (1,035 / 1 035 / 1'035), a decimal part; never part of a
# word or of a longer number ("15th", "A-1001" and the "1" of "1,035.18" are not numbers of their own).
# Digits joined to "-", "/" or ":" are parts of dates, times or codes, not numbers (2024-03-15, 12:30).
# The digits are taken whole (an atomic group: never a leading part, "1" of "1.2bn" or "12" of "12.5kg").
# A magnitude glued to the number is part of it ("$4.2M" is 4,200,000, see ``MAGNITUDES``); a unit glued to
# it is not, and does not stop it being a number ("3" of "3kg", "12.5" of "12.5kg", "20" of "20%").
MAGNITUDES = {"k": 1e3, "K": 1e3, "M": 1e6, "mn": 1e6, "bn": 1e9, "B": 1e9, "tn": 1e12}
UNITS = (  # glued to a number, these end it ("3kg", "5000mAh", "100EUR"); any other letters make it no number
    "mg", "g", "kg", "t", "lb", "lbs", "oz", "mm", "cm", "m", "km", "in", "ft", "mi", "ml", "cl", "l", "L",
    "ms", "s", "sec", "min", "h", "hr", "hrs", "d", "mph", "kmh", "kph", "kB", "KB", "MB", "GB", "TB", "W",
    "kW", "MW", "kWh", "V", "mAh", "Hz", "kHz", "MHz", "GHz", "pcs", "x", "EUR", "USD", "GBP", "CHF", "JPY",
    "CNY", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK", "INR",
)
_MAGNITUDE = "|".join(sorted(MAGNITUDES, key=len, reverse=True))
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
NUMBER = re.compile(
    r"(?<![\w.,/:-])(?>[-+]?\d+(?:[ '\u00a0\u202f]\d{3}(?!\d))*(?:[.,]\d+)*)"
    rf"(?:(?:{_MAGNITUDE})(?![^\W\d_]))?"  # a magnitude, not a word's start ("4.2M"; "4Mbit" is none)
    rf"(?![.,]\d)(?![/:-])(?!(?!(?:{_UNIT})(?![^\W_]))\w)"  # whole; a unit after it, or no word
)
_SCALE = re.compile(rf"({_MAGNITUDE})$")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be been being it
    its this that these those there here i you he she we they me him her us them my your his our their
    not no yes do does did done have has had will would can could should may might must shall about into
    over under than too very just also more most some any each all both few many much such own same
    other only s t what which who whom when where why how up down out off again further once""".split()  # noqa: SIM905
)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


def readings(raw: str) -> list[float]:
    """A number as written, read both ways, the likelier first: 1,234.50 and 1.234,50 are 1234.5; "12,50"
    is first 12.5; "1,035" is first 1035. Spaces and apostrophes are thousands separators. A magnitude
    (``MAGNITUDES``) scales it, each reading followed by the digits as written: "4.2M" is 4,200,000, then 4.2."""
    raw = re.sub(r"[\s'\u00a0\u202f]", "", raw)
    scale = _SCALE.search(raw)
    if scale:  # "4.2M": 4,200,000 first, then the digits as written (4.2)
        digits = readings(raw[: scale.start()])
        return [*dict.fromkeys(r for v in digits for r in (round(v * MAGNITUDES[scale.group()], 6), v))]
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    conventions = [(",", "."), (".", ",")]  # (thousands, decimal)
    if last_comma > last_dot:
        decimals = len(raw) - last_comma - 1
        if last_dot >= 0 or decimals != 3 or raw.count(",") == 1 and decimals != 3:
            conventions.reverse()
    out: list[float] = []
    for thousands, decimal in conventions:
        try:
            value = float(raw.replace(thousands, "").replace(decimal, "."))
        except ValueError:
            continue
        if value not in out:
            out.append(value)
    return out


def number_spans(text: str) -> list[tuple[int, int, list[float]]]:
    """Every number written in ``text``: (start, end, readings)."""
    return [(m.start(), m.end(), values) for m in NUMBER.finditer(text) if (values := readings(m.group()))]


def _numbers(text: str) -> set[float]:
    return {round(v, 6) for _, _, values in number_spans(text) for v in values}


def locate(value: Any, source: str) -> SourceSpan | None:
    """Where a scalar ``value`` is written in ``source``: a string at word boundaries (case and runs of
    whitespace ignored), a number as a whole number (either decimal convention; "3" of "3kg", "4.2M" of
    "$4.2M" for 4,200,000 or 4.2, never "4" of "$4.2M"). None when it is not."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        target = round(float(value), 6)
        for start, end, values in number_spans(source):
            if any(round(v, 6) == target for v in values):
                return SourceSpan(start, end)
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    pattern = r"\s+".join(re.escape(part) for part in text.split())
    if text[0].isalnum():
        pattern = r"(?<!\w)(?<!\d[.,])" + pattern  # not inside a word or a number ("1" of "1,035.18")
    if text[-1].isalnum():
        pattern += r"(?![.,]\d)(?!\w)"
    match = re.search(pattern, source, re.IGNORECASE)
    return SourceSpan(match.start(), match.end()) if match else None


def value_grounded(value: Any, source: str, source_norm: str | None = None) -> bool:
    """True when ``value`` (a JSON scalar or container) can be found in the source text: strings at word
    boundaries (or every content word as a whole word), numbers as whole numbers written either way."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return round(float(value), 6) in _numbers(source)
    if isinstance(value, str):
        return _string_grounded(value, source, source_norm)
    if isinstance(value, list):
        return all(value_grounded(v, source, source_norm) for v in value)
    if isinstance(value, dict):
        return all(value_grounded(v, source, source_norm) for v in value.values())
    return False


def _string_grounded(value: str, source: str, source_norm: str | None) -> bool:
    """Written as is; or every number (as a whole number) and content word of it is in the source; or, for a
    date written differently, its digit groups (at least two: a lone digit is no evidence) are."""
    if not value.strip() or locate(value, source) is not None:
        return True
    norm = source_norm if source_norm is not None else normalize(source)
    runs = {int(d) for d in _DIGITS.findall(value)}
    if len(runs) >= 2 and runs <= {int(d) for d in _DIGITS.findall(source)} and len(value) <= 40:
        return True
    numbers = [{round(v, 6) for v in values} for _, _, values in number_spans(value)]
    words = [w for w in _WORD.findall(normalize(value)) if w not in STOPWORDS and not w.isdigit()]
    if runs and not numbers:
        return False  # digits that are only parts of something (a code, a date) we could not find
    known, vocab = _numbers(source), set(_WORD.findall(norm))
    return bool(numbers or words) and all(n & known for n in numbers) and all(w in vocab for w in words)


def content_words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(normalize(text)) if w not in STOPWORDS and len(w) > 1]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def support_ratio(summary: str, source: str) -> float:
    """Share of the summary's content words that also occur in the source (1.0 when it has none)."""
    words = content_words(summary)
    if not words:
        return 0.0
    vocab = set(content_words(source))
    return sum(1 for w in words if w in vocab) / len(words)
