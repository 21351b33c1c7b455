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

LOCALES = (
    "en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_IN", "en_NZ", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
    "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR", "sv_SE", "da_DK", "no_NO", "fi_FI", "pl_PL",
    "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR", "sl_SI", "tr_TR", "et_EE", "lv_LV", "lt_LT", "id_ID", "vi_VN",
    "fil_PH", "zu_ZA", "tw_GH", "yo_NG", "sw", "es_CO", "es_AR", "az_AZ",
)  # fmt: skip
OTHER_SCRIPTS = ("el_GR", "ru_RU", "uk_UA", "bg_BG", "zh_CN", "ja_JP", "ko_KR", "ar_AA", "he_IL", "fa_IR", "hi_IN",
                 "th_TH", "ka_GE", "hy_AM")  # fmt: skip
LABEL_OF = {"P": "PERSON", "F": "PERSON", "L": "PERSON", "O": "ORG", "A": "ADDRESS", "S": "ADDRESS", "C": "CITY"}

TEMPLATES = [
    # support messages
    "Hi, my name is {P} and my card hasn't arrived yet.",
    "Hello, this is {F} from {O}. Can you call me back on {PH}?",
    "I sent {M} to {P} on {D} but it still shows as pending.",
    "Please update my address to {S}, {C} {Z}.",
    "My new address is {A}",
    "Could you send the replacement card to {A}?",
    "The transfer to {P} failed twice, what should I do?",
    "I'm {F}, I opened the account last {W}.",
    "Can {F} use my card while I'm in {C}?",
    "I want to add my husband {P} to the account.",
    "My daughter {F} needs her own debit card.",
    "I work at {O} and my salary hasn't come in.",
    "The payment from {O} is missing from my statement.",
    "Why was I charged by {O} twice this month?",
    "{P} called me pretending to be from the bank.",
    "I need a letter confirming my address, {S}, for my landlord.",
    "Please cancel the direct debit to {O}.",
    "Set up a standing order of {M} to {P} every month.",
    "I'm moving from {C} to {C} next month, will my card still work?",
    "I lost my wallet in {C} yesterday.",
    "The account is in the name of {P}.",
    "Is it possible to open a joint account with {P}?",
    "can you tell me why {l} hasn't received my transfer",
    "i sent money to {l} but she says it never arrived",
    "my name is {l} and i forgot my pin",
    "Refund the order to {P}, {S}, {C}.",
    "{T} asked me to forward this to you.",
    "I spoke to {T} at your {C} branch last {W}.",
    "Your colleague {F} promised a refund by {D}.",
    "The courier left the parcel at {S} instead of my house.",
    "We are {O}, based in {C}, and we need a business account.",
    # e-mails
    "Dear {T},\n\nThank you for your letter of {D}. We have passed it to {P} in our {C} office.\n\n"
    "Kind regards,\n{P}\n{O}",
    "Hi {F},\n\nThe invoice is attached. Let me know if anything is missing.\n\nBest,\n{F}",
    "Hello {F},\nCan we meet at {S} on {W}?\nThanks\n{F} {L}",
    "Dear Sir or Madam,\n\nI am writing about my account. Please reply to {E}.\n\nYours faithfully,\n{P}",
    "Hi all,\n{P} will join {O} as our new partner from {D}.\nCheers,\n{F}",
    "Good morning {F},\nplease find the contract for {O} attached.\n--\n{P}\n{O}\n{A}\n{PH}",
    "From: {P} <{E}>\nTo: {P}\nSubject: Meeting in {C}\n\nSee you on {W}.",
    "Thanks {F}! I'll ask {F} to send the documents to {S}.",
    "{P}\n{O}\n{A}\nTel: {PH}\nEmail: {E}",
    "Regards,\n{P}\nSenior Accountant, {O}\n{PH}",
    # forms
    "Name: {P}\nAddress: {A}\nPhone: {PH}",
    "Full name: {P}\nDate of birth: {D}\nCity: {C}",
    "Customer: {P}\nCompany: {O}\nShip to: {A}",
    "Beneficiary: {P}\nBank: {O}\nReference: invoice {N}",
    "Billing address:\n{P}\n{A}",
    "Employer: {O}\nEmployer address: {S}, {C}",
    "Contact person: {T}, {O}",
    "Delivery address: {S}\nTown: {C}\nPostcode: {Z}",
    "NAME: {U}\nADDRESS: {A}",
    "Patient: {P}, {N} years old, referred by {T}.",
    # chat and notes
    "{F}: are you coming tonight?\n{F}: yes, see you at {S}",
    "User: my name is {P}\nBot: Thanks {F}, how can I help?",
    "Agent: Can I have the account holder's name?\nCustomer: {P}",
    "Agent: Where should we send it?\nCustomer: {A}",
    "Note: {P} rang about the overdraft, call back on {W}.",
    "Meeting with {P} ({O}) moved to {W} {D}.",
    "Reminder: pick up {F} from school at 3.",
    "{P} and {P} signed the lease for {S}.",
    "Visited {O} in {C}; met {T} and {P}.",
    "Ask {F} about the {O} proposal.",
    # narrative
    "{P} was born in {C} and studied at {O}.",
    "After leaving {O}, {P} founded {O} with {P}.",
    "{T} has lived at {S} since {Y}.",
    "The conference in {C} was opened by {P}, chief executive of {O}.",
    "According to {P}, the office at {A} will close in {MO}.",
    "{P} moved to {C} in {Y} to work for {O}.",
    "Police are looking for {P}, last seen near {S} in {C}.",
    "{L} told reporters that {O} would appeal.",
    "The award went to {P} of {O}.",
    "{F} and {F} spent the summer in {C}.",
    "Last year {O} opened a new site in {C}.",
    "My neighbour {P} keeps parking in front of {S}.",
    "{T} said the report would be ready by {D}.",
    "{O} hired {P} as head of sales.",
    "I grew up on {S} in {C}.",
    "The shop on {S} is run by {P}.",
    "Send the samples to {O}, attention {T}.",
    # lists and tables
    "Attendees: {P}, {P}, {P} and {P}.",
    "Owners: {F} {L} (60%), {F} {L} (40%)",
    "{P}, {C}\n{P}, {C}\n{P}, {C}",
    "Suppliers: {O}; {O}; {O}.",
    "They invited {F}, {F}, {F} and {F}.",
    "{L}, {L} and {L} wrote the first version together.",
    "The founders, {L} and {L}, met at university.",
    "Ask {F} or {F}, they know the code.",
    "Call {P} on {PH} today.",
    "Tell {F} the meeting moved to {W}.",
    "Email {P} at {E} before {D}.",
    "Send {T} the signed form.",
    "Thank {F} for the quick reply!",
    "Invite {P} and {P} to the review.",
    "Please ask {T} to confirm the transfer.",
    "Remind {F} that the rent is due.",
    "Talk to {P} about the falcon budget.",
    "Did {F} get the parcel I sent to {S}?",
    "Maybe it's filed under {P}.",
    "Have you met {P}?",
    "We still owe {P} {M}.",
    "I think {F} forgot the password again.",
    "Pay {M} to {P} by {D}.",
    "Hi {F}, thanks for the update about the new branch.",
    "{F}, can you check this for me?",
    "Is {F} coming?",
    "Why did {F} leave so early?",
    "She named her son {F}.",
    "{L} scored twice before half time.",
    "It was {L} who signed the cheque.",
    "The {L} family moved to {CO} in {Y}.",
    "{P} is from {CO} but lives in {C}.",
    "I travelled to {CO} and {CO} last year.",
    "We shipped the order to {C}, {CO}.",
    "Our office in {C} ({CO}) is closed on {W}.",
    "Address: {S}, {C}, {CO}",
    "{P}\n{S}\n{C}\n{CO}",
    "I work for {O}.",
    "She joined {O} in {Y} as an engineer.",
    "{O} is a software company based in {C}.",
    "{O}'s new office opened in {C}.",
    "I used to be employed by {O} until {Y}.",
    "The contract between {O} and {O} ends in {MO}.",
    "Shares of {O} rose after the results.",
    "{G}",
    "{G} - {G}",
    "Read our review of {G} by {P}.",
    "Watch {G} on Saturday night.",
    "Tickets for {G} are on sale now.",
    # hard negatives (no personal data, capitalised words)
    "Can I use Apple Pay or Google Pay with my Visa card on Monday?",
    "The Customer Service team will reply within 3 Working Days.",
    "Why is my Top Up still Pending after the Bank Holiday?",
    "Open the App, go to Settings, then Security and tap Change PIN.",
    "Our Premium Plan includes Travel Insurance and Airport Lounge access.",
    "Is the Exchange Rate for Euro to Pound fixed at the weekend?",
    "The Terms and Conditions changed in {MO}.",
    "Please see Section 4, Paragraph 2 of the Agreement.",
    "Happy New Year from all of us at the Support Desk!",
    "The Annual Report is due at the End of Quarter.",
    "Chapter One: The Long Road Home",
    "Statement period: 1 {MO} to 30 {MO}.",
    "Order {N} shipped on {W} and arrives on {D}.",
    "I paid {M} at the Post Office but the Receipt is lost.",
    "Windows Update broke the Bluetooth Driver again.",
    "Invoice {N}\nConsulting 12 h x €95.00 = €1,140.00\nVAT 20%: €228.00\nTotal: €1,368.00",
    "Item A{N}-22 (2 x USB-C cable, £9.98) was missing from order {N}.",
    "Basic plan £9.99, Plus £14.99, Premium £24.99 a month.",
    "Quote Q-{N} for 40 licences, valid until {D}.",
    "The workshop runs 18-20 {MO} on the 4th floor. Bring your laptop.",
    "Version 3.{N}.2 fixes the crash in Chrome 123.0.6312.86.",
    "Room 4B, Building 2, is booked from 10:30 to 12:00.",
    "Your boss can approve the limit; ask the team or the manager.",
    "I told my father, my sister and my boss about the fraud.",
    "We sing, we dance, we smash the target every quarter.",
    "Apologies for the delay, the file was too big to upload.",
    "Energetic and friendly staff, calm branch, quick service.",
    "Thanks for calling, your call matters to us.",
    "Payment of 1,250.00 EUR received on {D}, reference {N}.",
    "Flight BA{N} leaves Terminal 5 at 07:45.",
    "See table 3 and figure 12 on page 45.",
]
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
            company = str(f.company())
            while ("," in company or " and " in company or " und " in company) and rng.random() < 0.8:
                company = str(f.company())
            return company
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
    for text in banking_negatives(negatives or Path("/work/shared/data/banking77-train.csv"), n // 4, seed):
        yield text, []


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


def _latin_word(word: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_][\w'\-]*", word)) and all(ord(c) < 0x250 or c in "'-" for c in word)


def _write_gz(path: Path, header: str, lines: list[str]) -> None:
    import gzip

    path.write_bytes(gzip.compress((header + "\n".join(lines) + "\n").encode("utf-8"), mtime=0))
