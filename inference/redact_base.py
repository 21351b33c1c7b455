"""Shared pieces of the redaction detectors: the kinds, a found region, and the bundled word lists.

The word lists live in ``resources/redact/`` (one entry a line, ``#`` comments) and are read once.
Lookups ignore case and diacritics (``Andrés`` matches ``Andres``).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from inference.errors import RedactionUnavailable

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
IBAN = "IBAN"
IP = "IP"
PERSON = "PERSON"
ADDRESS = "ADDRESS"
ID = "ID"  # national identity numbers (SSN, NINO, DNI, codice fiscale...), passports, licences
DOB = "DOB"  # dates of birth
AGE = "AGE"
POSTCODE = "POSTCODE"
ORG = "ORG"
CITY = "CITY"
USER = "REDACTED"  # what the user hides by hand in the consent dialog

# Detected kinds, in the order overlaps are settled: an earlier kind wins a contested region.
KINDS: tuple[str, ...] = (EMAIL, IBAN, CARD, IP, ID, PHONE, DOB, ADDRESS, POSTCODE, ORG, PERSON, CITY, AGE)

WORDLIST_DIR = Path(__file__).resolve().parent.parent / "resources" / "redact"


@dataclass(frozen=True, order=True)
class Detection:
    """A region of the *original* text that holds personal data."""

    start: int
    end: int
    kind: str


@functools.lru_cache(maxsize=65536)
def key(word: str) -> str:
    """The lookup form of a word: case-folded, without diacritics, curly apostrophes made straight."""
    decomposed = unicodedata.normalize("NFKD", word.replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@functools.cache
def wordlist(name: str) -> frozenset[str]:
    """The entries of ``resources/redact/<name>.txt`` as lookup keys."""
    path = WORDLIST_DIR / f"{name}.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:  # a broken install: refuse rather than redact less
        raise RedactionUnavailable(f"Redaction word list missing: {path} ({exc.strerror}).") from exc
    return frozenset(key(line.strip()) for line in lines if line.strip() and not line.startswith("#"))
