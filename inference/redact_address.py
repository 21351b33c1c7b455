"""Street addresses: a house number, a capitalised street name and a street-type word, then what is
attached to it (a flat or suite, the town, a US state and ZIP, a UK or Canadian postcode).

Three shapes are recognised:
- English order: ``[Flat 4, ]12 Harbour Lane[, Apt 3B][, Bristol BS1 5TY]``;
- street-type first (French, Italian, Spanish, Portuguese): ``9 Rue de la Paix``, ``Via Roma 15``;
- German/Dutch/Nordic compounds: ``Hauptstraße 5``, ``Damrak 1`` is not (no street-type ending).
European postcodes before the town (``, 10115 Berlin``) are taken with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from inference.redact_base import ADDRESS, Detection, key

_UP = r"A-ZÀ-ÖØ-Þ"
_WORD = rf"[{_UP}][\w'’.\-]*"
_ORDINAL = r"[0-9]{1,3}(?:st|nd|rd|th)"
_NUMBER = r"[0-9]{1,5}[A-Za-z]?(?:[-–][0-9]{1,5}[A-Za-z]?)?"
_UNIT = (
    r"(?:Flat|Apartment|Apt|Unit|Suite|Ste|Room|Rm|Floor|Fl|Bldg|Building|#)\.?[ \t]*#?[0-9A-Za-z][0-9A-Za-z\-]{0,5}"
)
_SUFFIX = (
    r"(?i:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Square|Sq"
    r"|Terrace|Terr|Way|Close|Crescent|Cres|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Trl|Row|Mews"
    r"|Gardens|Grove|Hill|Walk|Plaza|Alley|Green|Rise|Parade|Esplanade|Embankment|Quay|Wharf|Yard"
    r"|Vale|Loop|Pike|Expressway|Expy|Freeway|Fwy|Turnpike|Route|Rte)\b(?:\.(?=,))?"
)
_DIRECTION = r"(?:[NSEW]\.?|North|South|East|West|NE|NW|SE|SW)"

_ENGLISH = re.compile(
    rf"(?=[0-9#FAUSRB])(?<![\w.,/\-])(?:{_UNIT},?[ \t]+)?{_NUMBER},?[ \t]+(?:{_DIRECTION}[ \t]+)?"
    rf"(?:(?:{_WORD}|{_ORDINAL})[ \t]+){{1,4}}?{_SUFFIX}"
    rf"(?:[ \t]+(?:NW|NE|SW|SE)\b)?(?:,?[ \t]*{_UNIT})?"
)
# "1200 Broadway, New York, NY 10001": no street-type word, but a town and a postcode vouch for it.
_NO_SUFFIX = re.compile(
    rf"(?=[0-9#FAUSRB])(?<![\w.,/\-])(?:{_UNIT},?[ \t]+)?{_NUMBER},?[ \t]+(?:{_WORD}[ \t]+){{0,2}}{_WORD}"
    rf"(?=,[ \t]*[{_UP}][^\W\d_]+(?:[ \t][{_UP}][^\W\d_]+){{0,2}},?[ \t]*"
    rf"(?:[A-Z]{{2}}[ \t]+[0-9]{{5}}|[A-Z]{{1,2}}[0-9][A-Z0-9]?[ \t]*[0-9][A-Z]{{2}}"
    rf"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)[ \t]+[0-9]{{4}})\b)"
)
_PO_BOX = re.compile(
    r"(?=[PBCAp])(?<![\w.])(?:P\.?[ ]?O\.?[ ]?Box|Post Office Box|Postfach|Apartado|Casilla|PO Box)[ \t]*[0-9]{1,7}\b"
)
_LATIN_TYPE = (
    r"(?:ul\.|ulica|al\.|aleja|Rue|Avenue|Boulevard|Bd|Place|Chemin|Impasse|Allée|Via|Viale|Piazza|Corso"
    r"|Vicolo|Calle|Avenida|Avda|Paseo|Plaza|Carrer|Rua|Travessa|Largo|Praça|Estrada)"
)
_CONNECTORS = r"(?:(?:de|del|della|delle|dei|di|da|do|dos|das|des|du|la|le|les|l'|d'|y|e)[ \t]*)*"
_LATIN_REST = rf"[ \t]+{_CONNECTORS}[{_UP}][\w'’\-]*(?:[ \t]+{_CONNECTORS}[{_UP}][\w'’\-]*){{0,3}}"
_LATIN = re.compile(
    rf"(?=[0-9RABPCIVLEU]|ul\.|al\.)(?<![\w.,/\-])(?:{_NUMBER},?[ \t]+(?i:{_LATIN_TYPE}){_LATIN_REST}"
    rf"|{_LATIN_TYPE}{_LATIN_REST},?[ \t]+[0-9]{{1,4}}[A-Za-z]?\b)"
)
# Matched on the lower-cased text; the word is then checked to start with a capital.
_COMPOUND = re.compile(
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|laan|straat|gracht|plein|kade|vej|gade|gatan"
    r"|vägen|veien|gata|katu)[ \t]+[0-9]{1,4}[a-z]?\b"
)

# What may follow the street part. A town is taken after a comma, or after a line break only when a
# postcode or state + ZIP follows it (so the next line of a letter is not swallowed).
_TOWN_WORD = rf"[{_UP}](?:[^\W\d_]|['’\-])+(?!\w)"
_TOWN = rf"{_TOWN_WORD}(?:[ \t]{_TOWN_WORD}){{0,2}}"
_US_ZIP = r"[A-Z]{2}[ \t]+[0-9]{5}(?:-[0-9]{4})?\b"
_UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[ \t]*[0-9][A-Z]{2}\b"
_CA_POSTCODE = r"[A-Z]{2}[ \t]+[A-Z][0-9][A-Z][ \t]?[0-9][A-Z][0-9]\b"
_AU_POSTCODE = r"(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)[ \t]+[0-9]{4}\b"
_POST = rf"(?:{_US_ZIP}|{_CA_POSTCODE}|{_AU_POSTCODE}|{_UK_POSTCODE})"
_EU_TOWN = re.compile(rf",?[ \t]+(?:[A-Z]{{1,2}}-)?(?:[0-9]{{4,5}}|[0-9]{{2}}-[0-9]{{3}})[ \t]+{_TOWN}")
_TOWN_AFTER_COMMA = re.compile(rf",[ \t]*(?P<town>{_TOWN})(?:,?[ \t]*{_POST}|[ \t]+[0-9]{{1,5}}\b)?")
_TOWN_NEXT_LINE = re.compile(rf"[ \t]*\r?\n[ \t]*(?P<town>{_TOWN}),?[ \t]*{_POST}")
_POST_ONLY = re.compile(rf",?[ \t]*{_POST}")

_NOT_TOWN = frozenset(
    key(w)
    for w in (
        "Please", "Thanks", "Thank", "The", "I", "We", "My", "Our", "It", "This", "That", "If", "And", "But",
        "Call", "Phone", "Tel", "Email", "Regards", "Best", "Kind", "Reception", "Gate", "Do", "Can",
    )
)  # fmt: skip


def _attached(text: str, end: int) -> int:
    """The end of the town / postcode part attached at ``end`` (``end`` itself when there is none)."""
    for pattern in (_TOWN_NEXT_LINE, _TOWN_AFTER_COMMA):
        m = pattern.match(text, end)
        if m and key(m.group("town").split()[0]) not in _NOT_TOWN:
            return m.end()
    m = _POST_ONLY.match(text, end)
    return m.end() if m else end


def _compounds(text: str) -> Iterator[tuple[int, int]]:
    """``Hauptstraße 5``: a capitalised word ending in a street-type word, then a house number."""
    low = text.lower()
    if len(low) != len(text):
        return  # a rare letter changed length when lower-cased; offsets would not line up
    for m in _COMPOUND.finditer(low):
        start = m.start()
        while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "-"):
            start -= 1
        if text[start].isupper() and (start == 0 or not text[start - 1].isalnum()):
            yield start, m.end()


def _street_parts(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_ENGLISH, _LATIN, _NO_SUFFIX, _PO_BOX):
        for m in pattern.finditer(text):
            yield m.start(), m.end()
    yield from _compounds(text)


def find_addresses(text: str) -> Iterator[Detection]:
    for start, end in _street_parts(text):
        eu = _EU_TOWN.match(text, end)
        yield Detection(start, eu.end() if eu else _attached(text, end), ADDRESS)
