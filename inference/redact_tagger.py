"""A learned tagger for the kinds that have no checkable shape: PERSON, ORG, ADDRESS, CITY.

A linear-chain CRF over tokens (BIO labels). Each token is described by features of itself and of its
neighbours (word, shape, prefix and suffix, capitalisation, membership of the bundled word lists); the
model's weights say how much each feature speaks for each label, and its transition weights how labels
follow one another. Decoding is Viterbi, exact and deterministic.

The model is trained offline on synthetic text (``bench/train_redact_tagger.py``: Faker values in many
locales inside hand-written templates, plus real messages without personal data) and shipped as JSON
(``resources/redact/tagger.json.gz``): no pickle, no download. Inference needs only numpy.

Speed: every feature depends on one word and its offset from the token being tagged, so the score a
word adds at each offset is computed once and cached; a 300-word text costs a few milliseconds.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.errors import RedactionUnavailable
from inference.redact_base import ADDRESS, CITY, ORG, PERSON, USER, WORDLIST_DIR, Detection, key, wordlist

MODEL_PATH = WORDLIST_DIR / "tagger.json.gz"
ENTITY_KINDS = (PERSON, ORG, ADDRESS, CITY)

_L = r"[^\W\d_]"
TOKEN = re.compile(rf"\n|{_L}[\w]*(?:['’\-]{_L}[\w]*)*|[0-9]+[A-Za-z]*|[^\s]")
# A link, a user handle or a hashtag ("https://t.co/Xy3Kq", "@jane_d", "#NowPlaying") is never part of a
# name, organisation or place: ``find_entities`` drops a span that overlaps one (WNUT-17 dev tweets: "RT
# @handle" was taken for a name).
_NOT_WORDS = re.compile(r"(?:https?://|www\.)[^\s<>\"]+|(?<![\w@#])[@#]\w+")
_OFFSETS = (-2, -1, 0, 1, 2)

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "herr", "frau", "mme",
                     "mlle", "monsieur", "madame", "señor", "señora", "sr", "sra", "srta", "lord", "lady"})  # fmt: skip
_STREET_WORDS = frozenset(
    [
        "street", "st", "road", "rd", "avenue", "ave", "av", "lane", "ln", "boulevard", "blvd", "drive", "dr",
        "court", "ct", "place", "pl", "square", "sq", "terrace", "way", "close", "crescent", "highway", "hwy",
        "parkway", "pkwy", "circle", "trail", "row", "mews", "gardens", "grove", "hill", "walk", "plaza", "alley",
        "green", "rise", "parade", "quay", "wharf", "yard", "vale", "loop", "pike", "route", "apt", "apartment",
        "suite", "ste", "unit", "flat", "floor", "box", "po", "rue", "via", "viale", "piazza", "corso", "calle",
        "avenida", "paseo", "plaza", "rua", "travessa", "largo", "estrada", "straße", "strasse", "str", "weg",
        "gasse", "platz", "allee", "laan", "straat", "gracht", "plein", "kade", "vej", "gade", "gatan", "vägen",
        "veien", "gata", "katu", "tie", "kuja", "utca", "út", "tér", "ulica", "ul", "aleja", "sokak", "cadde",
        "caddesi", "mahallesi", "odos",
    ]
)
_ORG_WORDS = frozenset(
    [
        "inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "gmbh", "ag", "sa", "sas", "sarl", "srl",
        "spa", "bv", "nv", "ab", "as", "oy", "kg", "co", "corp", "corporation", "company", "group", "holdings",
        "partners", "associates", "technologies", "technology", "solutions", "systems", "services", "consulting",
        "bank", "insurance", "university", "college", "institute", "foundation", "agency", "labs", "studio",
        "studios", "industries", "international", "enterprises", "ventures", "capital", "media", "networks",
        "software", "pharma", "hospital", "clinic", "trust", "council", "ministry",
    ]
)


def word_features(word: str) -> tuple[str, ...]:
    """The features of one token, independent of where it is."""
    if word == "\n":
        return ("nl",)
    low = word.lower()
    k = key(word)
    feats = [f"w={low}" if len(low) <= 24 else "w=<long>", f"s={_shape(word)}"]
    if word[0].isalpha():
        feats += [f"p3={low[:3]}", f"x3={low[-3:]}", f"x2={low[-2:]}", f"x4={low[-4:]}"]
        if word.isupper() and len(word) > 1:
            feats.append("upper")
        elif word[0].isupper():
            feats.append("title")
        else:
            feats.append("lower")
        feats.append(f"len={min(len(word), 12) // 3}")
    elif word[0].isdigit():
        feats.append(f"digits={min(sum(c.isdigit() for c in word), 6)}")
    else:
        feats.append("punct")
    lexicon = _lexicon_features(k)
    if word[0].isalpha() and not lexicon:
        feats.append("unk" if not word.islower() else "lunk")  # in no list: an everyday word it is not
    return tuple(feats + lexicon)


def _shape(word: str) -> str:
    out: list[str] = []
    for ch in word[:12]:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _lexicon_features(k: str) -> list[str]:
    feats = []
    if k in _given():
        feats.append("given")
    if k in _countries():
        feats.append("country")
    if k in _gz_list("names"):
        feats.append("namelex")
    if k in _gz_list("vocabulary"):
        feats.append("vocab")
    if k in _gz_list("dictionary"):
        feats.append("dict")
    if k in _not_names():
        feats.append("common")
    if k in _TITLES:
        feats.append("titleword")
    if k in _STREET_WORDS:
        feats.append("streetword")
    if k in _ORG_WORDS:
        feats.append("orgword")
    return feats


@functools.cache
def _given() -> frozenset[str]:
    return wordlist("given_names") | wordlist("ambiguous_names")


@functools.cache
def _gz_list(name: str) -> frozenset[str]:
    """The entries of ``resources/redact/<name>.txt.gz`` as lookup keys."""
    path = WORDLIST_DIR / f"{name}.txt.gz"
    try:
        lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise RedactionUnavailable(f"Redaction word list missing or damaged: {path} ({exc}).") from exc
    return frozenset(key(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def _all_names() -> frozenset[str]:
    return _gz_list("names") | _given()


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(w for entry in wordlist("countries") for w in entry.split() if len(w) > 3)


@functools.cache
def _not_names() -> frozenset[str]:
    return wordlist("not_names")


def tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def text_case(words: Sequence[str]) -> str:
    """'lower' when the text has no capital letter, 'upper' when its letters are mostly capitals."""
    letters = [ch for w in words for ch in w if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    if not upper:
        return "lower"
    return "upper" if upper > 0.6 * len(letters) else "mixed"


def pair_attributes(words: Sequence[str], i: int, case: str) -> list[str]:
    """The features that look at two tokens at once, and at the case of the whole text."""
    prev = words[i - 1] if i else "<s>"
    nxt = words[i + 1] if i + 1 < len(words) else "</s>"
    s0 = _short_shape(words[i])
    before = "<nl>" if prev == "\n" else prev.lower()[:16]
    return [f"c:{case}|{s0}", f"pp:{_short_shape(prev)}|{s0}", f"pn:{s0}|{_short_shape(nxt)}",
            f"wp:{before}|{s0}"]  # fmt: skip


def _short_shape(word: str) -> str:
    if word in ("<s>", "</s>"):
        return word
    if word == "\n":
        return "<nl>"
    if word[0].isalpha():
        return "A" if word.isupper() and len(word) > 1 else "Aa" if word[0].isupper() else "a"
    return "9" if word[0].isdigit() else "."


def token_attributes(words: Sequence[str]) -> list[list[str]]:
    """The CRF attributes of every token (used for training; ``Tagger`` computes the same scores)."""
    padded = ["<s>", "<s>", *words, "</s>", "</s>"]
    base = [("bos",) if w == "<s>" else ("eos",) if w == "</s>" else word_features(w) for w in padded]
    case = text_case(words)
    out = []
    for i in range(len(words)):
        attrs = ["bias", *pair_attributes(words, i, case)]
        for off in _OFFSETS:
            attrs += [f"{off}:{f}" for f in base[i + 2 + off]]
        out.append(attrs)
    return out


@dataclass(frozen=True)
class _Model:
    labels: tuple[str, ...]
    transitions: np.ndarray  # [from, to]
    weights: dict[str, np.ndarray]  # attribute -> score per label


def load_model(path: Path = MODEL_PATH) -> _Model:
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise RedactionUnavailable(f"Redaction model missing or damaged: {path} ({exc}).") from exc
    labels = tuple(data["labels"])
    n = len(labels)
    weights: dict[str, np.ndarray] = {}
    for attr, pairs in data["features"].items():
        vec = np.zeros(n, dtype=np.float64)
        for i in range(0, len(pairs), 2):
            vec[int(pairs[i])] = float(pairs[i + 1])
        weights[attr] = vec
    return _Model(labels, np.asarray(data["transitions"], dtype=np.float64), weights)


class Tagger:
    """Viterbi decoding with the exported CRF weights."""

    def __init__(self, model: _Model) -> None:
        self.model = model
        self.n = len(model.labels)
        self._zero = np.zeros(self.n)
        self._bias = model.weights.get("bias", self._zero)
        self._cached = functools.lru_cache(maxsize=200_000)(self._word_score)

    def _word_score(self, word: str, off: int) -> np.ndarray:
        feats = ("bos",) if word == "<s>" else ("eos",) if word == "</s>" else word_features(word)
        total = self._zero.copy()
        for f in feats:
            w = self.model.weights.get(f"{off}:{f}")
            if w is not None:
                total += w
        return total

    def scores(self, words: Sequence[str]) -> np.ndarray:
        n = len(words)
        padded = ["<s>", "<s>", *words, "</s>", "</s>"]
        total = np.tile(self._bias, (n, 1))
        for off in _OFFSETS:
            total += np.stack([self._cached(padded[i + 2 + off], off) for i in range(n)])
        case = text_case(words)
        get, zero = self.model.weights.get, self._zero
        pairs = [get(attr, zero) for i in range(n) for attr in pair_attributes(words, i, case)]
        total += np.stack(pairs).reshape(n, -1, self.n).sum(axis=1)
        return total

    def tag(self, words: Sequence[str]) -> list[str]:
        if not words:
            return []
        emit = self.scores(words)
        trans = self.model.transitions
        best = emit[0].copy()
        back = np.zeros((len(words), self.n), dtype=np.int64)
        columns = np.arange(self.n)
        for t in range(1, len(words)):
            cand = best[:, None] + trans  # [from, to]
            idx = cand.argmax(axis=0)
            back[t] = idx
            best = cand[idx, columns] + emit[t]
        path = [int(best.argmax())]
        for t in range(len(words) - 1, 0, -1):
            path.append(int(back[t, path[-1]]))
        return [self.model.labels[i] for i in reversed(path)]


_active: list[Path] = [MODEL_PATH]  # the model the next redaction uses (one process, one model)
_loaded: dict[Path, Tagger] = {}


def use_model(path: Path | None) -> None:
    """Redact with the model at ``path`` from now on (the user's retrained tagger), or with the shipped
    one (None). The model is loaded here, so a damaged file raises ``RedactionUnavailable`` at once
    and the model in use stays as it was."""
    target = path or MODEL_PATH
    loaded = Tagger(load_model(target))
    _loaded.clear()
    _loaded[target] = loaded
    _active[0] = target


def active_model() -> Path:
    """The file of the model the next redaction uses."""
    return _active[0]


def tagger() -> Tagger:
    path = _active[0]
    found = _loaded.get(path)
    if found is None:
        found = _loaded[path] = Tagger(load_model(path))
    return found


def spans_from_bio(labels: Sequence[str], offsets: Sequence[tuple[int, int]]) -> Iterator[Detection]:
    start = end = -1
    kind = ""
    for label, (a, b) in zip(labels, offsets, strict=True):
        if label.startswith("I-") and label[2:] == kind:
            end = b
            continue
        if kind:
            yield Detection(start, end, kind)
            kind = ""
        if label != "O":
            kind, start, end = label[2:], a, b
    if kind:
        yield Detection(start, end, kind)


_AMOUNT = re.compile(r"[£$€¥]|[0-9][.,][0-9]{2}(?![0-9])|[0-9]\.[0-9]+\.[0-9]")
_WORD = re.compile(rf"{_L}+")


def plausible(text: str, found: Detection, case: str) -> bool:
    """A last check on what the tagger proposes, where its evidence is known to be weak:
    - a name, organisation or place written all in lower case (in a text that is not) must not hold an
      everyday word, and must hold a known name or be made of words no English dictionary has;
    - a span made only of everyday words is dropped, and so is a lone word that is also a name
      ("Grace", "May", "Will": ``ambiguous_names.txt``);
    - a person's name holds no digits, is no short word in capitals ("VPN") and does not end in a place
      word ("Victoria Street"); a lone dictionary word in lower case is a name only if a given name;
    - an address must hold a word and no money amount or version number;
    - what was learned from the user's own redactions (kind ``REDACTED``) is kept as it is."""
    value = text[found.start : found.end]
    if found.kind == USER:
        return bool(value.strip())  # like something the user hid by hand: the user's word is final
    words = _WORD.findall(value)
    if not words:
        return False
    keys = [key(w) for w in words]
    vocab, names = _gz_list("vocabulary"), _all_names()
    if found.kind == ADDRESS:
        return _AMOUNT.search(value) is None and any(len(w) > 1 for w in words)
    if found.kind == PERSON and any(c.isdigit() for c in value):
        return False  # "Q4", "IE8256796U": a person's name holds no digits
    if found.kind == PERSON and len(keys) > 1 and keys[-1] in wordlist("org_place_words"):
        return False  # "Victoria Street", "Lincoln Room": a place named after someone is no person
    if found.kind == PERSON and case == "mixed" and _acronym(words) and keys[0] not in names:
        return False  # "VPN", "DOB", "CFO": a short word in capitals in ordinary text is an acronym
    if value.islower():  # a known name, or words in no English dictionary
        if case != "lower" and any(k in vocab for k in keys):
            return False
        dictionary = _gz_list("dictionary")
        if len(keys) == 1 and keys[0] in dictionary:
            return keys[0] in _given()  # "man", "true", "reader" are words; "john" may be a name
        return case == "lower" or any(k in names for k in keys) or not any(k in dictionary for k in keys)
    if case == "mixed" and words[-1].islower():
        return False  # "Rain fell": a name does not end in a lower-case word
    if len(keys) == 1 and keys[0] in wordlist("ambiguous_names"):
        return False  # "Grace period", "May I": the cue-based rules (redact_names) take these when a cue says so
    return not all(k in vocab and k not in names for k in keys)


def _acronym(words: Sequence[str]) -> bool:
    return len(words) == 1 and words[0].isupper() and len(words[0]) <= 5


def find_entities(text: str) -> Iterator[Detection]:
    """PERSON, ORG, ADDRESS and CITY spans found by the tagger."""
    offsets = tokens(text)
    if not offsets:
        return
    words = [text[a:b] for a, b in offsets]
    yield from checked(text, spans_from_bio(tagger().tag(words), offsets), text_case(words))


def checked(text: str, proposed: Iterable[Detection], case: str) -> Iterator[Detection]:
    """The proposed spans that pass the last checks: no link, handle or hashtag inside (never part of a
    name, organisation or place), and ``plausible``."""
    not_words = [m.span() for m in _NOT_WORDS.finditer(text)]
    for found in proposed:
        if not any(a < found.end and found.start < b for a, b in not_words) and plausible(text, found, case):
            yield found
