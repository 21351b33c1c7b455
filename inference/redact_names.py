"""Personal names, found offline by evidence rather than by a model.

A name is a chain of 1-4 capitalised words ("Jane Roe", "Ingrid Van Der Berg", "John A. Smith") that
starts at one of:
- a given name from the bundled lists (``resources/redact/given_names.txt``); a given name that is also
  a word or a place (``ambiguous_names.txt``: Grace, Will, Paris...) needs a surname after it;
- a title (Mr, Ms, Dr, Prof...), a form field (``Name:``, ``Cardholder:``, ``Ship to:``, ``From:``),
  or "my name is": any capitalised words count there;
- a greeting ("Dear", "Hi") or a closing ("Regards,", "--") when the words stand alone on their line or
  before a comma, as in a salutation or a signature.
A chain never takes a word from ``not_names.txt`` and is dropped when a place or organisation word
follows it ("Victoria Station", "Lincoln Room") or a place prefix precedes it ("San Francisco").
Once a name is found, its words are redacted where they appear alone later ("... Roe said").
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from inference.redact_base import PERSON, Detection, key, wordlist

_L = r"(?:[^\W\d_]|[\u0300-\u036f])"
_WORD = rf"[^\W\d_]{_L}*(?:['’\-](?![sS]\b)[^\W\d_]{_L}*)*"
_TOKEN = re.compile(_WORD)
_UPPER = "".join(
    re.escape(chr(c)) for c in range(0x10000) if chr(c).isupper() or chr(c).istitle()
)  # every capital letter of the Basic Multilingual Plane, for a fast first-character filter
_CAPITALISED = re.compile(rf"[{_UPPER}]{_L}*(?:['’\-](?![sS]\b)[^\W\d_]{_L}*)*")
_NEXT = re.compile(rf"(?P<gap>[ \u00a0]|\.[ \u00a0]|['’]s )(?P<word>{_WORD})")
_PREVIOUS = re.compile(r"([^\W\d_]+)\.? $")

_TITLE = re.compile(
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Rev|Fr|Herr|Frau|Mme|Mlle|Monsieur|Madame"
    r"|Señor|Señora|Sr|Sra|Srta)\.?[ \t]+(?=[^\W\d_])"
)
# Cue phrases, matched on the lower-cased text (much faster than a case-insensitive pattern).
_CUE = re.compile(
    r"(?P<header>(?:from|to|cc|bcc|reply-to)[ \t]*:)"
    r"|(?P<field>(?:(?:full|first|last|account|customer|cardholder|card holder|beneficiary|recipient"
    r"|contact|patient|employee|sender|payee|your|my)[ \t]+)?name[ \t]*:"
    r"|(?:cardholder|card holder|account holder|beneficiary|payee|recipient|attn|attention"
    r"|contact person|emergency contact|contact|landlord|new tenant|tenant|applicant|signed|signature"
    r"|bill to|ship to|sold to|deliver to|customer|client|patient|employee|sender|guest|passenger)[ \t]*:"
    r"|(?:c/o|care of|attn\.?|account holder|cardholder|beneficiary|payee|recipient|on behalf of)(?=[ \t]))"
    r"|(?P<myname>my name is|my name's|name is|i am called|they call me)"
    r"|(?P<relation>(?:my|our|his|her|their)(?:[ \t]+(?:late|ex|new|elderly|younger|older|little|eldest"
    r"|youngest|former))?[ \t]+(?:son|daughter|husband|wife|partner|mother|father|mum|mom|dad|brother"
    r"|sister|friend|colleague|boss|manager|tenant|landlord|landlady|accountant|fianc[eé]e?|girlfriend"
    r"|boyfriend|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|uncle|aunt|cousin|nephew"
    r"|niece|child|kid|assistant|lawyer|solicitor|employer|neighbou?r|carer|guardian|spouse|stepson"
    r"|stepdaughter|flatmate|roommate)(?=[ \t]*,?[ \t]+[^\W\d_]))"
    r"|(?P<self>i am|i'm|i’m|its|this is|it's|it’s|it is|signed by|spoke to|speak to|ask for)"
    r"|(?P<greeting>dear|hi|hello|hey|hiya|good morning|good afternoon|good evening|welcome)(?=[ \t,])"
    r"|(?P<closing>(?:(?:best|kind|warm|warmest|many|with)[ \t]+)?(?:regards|wishes|thanks|thank you"
    r"|cheers|best|sincerely|yours sincerely|yours faithfully|yours truly|respectfully|take care|love)"
    r"(?:[ \t]+so much)?(?=[ \t]*(?:,|!?\r?\n)))"
    r"|(?P<dashes>--(?=[ \t]*\r?\n))"
)
# Where a cue may start: a cheap literal scan, then _CUE.match there (3x faster than _CUE.finditer).
_CUE_TRIGGER = re.compile(
    r"(?:from|to|cc|bcc|reply|full|first|last|account|customer|card|beneficiary|recipient|contact"
    r"|patient|employee|sender|payee|your|my name|name|attn|attention|emergency|landlord|new tenant"
    r"|tenant|applicant|signed|signature|bill to|ship to|sold to|deliver to|client|guest|passenger|c/o"
    r"|care of|on behalf|i am|i'm|i’m|its|they call|it's|it’s|it is|this is|spoke to|speak to|ask for|dear"
    r"|my |our |his |her |their "
    r"|hi|hello|hey|good|welcome|best|kind|warm|many|with|regards|wishes|thanks|thank|cheers|sincerely"
    r"|yours|respectfully|take care|love|--)"
)
_AFTER_CUE = {
    "header": re.compile(r"[ \t]*"),
    "greeting": re.compile(r"[ \t]*,?[ \t]*"),
    "relation": re.compile(r"[ \t]*,?[ \t]*"),
    "closing": re.compile(r"[ \t]*,?!?[ \t]*(?:\r?\n[ \t]*)?"),
    "dashes": re.compile(r"[ \t]*\r?\n[ \t]*"),
}
_AFTER_CUE_DEFAULT = re.compile(r"[ \t]*(?:\r?\n[ \t]*)?")

_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "dos", "das", "do", "la", "le"}
    | {"bin", "binti", "ibn", "al", "el", "ben", "ter", "ten", "zu", "ni", "nic", "mac", "ap"}
)
_PLACE_PREFIX = frozenset(
    {"san", "santa", "são", "sao", "st", "saint", "ste", "los", "las", "el", "port", "fort", "mount", "mt"}
    | {"lake", "cape", "new", "la", "le"}
)
_CONTRACTION = re.compile(r"'(?:m|ll|ve|d|re|t|s)$")  # I'm, I'll, Don't: not names
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)})


@dataclass(frozen=True)
class _Lexicon:
    given: frozenset[str]
    ambiguous: frozenset[str]
    stop: frozenset[str]
    org_place: frozenset[str]


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    return _Lexicon(
        wordlist("given_names"), wordlist("ambiguous_names"), wordlist("not_names"), wordlist("org_place_words")
    )


@dataclass(frozen=True)
class _Mode:
    unknown: bool = False  # any capitalised word may start the name (title, field, "my name is")
    ambiguous: bool = False  # ambiguous given names may stand alone ("this is Will")
    caps: bool = False  # ALL-CAPS names ("NAME: JANE ROE")
    lower: bool = False  # a lower-case known given name ("my name is kevin")
    line_end: str = ""  # characters that may follow an unknown name on its line ("" = anything)


_KNOWN = _Mode()
_SIGNATURE = _Mode(unknown=True, ambiguous=True, line_end="|,–—-(<\n")
_MODES = {
    "title": _Mode(unknown=True, ambiguous=True),
    "header": _Mode(unknown=True, ambiguous=True, caps=True, line_end="<,\n"),
    "field": _Mode(unknown=True, ambiguous=True, caps=True),
    "myname": _Mode(unknown=True, ambiguous=True, lower=True),
    "self": _Mode(ambiguous=True, lower=True),
    "relation": _Mode(unknown=True, ambiguous=True, lower=True),
    "greeting": _Mode(unknown=True, ambiguous=True, lower=True, line_end=",!\n"),
    "closing": _SIGNATURE,
    "dashes": _SIGNATURE,
}


def _is_title(word: str) -> bool:
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _name_word(word: str, mode: _Mode, lex: _Lexicon) -> bool:
    """Can ``word`` be part of a name (by its shape and the stop lists)?"""
    k = key(word)
    if k in lex.stop or k in lex.org_place or _CONTRACTION.search(k):
        return False
    return _is_title(word) or (mode.caps and word.isupper() and len(word) > 1)


def _given_kind(word: str, lex: _Lexicon) -> str:
    """'given', 'ambiguous' or '' for a word (hyphenated names look at their first part too)."""
    k = key(word)
    for candidate in (k, k.split("-", 1)[0]):
        if candidate in lex.ambiguous:
            return "ambiguous"
        if candidate in lex.given:
            return "given"
    return ""


def _next_name_word(text: str, end: int, prev: str, mode: _Mode, lex: _Lexicon) -> tuple[int, str] | None:
    """(end, word) of the next word of a name after ``end``; particles ("van der") are taken along."""
    m = _NEXT.match(text, end)
    if m is None or m.group("gap").endswith("s ") or (m.group("gap")[0] == "." and len(prev) != 1):
        return None
    while key(m.group("word")) in _PARTICLES:
        following = _NEXT.match(text, m.end())
        if following is None or following.group("gap") != " " or not _is_title(following.group("word")):
            return None
        m = following
    word = m.group("word")
    initial = len(word) == 1 and word.isupper() and text.startswith(".", m.end())
    if not (initial or _name_word(word, mode, lex)):
        return None
    shout = len(prev) > 1 and prev.isupper()
    if len(word) > 1 and word.isupper() != shout:
        return None  # "JANE Roe" mixes a shout with a name
    return m.end(), word


def _extend(text: str, start: int, end: int, mode: _Mode, lex: _Lexicon) -> int:
    """The end of the name chain whose first word is ``text[start:end]``."""
    ends, words = [end], [text[start:end]]
    while len(words) < 4:
        found = _next_name_word(text, ends[-1], words[-1], mode, lex)
        if found is None:
            break
        ends.append(found[0])
        words.append(found[1])
    if len(words) > 1 and len(words[-1]) == 1:
        ends.pop()  # a trailing initial is more likely the start of the next sentence
    return ends[-1]


def _followed_by_place(text: str, end: int, lex: _Lexicon) -> bool:
    m = _NEXT.match(text, end)
    if m is None or m.group("gap")[0] == ".":
        return False
    word = m.group("word")
    return _is_title(word) and key(word) in lex.org_place


def _preceded_by_place(text: str, start: int) -> bool:
    m = _PREVIOUS.search(text, max(0, start - 12), start)
    return bool(m and key(m.group(1)) in _PLACE_PREFIX)


def _line_end_ok(text: str, end: int, allowed: str) -> bool:
    rest = text[end : end + 80].lstrip(" \t")
    return not rest or rest[0] in allowed


def _cue_chain(text: str, start: int, mode: _Mode, lex: _Lexicon) -> tuple[int, int] | None:
    """The name right after a cue that ends at ``start``, or None."""
    m = _TOKEN.match(text, start)
    if m is None:
        return None
    word = m.group()
    kind = _given_kind(word, lex)
    if mode.lower and word.islower() and kind == "given":
        return start, m.end()
    if not _name_word(word, mode, lex):
        return None
    end = _extend(text, start, m.end(), mode, lex)
    if _followed_by_place(text, end, lex):
        return None
    multi = end > m.end()
    if kind == "given" or (kind == "ambiguous" and (mode.ambiguous or multi)):
        return start, end
    if not mode.unknown or (mode.line_end and not _line_end_ok(text, end, mode.line_end)):
        return None
    if text[end : end + 3].lstrip(" ").startswith("&"):
        return None  # "Hollis & Grant LLP" is a firm
    return start, end


def _known_chain(text: str, m: re.Match[str], lex: _Lexicon) -> tuple[int, int] | None:
    """The name that starts with the listed given name ``m``, or None."""
    word = m.group()
    kind = _given_kind(word, lex)
    if not kind or not _is_title(word) or key(word) in lex.stop or _preceded_by_place(text, m.start()):
        return None
    end = _extend(text, m.start(), m.end(), _KNOWN, lex)
    if _followed_by_place(text, end, lex) or (kind == "ambiguous" and end == m.end()):
        return None
    return m.start(), end


def _lowered(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def _word_start(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "'’-_")


def _cues(text: str) -> Iterator[tuple[int, _Mode]]:
    """(where a name may start, how strict to be) for every cue in the text."""
    for title in _TITLE.finditer(text):
        if _word_start(text, title.start()):
            yield title.end(), _MODES["title"]
    low = _lowered(text)
    done = 0
    for trigger in _CUE_TRIGGER.finditer(low):
        if trigger.start() < done or not _word_start(low, trigger.start()):
            continue
        m = _CUE.match(low, trigger.start())
        if m is None:
            continue
        done = m.end()
        group = m.lastgroup or ""
        if group == "header" and m.start() and low[m.start() - 1] != "\n":
            continue
        after = _AFTER_CUE.get(group, _AFTER_CUE_DEFAULT).match(text, m.end())
        if after is not None:
            yield after.end(), _MODES[group]


def find_names(text: str) -> Iterator[Detection]:
    lex = _lexicon()
    chains: list[tuple[int, int]] = []
    for pos, mode in _cues(text):
        found = _cue_chain(text, pos, mode, lex)
        if found:
            chains.append(found)
    capitalised = [m for m in _CAPITALISED.finditer(text) if _word_start(text, m.start())]
    reach = 0
    for m in capitalised:
        if m.start() >= reach:
            found = _known_chain(text, m, lex)
            if found:
                chains.append(found)
                reach = found[1]
    chains.sort()
    for start, end in chains:
        yield Detection(start, end, PERSON)
    yield from _later_mentions(text, chains, capitalised, lex)


def _later_mentions(
    text: str, chains: list[tuple[int, int]], capitalised: list[re.Match[str]], lex: _Lexicon
) -> Iterator[Detection]:
    """The words of the names found, where they appear on their own ("Jane Roe ... Roe said")."""
    names = {text[start:end] for start, end in chains}
    words = {
        w
        for name in names
        for w in _TOKEN.findall(name)
        if len(w) > 2 and _is_title(w) and _given_kind(w, lex) != "ambiguous"
    }
    if not words:
        return
    starts = [c[0] for c in chains]
    reach: list[int] = []  # reach[i]: the furthest end among chains[: i + 1] (they may overlap)
    for _, end in chains:
        reach.append(max(end, reach[-1] if reach else 0))
    for m in capitalised:
        if m.group() not in words:
            continue
        i = bisect.bisect_right(starts, m.start()) - 1
        inside = i >= 0 and reach[i] > m.start()
        if not inside and not _followed_by_place(text, m.end(), lex):
            yield Detection(m.start(), m.end(), PERSON)
