"""Is a value supported by the source text? Used to lower confidence in invented answers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_NUMBER = re.compile(r"\d[\d\s.,'\u00a0]*\d|\d")
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


def _numbers(text: str) -> set[float]:
    found: set[float] = set()
    for match in _NUMBER.finditer(text):
        raw = re.sub(r"[\s'\u00a0]", "", match.group())
        for candidate in _readings(raw):
            found.add(round(candidate, 6))
    return found


def _readings(raw: str) -> list[float]:
    """A numeric string read both ways: 1,234.50 and 1.234,50 are 1234.5; 12,50 may be 12.5 or 1250."""
    out = []
    for thousands, decimal in ((",", "."), (".", ",")):
        try:
            out.append(float(raw.replace(thousands, "").replace(decimal, ".")))
        except ValueError:
            continue
    return out


def value_grounded(value: Any, source: str, source_norm: str | None = None) -> bool:
    """True when ``value`` (a JSON scalar or container) can be found in the source text."""
    norm = source_norm if source_norm is not None else normalize(source)
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return round(float(value), 6) in _numbers(source)
    if isinstance(value, str):
        v = normalize(value)
        if not v or v in norm:
            return True
        digits = _numbers(value)
        if digits and digits <= _numbers(source) and len(v) <= 40:  # dates / amounts written differently
            return True
        words = [w for w in _WORD.findall(v) if w not in STOPWORDS]
        return bool(words) and all(w in norm for w in words)
    if isinstance(value, list):
        return all(value_grounded(v, source, norm) for v in value)
    if isinstance(value, dict):
        return all(value_grounded(v, source, norm) for v in value.values())
    return False


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
