"""Synthetic training text for the redaction tagger (inference/redact_tagger.py).

Hand-written templates (support messages, e-mails with greetings and signatures, forms, chat, notes,
narrative sentences, address blocks) are filled with Faker values from many locales; every slot knows
its label, so each token gets a BIO tag. Real messages without personal data (BANKING77, CC BY 4.0, from
/work/shared/data) are added as negatives, and hard negatives (capitalised words that are not names)
are part of the templates. Case is varied (all lower case, names in capitals) so the tagger does not
lean on capital letters alone. Deterministic for a given seed.

None of the evaluation sets' templates are used here: the presidio-research sentences and NLU++
messages in resources/eval/ are only ever scored.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from pathlib import Path

from faker import Faker
from redact_carriers import carriers, fill, wrap
from redact_templates import TEMPLATES

LOCALES = (
    "en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_IN", "en_NZ", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
    "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR", "sv_SE", "da_DK", "no_NO", "fi_FI", "pl_PL",
    "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR", "sl_SI", "tr_TR", "et_EE", "lv_LV", "lt_LT", "id_ID", "vi_VN",
    "fil_PH", "zu_ZA", "tw_GH", "yo_NG", "sw", "es_CO", "es_AR", "az_AZ",
)  # fmt: skip
OTHER_SCRIPTS = ("el_GR", "ru_RU", "uk_UA", "bg_BG", "zh_CN", "ja_JP", "ko_KR", "ar_AA", "he_IL", "fa_IR", "hi_IN",
                 "th_TH", "ka_GE", "hy_AM")  # fmt: skip
LABEL_OF = {"P": "PERSON", "F": "PERSON", "L": "PERSON", "O": "ORG", "A": "ADDRESS", "S": "ADDRESS", "C": "CITY"}

NEGATIVE_WORDS = ["Customer", "Support", "Team", "Monday", "Friday", "January", "Visa", "Mastercard", "Account",
                  "Manager", "Premium", "Standard", "Card", "Transfer", "Refund", "Invoice", "Order",
                  "Help"]  # fmt: skip


class Filler:
    """Faker values for one locale at a time (re-chosen for every sentence)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        self.seed = seed

    def faker(self) -> Faker:
        loc = self.rng.choice(LOCALES if self.rng.random() < 0.88 else OTHER_SCRIPTS)
        if loc not in self.fakers:
            try:
                f = Faker(loc)
            except AttributeError:
                f = Faker("en_US")
            f.seed_instance(self.seed + len(self.fakers))
            self.fakers[loc] = f
        return self.fakers[loc]

    def value(self, slot: str, f: Faker) -> str:
        try:
            return self._value(slot, f)
        except AttributeError:  # a locale without that provider
            if "en_US" not in self.fakers:
                self.fakers["en_US"] = Faker("en_US")
                self.fakers["en_US"].seed_instance(self.seed)
            return self._value(slot, self.fakers["en_US"])

    def company(self, f: Faker) -> str:
        """An organisation: a Faker company (never a bare list of surnames, which reads as people), a
        name made of words ("Social Health Insights"), or an invented brand ("Zovara")."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.45:
            company = str(f.company())
            while "," in company or " and " in company or " und " in company or " & " in company:
                company = str(f.company())
            return company
        if draw < 0.8:
            words = [w.capitalize() for w in rng.sample(_ORG_WORDS, rng.randint(1, 3))]
            if rng.random() < 0.6:
                words.append(rng.choice(_ORG_SUFFIXES))
            return " ".join(words)
        brand = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        return brand if rng.random() < 0.6 else f"{brand} {rng.choice(_ORG_SUFFIXES)}"

    def _value(self, slot: str, f: Faker) -> str:
        rng = self.rng
        if slot in ("P", "U", "l"):
            name = f.name() if rng.random() < 0.6 else f"{f.first_name()} {f.last_name()}"
            if rng.random() < 0.1:
                name = f"{f.first_name()} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {f.last_name()}"
            return name
        if slot == "F":
            return str(f.first_name())
        if slot in ("L", "T"):
            return str(f.last_name())
        if slot == "O":
            return self.company(f)
        if slot == "CO":
            return str(f.country())
        if slot == "G":
            words = rng.sample(_PHRASE_WORDS, rng.randint(2, 4))
            return " ".join(w.capitalize() for w in words)
        if slot == "A":
            address = str(f.address())
            return address if rng.random() < 0.5 else address.replace("\n", ", ")
        if slot == "S":
            return str(f.street_address())
        if slot == "C":
            return str(f.city())
        if slot == "Z":
            return str(f.postcode())
        if slot == "PH":
            return str(f.phone_number())
        if slot == "E":
            return str(f.email())
        if slot == "D":
            return str(f.date(pattern=rng.choice(["%d/%m/%Y", "%Y-%m-%d", "%B %d, %Y", "%d %B %Y"])))
        if slot == "Y":
            return str(rng.randint(1950, 2024))
        if slot == "N":
            return str(rng.randint(10, 999999))
        if slot == "M":
            return rng.choice(["£", "$", "€"]) + str(rng.randint(5, 5000))
        if slot == "W":
            return rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        if slot == "MO":
            return rng.choice(["January", "March", "May", "June", "August", "October", "December"])
        raise KeyError(slot)


_SLOT = re.compile(r"\{(P|F|L|T|O|A|S|C|Z|PH|E|D|Y|N|M|W|MO|U|l|CO|G)\}")
_PHRASE_WORDS = [
    "blue", "ocean", "report", "weekly", "daily", "news", "update", "summer", "winter", "river", "road", "home",
    "garden", "kitchen", "night", "day", "light", "dark", "red", "green", "golden", "silver", "first", "last",
    "great", "little", "big", "old", "new", "long", "short", "story", "song", "love", "heart", "world", "city",
    "music", "radio", "service", "support", "customer", "team", "plan", "project", "review", "market", "trade",
    "money", "power", "energy", "data", "cloud", "digital", "smart", "open", "free", "fast", "quick", "simple",
    "clear", "happy", "lucky", "wild", "snake", "boogie", "tube", "select", "inject", "table", "entertainment",
    "sport", "travel", "journey", "guide", "school", "business", "premium", "basic", "annual", "quarter", "final",
    "edition",
]
_ORG_WORDS = [
    "social", "health", "insights", "rapid", "cycle", "credit", "global", "care", "first", "national", "united",
    "green", "energy", "capital", "data", "cloud", "bright", "north", "star", "blue", "river", "city", "metro",
    "digital", "smart", "open", "prime", "alpha", "summit", "harbor", "pacific", "atlantic", "union", "home",
    "market", "trade", "logic", "vision", "media", "net", "link", "point", "bridge", "peak", "core", "true",
    "future", "urban", "rural", "coastal", "valley", "mountain", "pioneer", "heritage", "legacy", "quantum",
]  # fmt: skip
_ORG_SUFFIXES = ["Inc.", "Ltd", "LLC", "Group", "Solutions", "Partners", "Global", "Labs", "Systems", "Holdings",
                 "Foundation", "Institute", "Bank", "Insurance", "Associates", "Corporation", "Co.", "GmbH",
                 "Media", "Networks", "Capital", "Consulting", "Technologies", "Services"]  # fmt: skip
_SYLLABLES = ["za", "vo", "ra", "lo", "ki", "ta", "me", "no", "xa", "zi", "pe", "qua", "tri", "bel", "dor",
              "lex", "ori", "pax", "ver", "sol", "nex", "ly", "fy", "ora", "ium", "io", "ex", "al"]  # fmt: skip
_TITLES = ("Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof.", "Miss")


def render(template: str, filler: Filler) -> tuple[str, list[tuple[int, int, str]]]:
    """The filled text and its labelled character spans."""
    f = filler.faker()
    rng = filler.rng
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        out.append(template[pos : m.start()])
        slot = m.group(1)
        value = filler.value(slot, f)
        if slot == "T":
            title = rng.choice(_TITLES)
            out.append(title + " ")
        if slot == "U" or (slot in LABEL_OF and rng.random() < 0.06):
            value = value.upper()
        elif slot in ("P", "F", "L") and rng.random() < 0.06:
            value = value.lower()  # people type names in lower case in otherwise ordinary text
        if slot == "l":
            value = value.lower()
        start = sum(map(len, out))
        out.append(value)
        label = LABEL_OF.get(slot, "PERSON" if slot in ("T", "U", "l") else "")
        if label:
            spans.append((start, start + len(value), label))
        pos = m.end()
    out.append(template[pos:])
    text = "".join(out)
    draw = rng.random()
    if draw < 0.07:
        text = text.lower()
    elif draw < 0.11:
        text = text.upper()
    return text, spans


def banking_negatives(path: Path, n: int, seed: int) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return random.Random(seed).sample(texts, min(n, len(texts)))


def corpus(n: int, seed: int, negatives: Path | None = None) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """``n`` synthetic texts with labelled spans, then the real negatives."""
    filler = Filler(seed)
    for _ in range(n):
        yield render(filler.rng.choice(TEMPLATES), filler)
    data_dir = (negatives or Path("/work/shared/data/banking77-train.csv")).parent
    yield from real_carried(filler, data_dir, n // 4, n // 10)
    for text in banking_negatives(negatives or Path("/work/shared/data/banking77-train.csv"), n // 4, seed):
        yield text, []


def real_carried(
    filler: Filler, data_dir: Path, n_holes: int, n_wrapped: int
) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Real messages carrying synthetic names and organisations (bench/redact_carriers.py)."""
    holes, plain = carriers(data_dir)
    if not holes or not plain:
        return
    rng = filler.rng

    def name() -> str:
        f = filler.faker()
        draw = rng.random()
        if draw < 0.3:
            return str(f.first_name()).strip()
        if draw < 0.4:
            return str(f.last_name()).strip()
        return filler.value("P", f).strip()

    def company() -> str:
        return filler.company(filler.faker())

    for _ in range(n_holes):
        yield fill(rng.choice(holes), rng, name, company)
    for _ in range(n_wrapped):
        yield wrap(rng.choice(plain), rng, name)


def write_lexicons(out_dir: Path, data_dir: Path = Path("/work/shared/data")) -> None:
    """Regenerate ``names.txt.gz`` (Faker's given names and surnames, Latin script) and
    ``vocabulary.txt.gz`` (lower-case words of BANKING77 and SciTLDR) in ``out_dir``."""
    import collections
    import importlib
    import json
    import pkgutil

    import faker.providers.person as person

    from inference.redact_base import key

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module.name}"), "Provider", None)
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
                     "last_names", "last_names_male", "last_names_female"):  # fmt: skip
            value = provider.__dict__.get(attr) if provider else None
            if isinstance(value, (dict, list, tuple, set, frozenset)):
                names.update(w for w in value if isinstance(w, str) and _latin_word(w))
    header = ("# Given names and surnames (Latin script, lower case, without diacritics) from the person providers of"
              " Faker (MIT licence),\n# all locales. A feature of the redaction tagger: being in this list is"
              " evidence, not proof, of a name.\n")  # fmt: skip
    _write_gz(out_dir / "names.txt.gz", header, sorted({key(w) for w in names}))
    counts: collections.Counter[str] = collections.Counter()
    word = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
    with (data_dir / "banking77-train.csv").open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    for line in (data_dir / "scitldr-train.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        texts.append(text if isinstance(text, str) else " ".join(text))
    for text in texts:
        counts.update(w for w in word.findall(text) if w.islower())
    header = ("# Common lower-case English words: every word written in lower case at least twice in BANKING77"
              " (Casanueva et al., 2020,\n# CC BY 4.0) and the SciTLDR sample (Cachola et al., 2020, Apache-2.0) in"
              " /work/shared/data. A feature of the redaction tagger.\n")  # fmt: skip
    _write_gz(out_dir / "vocabulary.txt.gz", header, sorted(w for w, c in counts.items() if c >= 2 and len(w) >= 2))


def write_dictionary(out_dir: Path, source: Path = Path("/usr/share/dict/american-english")) -> None:
    """Regenerate ``dictionary.txt.gz``: the lower-case entries of SCOWL's American English list (Debian's
    ``wamerican``), i.e. ordinary English words without the proper nouns the list spells with a capital."""
    words = sorted({w for w in source.read_text(encoding="utf-8").split() if w.isalpha() and w.islower()})
    header = ("# Ordinary English words: the lower-case entries of SCOWL's American English list (wamerican), a"
              " feature of the redaction tagger.\n"
              "# Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell these"
              " word lists, the associated scripts,\n# the output created from the scripts, and its documentation for"
              " any purpose is hereby granted without fee, provided that the above\n# copyright notice appears in all"
              " copies and that both that copyright notice and this permission notice appear in supporting\n#"
              " documentation. Kevin Atkinson makes no representations about the suitability of this array for any"
              " purpose. It is provided\n# \"as is\" without express or implied warranty.\n")  # fmt: skip
    _write_gz(out_dir / "dictionary.txt.gz", header, words)


def _latin_word(word: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_][\w'\-]*", word)) and all(ord(c) < 0x250 or c in "'-" for c in word)


def _write_gz(path: Path, header: str, lines: list[str]) -> None:
    import gzip

    path.write_bytes(gzip.compress((header + "\n".join(lines) + "\n").encode("utf-8"), mtime=0))
