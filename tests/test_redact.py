"""Reversible pseudonymization (inference/redact.py): detection per kind, round trips, negatives,
placeholder consistency, restore inside JSON values, redact_more, Unicode evasions, the national-ID,
date-of-birth, age, postcode and phone detectors, the tagger's decoder, linear time on hostile input, and
quality floors on the evaluation sets (bench/bench_redact.py)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.bench_redact import DEFAULT_FILE, FILES, OWN_KINDS, load, overall, score
from inference import redact_people
from inference.errors import RedactionUnavailable
from inference.redact import (
    KINDS,
    Redaction,
    detect,
    pseudonymize,
    redact_more,
    restore,
    restore_value,
)
from inference.redact_base import wordlist

# Quality floors (recall of hidden spans, precision), a little under the figures in docs/redaction.md.
FLOORS_DEV = {"PERSON": (0.92, 0.78), "ADDRESS": (0.87, 0.95), "CARD": (1.0, 1.0), "EMAIL": (1.0, 1.0),
              "IBAN": (1.0, 1.0)}  # fmt: skip
OWN_TEST = (0.95, 0.89)  # measured 0.977 / 0.912
# presidio test split, measured (no longer unseen: its errors were read): hidden recall, precision
FLOORS_TEST = {"PERSON": (0.90, 0.74), "ADDRESS": (0.93, 0.97), "CARD": (1.0, 1.0), "EMAIL": (1.0, 1.0),
               "ID": (1.0, 1.0), "PHONE": (1.0, 0.90), "AGE": (1.0, 1.0)}  # fmt: skip
# the fresh held-out set (400 sentences, measured once at the end): hidden recall, precision
FLOORS_FRESH = {"PERSON": (0.83, 0.82), "ADDRESS": (0.93, 0.92), "ORG": (0.97, 0.50), "CARD": (1.0, 1.0),
                "EMAIL": (1.0, 1.0), "IBAN": (1.0, 1.0), "IP": (1.0, 1.0), "PHONE": (0.85, 1.0)}  # fmt: skip
NLUPP_TEST_PERSON = (0.67, 0.95)  # measured 0.696 / 1.000
# the third round's held-out sets (measured once at the end, 2026-11-30): WNUT-17 test tweets, PERSON
# hidden / precision measured 0.651 / 0.574; libphonenumber's example numbers of every region, 0.993 / 1.000
WNUT_TEST_PERSON = (0.62, 0.54)
PHONES_TEST = (0.98, 1.0)

# (kind, text, the value that must be hidden)
FOUND = [
    ("EMAIL", "Write to jane.roe+bank@mail.example.co.uk today.", "jane.roe+bank@mail.example.co.uk"),
    ("PHONE", "Call me on +44 20 7946 0958 please.", "+44 20 7946 0958"),
    ("PHONE", "Office: (555) 123-4567, ask for billing.", "(555) 123-4567"),
    ("PHONE", "My number is 555-123-4567.", "555-123-4567"),
    ("PHONE", "US desk +1 415 555 2671 is open now.", "+1 415 555 2671"),
    ("PHONE", "Landline 020 7946 0958, mobile below.", "020 7946 0958"),
    ("PHONE", "Ring 07700 900123 after six.", "07700 900123"),
    ("CARD", "Card 4111 1111 1111 1111 was charged twice.", "4111 1111 1111 1111"),
    ("CARD", "Amex 3782 822463 10005 expired.", "3782 822463 10005"),
    ("CARD", "Use 5555555555554444 for the deposit.", "5555555555554444"),
    ("IBAN", "Refund to GB82 WEST 1234 5698 7654 32 please.", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN", "IBAN DE89370400440532013000, BIC COBADEFFXXX.", "DE89370400440532013000"),
    ("IP", "Blocked logins from 203.0.113.77 since Monday.", "203.0.113.77"),
    ("IP", "Gateway 2001:db8:85a3::8a2e:370:7334 is down.", "2001:db8:85a3::8a2e:370:7334"),
    ("PERSON", "Hi, my name is Daniel Okafor and my card is late.", "Daniel Okafor"),
    ("PERSON", "Dear Ms Tanaka, your order has shipped.", "Tanaka"),
    ("PERSON", "Kind regards,\nSiobhán Murphy\nAccount Manager", "Siobhán Murphy"),
    ("PERSON", "Please ask Priya Natarajan about the refund.", "Priya Natarajan"),
    ("PERSON", "Cardholder: FATIMA AL-SAYED", "FATIMA AL-SAYED"),
    ("ADDRESS", "Send it to 1428 Elm Street, Apt 3B, Springfield, IL 62704 by Friday.",
     "1428 Elm Street, Apt 3B, Springfield, IL 62704"),
    ("ADDRESS", "Our office: 221B Baker Street, London NW1 6XE.", "221B Baker Street, London NW1 6XE"),
    ("ADDRESS", "Wohnung: Hauptstraße 5, 10115 Berlin.", "Hauptstraße 5, 10115 Berlin"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def rules_and_tagger_only() -> Iterator[None]:
    """These tests are of the rules and the CRF: the name reader (tests/test_redact_people.py), which an
    earlier test in the process may have started, sits out."""
    with redact_people.suspended():
        yield


@pytest.mark.parametrize(("kind", "text", "value"), FOUND)
def test_each_kind_is_found_and_round_trips(kind: str, text: str, value: str) -> None:
    r = pseudonymize(text)
    assert value not in r.text
    placeholder = next(p for p, v in r.mapping.items() if v == value)
    assert placeholder.startswith(f"[{kind}_")
    assert placeholder in r.text
    assert restore(r.text, r.mapping) == text
    assert r.original() == text


def test_placeholders_look_like_kind_and_number() -> None:
    r = pseudonymize("Mail a@b.example or c@d.example, call +44 20 7946 0958.")
    assert r.text == "Mail [EMAIL_1] or [EMAIL_2], call [PHONE_1]."
    assert r.counts() == {"EMAIL": 2, "PHONE": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Transaction 1234 5678 9012 3456 appears twice.",  # 16 digits, Luhn fails
        "Reference 4111111111111112 is our batch number.",  # a card number with a wrong check digit
        "All zeros 0000 0000 0000 0000 is a placeholder.",  # passes Luhn but is no card
        "The IBAN GB82 WEST 1234 5698 7654 33 has a typo.",  # mod-97 fails
        "DE89 3704 0044 0532 0130 01 is wrong.",  # mod-97 fails; its digits are no card or phone either
        "Order #88231904, invoice INV-2023-00417, paid £42.10 on 15/04/2024 at 10:30.",
        "Order 1029384756 and transaction 7730019925 are both pending.",
        "Version 3.11.2.4 crashes; 198.51.100.300 is not an address.",
        "Monday at London Bridge, then the Apple Store on Victoria Street.",
        "Will you send it? May I ask why? Grace period ends in June.",
        "Dear Customer, Hello Support Team, Hi all.",
    ],
)
def test_hard_negatives_are_left_alone(text: str) -> None:
    r = pseudonymize(text)
    assert r.text == text, r.mapping
    assert r.mapping == {}


def test_same_value_gets_same_placeholder() -> None:
    text = "jane@example.com wrote; reply to jane@example.com, not to joe@example.com. Jane Roe agreed."
    r = pseudonymize(text)
    assert r.text.count("[EMAIL_1]") == 2
    assert r.text.count("[EMAIL_2]") == 1
    assert r.counts()["EMAIL"] == 2
    assert len(r.spans) == 4
    assert restore(r.text, r.mapping) == text


def test_later_mentions_of_a_name_are_hidden() -> None:
    r = pseudonymize("Mrs Eleanor Hughes called. Hughes wants a refund.")
    assert "Hughes" not in r.text
    assert restore(r.text, r.mapping) == "Mrs Eleanor Hughes called. Hughes wants a refund."


def test_spans_point_at_placeholders_in_redacted_text() -> None:
    r = pseudonymize("Hi, I'm Jane Roe (jane@example.com), card 4111 1111 1111 1111.")
    assert [s.kind for s in r.spans] == ["PERSON", "EMAIL", "CARD"]
    for span in r.spans:
        assert r.text[span.start : span.end] == span.placeholder
        assert span.placeholder in r.mapping


def test_existing_placeholder_text_is_not_reused() -> None:
    text = "The template says [EMAIL_1]; my address is me@example.org."
    r = pseudonymize(text)
    assert r.mapping == {"[EMAIL_2]": "me@example.org"}
    assert restore(r.text, r.mapping) == text


def test_kinds_filter_and_unknown_kind() -> None:
    text = "Jane Roe, jane@example.com, +44 20 7946 0958"
    r = pseudonymize(text, frozenset({"EMAIL"}))
    assert r.text == "Jane Roe, [EMAIL_1], +44 20 7946 0958"
    with pytest.raises(ValueError, match="EMAIL"):
        pseudonymize(text, frozenset({"EMAL"}))
    assert set(KINDS) == {"EMAIL", "PHONE", "CARD", "IBAN", "IP", "PERSON", "ADDRESS", "ID", "DOB", "AGE",
                          "POSTCODE", "ORG", "CITY"}


def test_restore_is_one_pass_and_leaves_unknown_placeholders() -> None:
    mapping = {"[PERSON_1]": "[PERSON_2]", "[PERSON_2]": "Jane"}
    assert restore("[PERSON_1] and [PERSON_2] and [PERSON_9]", mapping) == "[PERSON_2] and Jane and [PERSON_9]"
    assert restore("Dear \\[PERSON\\_2\\],", mapping) == "Dear Jane,"  # Markdown-escaped by the model


def test_restore_value_nested_json() -> None:
    r = pseudonymize("Jane Roe (jane@example.com) lives at 221B Baker Street, London NW1 6XE.")
    by_kind = {p.split("_")[0][1:]: p for p in r.mapping}
    answer = {
        "name": by_kind["PERSON"],
        "contacts": [{"email": by_kind["EMAIL"], "verified": True}, by_kind["ADDRESS"]],
        by_kind["PERSON"]: {"score": 0.9, "tags": (by_kind["EMAIL"], None)},
    }
    restored = restore_value(answer, r.mapping)
    assert restored == {
        "name": "Jane Roe",
        "contacts": [{"email": "jane@example.com", "verified": True}, "221B Baker Street, London NW1 6XE"],
        "Jane Roe": {"score": 0.9, "tags": ("jane@example.com", None)},
    }
    assert json.loads(json.dumps(restore_value(json.loads(json.dumps(answer)), r.mapping)))["name"] == "Jane Roe"


def _consistent(r: Redaction) -> None:
    assert {s.placeholder for s in r.spans} == set(r.mapping)
    for span in r.spans:
        assert r.text[span.start : span.end] == span.placeholder


def test_redact_more_hides_a_selection_everywhere() -> None:
    text = "Project Falcon is late. Jane Roe says Project Falcon needs money."
    r = pseudonymize(text)
    start = r.text.index("Project Falcon")
    more = redact_more(r, start, start + len("Project Falcon"))
    assert "Falcon" not in more.text
    assert more.text.count("[REDACTED_1]") == 2
    assert more.mapping["[REDACTED_1]"] == "Project Falcon"
    assert more.counts() == {"PERSON": 1, "REDACTED": 1}
    _consistent(more)
    assert restore(more.text, more.mapping) == text
    only_here = redact_more(r, start, start + len("Project Falcon"), everywhere=False)
    assert only_here.text.count("[REDACTED_1]") == 1


def test_redact_more_grows_over_placeholders_and_keeps_mapping_consistent() -> None:
    text = "Call Jane Roe on +44 20 7946 0958 today."
    r = pseudonymize(text)
    assert r.text == "Call [PERSON_1] on [PHONE_1] today."
    cut = r.text.index("SON_1]")  # the selection starts inside a placeholder
    more = redact_more(r, cut, r.text.index(" today"))
    assert more.text == "Call [REDACTED_1] today."
    assert more.mapping == {"[REDACTED_1]": "Jane Roe on +44 20 7946 0958"}
    _consistent(more)
    assert restore(more.text, more.mapping) == text
    again = redact_more(more, 0, 4)  # a second selection gets the next number
    assert again.text == "[REDACTED_2] [REDACTED_1] today."
    assert restore(again.text, again.mapping) == text


def test_redact_more_blank_or_bad_selection() -> None:
    r = pseudonymize("Hello   world")
    assert redact_more(r, 5, 8) is r  # only blanks
    assert redact_more(r, 3, 3) is r
    with pytest.raises(ValueError):
        redact_more(r, 5, 99)


def test_redact_more_does_not_cut_words_elsewhere() -> None:
    r = pseudonymize("The kb9 report and the kb9x notes mention kb9.")
    start = r.text.index("kb9")
    more = redact_more(r, start, start + 3)
    assert "kb9x" in more.text
    assert more.text.count("[REDACTED_1]") == 2


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Ångström 💥 e\u0301 \u200b\u202e RTL עברית العربية Nguyễn ９０３ \x00 \ud800 end",
        "\U0001f600" * 1000 + " jane@example.com",
        "",
        "[" * 500 + "]" * 500,
    ],
)
def test_odd_unicode_round_trips(text: str) -> None:
    r = pseudonymize(text)
    assert restore(r.text, r.mapping) == text


def _repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


HOSTILE_UNITS = [
    None,  # the PII test set, repeated
    "123 ",  # the worst case measured for the digit detectors
    "Maria ",  # ... and for the name detector
    "12 Main Street, ",
    "0000 ",
    "Call +1 ",
]


def _unit(unit: str | None) -> str:
    if unit is None:
        return "\n".join(json.loads(line)["text"] for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines())
    return unit


def _calls(text: str) -> int:
    """The function calls (Python and built-in) made to redact ``text``: work counted, not timed."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        pseudonymize(text)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_work_grows_linearly_with_the_text(unit: str | None) -> None:
    """Twice the text costs at most about twice the calls (a quadratic scan would cost four times).
    The speed itself is measured by bench/bench_redact.py, not here."""
    small, large = _repeated(_unit(unit), 3_000), _repeated(_unit(unit), 6_000)
    pseudonymize(large)  # warm the caches, so both runs count the same kind of work
    assert _calls(large) <= 2.3 * _calls(small)


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_long_hostile_text_finishes_and_round_trips(unit: str | None) -> None:
    """100 KB of hostile input. The limit is a hang guard (a pathological regex would take minutes), not
    a speed target: about 0.5-2.5 s here on a loaded 2-core machine."""
    text = _repeated(_unit(unit), 100_000)
    started = time.perf_counter()
    r = pseudonymize(text)
    assert time.perf_counter() - started < 60.0
    assert restore(r.text, r.mapping) == text


def test_quality_floor_on_the_held_out_presidio_split() -> None:
    """resources/eval/pii_presidio.jsonl, test split: 142 sentences from templates the first tuning never
    saw (measured and read since: a regression guard now, the fresh set is the held-out one)."""
    tallies = score(load(FILES["presidio"], "test")).tallies
    for kind, (recall, precision) in FLOORS_TEST.items():
        assert tallies[kind].recall_hidden() >= recall, kind
        assert tallies[kind].precision() >= precision, kind


def test_quality_floor_on_the_fresh_held_out_set() -> None:
    """resources/eval/pii_presidio_fresh.jsonl: 400 sentences from 53 presidio-research templates that
    nothing here was tuned on, and NLU++'s test split (real messages, names mostly in lower case)."""
    tallies = score(load(FILES["fresh"], "test")).tallies
    for kind, (recall, precision) in FLOORS_FRESH.items():
        assert tallies[kind].recall_hidden() >= recall, kind
        assert tallies[kind].precision() >= precision, kind
    person = score(load(FILES["nlupp"], "test")).tallies["PERSON"]
    assert person.recall_hidden() >= NLUPP_TEST_PERSON[0]
    assert person.precision() >= NLUPP_TEST_PERSON[1]


def test_quality_floor_on_the_third_round_held_out_sets() -> None:
    """resources/eval/pii_wnut.jsonl (WNUT-17 test tweets) and pii_phones.jsonl (every numbering plan),
    test splits: a regression guard under the figures measured once in docs/redaction.md."""
    person = score(load(FILES["wnut"], "test")).tallies["PERSON"]
    assert person.recall_hidden() >= WNUT_TEST_PERSON[0]
    assert person.precision() >= WNUT_TEST_PERSON[1]
    phone = score(load(FILES["phones"], "test")).tallies["PHONE"]
    assert phone.recall_hidden() >= PHONES_TEST[0]
    assert phone.precision() >= PHONES_TEST[1]


def test_quality_floor_on_the_dev_splits() -> None:
    """The dev splits were used while tuning: a regression guard."""
    presidio = score(load(FILES["presidio"], "dev")).tallies
    for kind, (recall, precision) in FLOORS_DEV.items():
        assert presidio[kind].recall_hidden() >= recall, kind
        assert presidio[kind].precision() >= precision, kind
    own = overall(score(load(DEFAULT_FILE, "dev")).tallies, OWN_KINDS)
    assert own.recall() >= 0.97
    assert own.precision() >= 0.93


def test_quality_floor_on_own_test_split() -> None:
    """resources/eval/pii.jsonl, test split (84 texts, only the kinds it was labelled for)."""
    scores = score(load(DEFAULT_FILE, "test"))
    total = overall(scores.tallies, OWN_KINDS)
    assert total.gold >= 80
    assert total.recall() >= OWN_TEST[0]
    assert total.precision() >= OWN_TEST[1]
    for kind in ("EMAIL", "IBAN", "CARD", "IP", "PHONE"):
        assert scores.tallies[kind].recall() == 1.0, kind


def test_detect_reports_original_offsets() -> None:
    text = "Mail jane@example.com or call 555-123-4567."
    found = detect(text)
    assert [(text[d.start : d.end], d.kind) for d in found] == [
        ("jane@example.com", "EMAIL"),
        ("555-123-4567", "PHONE"),
    ]


def test_missing_word_list_refuses_to_run() -> None:
    with pytest.raises(RedactionUnavailable, match="no_such_list"):
        wordlist("no_such_list")


def test_eval_set_is_well_formed() -> None:
    path = Path(DEFAULT_FILE)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 120
    assert {r["split"] for r in rows} == {"dev", "test"}
    for row in rows:
        for e in row["entities"]:
            assert 0 <= e["start"] < e["end"] <= len(row["text"])
            assert e["kind"] in KINDS


# --- Unicode evasions (issue 9, part 4) -------------------------------------------------------------

EVASIONS = [
    ("EMAIL", "Write to jane\u200b.roe@exam\u200cple.com today.", "jane\u200b.roe@exam\u200cple.com"),
    ("EMAIL", "Mail \u202ejane@example.com\u202c now", "jane@example.com"),
    ("CARD", "Card 4111\u200b1111\u200b1111\u200b1111 was charged.", "4111\u200b1111\u200b1111\u200b1111"),
    ("CARD", "Card 4111 1111\u2060 1111 1111 was charged.", "4111 1111\u2060 1111 1111"),
    ("IBAN", "IBAN GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032 please",
     "GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032"),
    ("PHONE", "Call me on ０２０ ７９４６ ０９５８ tonight.", "０２０ ７９４６ ０９５８"),
    ("CARD", "Card ４１１１ １１１１ １１１１ １１１１ expired.", "４１１１ １１１１ １１１１ １１１１"),
    ("ID", "My SSN is ４６０-８９-９８４７.", "４６０-８９-９８４７"),
    ("PERSON", "Cardholder: JANE ROE", "JANE ROE"),
    ("PERSON", "THE FORM WAS SIGNED BY MARGARET HOLLOWAY YESTERDAY.", "MARGARET HOLLOWAY"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "text", "value"), EVASIONS)
def test_unicode_evasions_are_defeated(kind: str, text: str, value: str) -> None:
    r = pseudonymize(text)
    hidden = [v for p, v in r.mapping.items() if p.startswith(f"[{kind}_")]
    assert any(value in v or v in value and len(v) >= len(value) - 2 for v in hidden), r.mapping
    assert restore(r.text, r.mapping) == text  # the invisible characters come back too


def test_normalised_offsets_point_at_the_original_characters() -> None:
    from inference.redact_text import normalize

    text = "a\u200bb ４２ e\u0301x\u00a0y"
    norm = normalize(text)
    assert norm.text == "ab 42 éx y"
    assert norm.span(0, 2) == (0, 3)  # "ab" covers the zero-width space between them
    start = norm.text.index("é")
    assert text[slice(*norm.span(start, start + 1))] == "e\u0301"


def test_mark_invisible_keeps_length() -> None:
    from inference.redact_text import mark_invisible

    text = "x\u200by\u00a0z\u202e!"
    assert mark_invisible(text) == "x◇y⍽z◇!"
    assert len(mark_invisible(text)) == len(text)


# --- the new detectors ------------------------------------------------------------------------------

NEW_FOUND = [
    ("ID", "Here is my SSN: 078-05-1121 for the form.", "078-05-1121"),
    ("ID", "My passport number is 533380006 and it expires soon.", "533380006"),
    ("ID", "Driver's license no. D1234-56789-01 attached.", "D1234-56789-01"),
    ("ID", "Codice fiscale RSSMRA85T10A562S, please.", "RSSMRA85T10A562S"),
    ("ID", "DNI 12345678Z para la cuenta.", "12345678Z"),
    ("ID", "National Insurance AB123456C is on the payslip.", "AB123456C"),
    ("DOB", "She was born on 14/02/1989 in Leeds.", "14/02/1989"),
    ("DOB", "Date of birth: March 3, 1975", "March 3, 1975"),
    ("DOB", "DOB 1961-04-12, blood group A.", "1961-04-12"),
    ("AGE", "My father is 84 years old and lives alone.", "84"),
    ("AGE", "A 32-year-old man was hurt.", "32"),
    ("AGE", "I turned 41 last week.", "41"),
    ("AGE", "Patient aged 67, admitted Monday.", "67"),
    ("POSTCODE", "Zip code: 94103", "94103"),
    ("POSTCODE", "Deliver to SW1A 1AA before noon.", "SW1A 1AA"),
    ("POSTCODE", "Postal code K1A 0B1, Canada.", "K1A 0B1"),
    ("PHONE", "Reach me at +49 30 901820 or by mail.", "+49 30 901820"),
    ("PHONE", "Office: 020 7946 0958 ext. 214", "020 7946 0958 ext. 214"),
    ("PHONE", "Call +33 1 42 68 53 00 tomorrow.", "+33 1 42 68 53 00"),
    ("PHONE", "Can someone call me on 31234? I have a question.", "31234"),  # small plans (Falklands: 5 digits)
    ("PHONE", "Our hotline 1660-01-01234 is free.", "1660-01-01234"),  # a Korean number, no date
    ("CARD", "What is the limit on my card 501864667909?", "501864667909"),
    ("PERSON", "Svenja and Torben will draft the reply.", "Svenja"),
    ("PERSON", "The lease was signed by Kateryna Bondarenko last week.", "Kateryna Bondarenko"),
    ("ORG", "I work for Hartwell Logistics GmbH in the accounts team.", "Hartwell Logistics GmbH"),
    ("CITY", "I'm moving from Leeds to Tampere next month.", "Tampere"),
    ("ADDRESS", "Send it to Kiannonkatu 98, 80896 Oulu please.", "Kiannonkatu 98"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "text", "value"), NEW_FOUND)
def test_new_detectors(kind: str, text: str, value: str) -> None:
    r = pseudonymize(text)
    assert value not in r.text, r.mapping
    assert any(p.startswith(f"[{kind}_") and value in v for p, v in r.mapping.items()), r.mapping
    assert restore(r.text, r.mapping) == text


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2024-0042 dated 15/04/2024, total 1,250.00, due in 30 days.",  # a date that is no DOB
        "The meeting is at 10:30 on 2024-05-01 in room 4B.",
        "Merchant ID 99812 and terminal 4471 are offline.",
        "We sold 45 units; 12 years of experience; version 3.11.2.",
        "Order 1029384756 shipped; tracking 0044 5532 0130.",
        "Chrome 123.0.6312.86 crashes on Windows 11.",
        "Logged at 2000-04-16 11:34:35 by the batch job.",  # a time stamp (found after the held-out run)
        "Please call a taxi to 90696 Fagotstraat 55.",  # a short number after "call" that is a house number
        "I called 3 times in 2024 and twice in 12500 ms.",
    ],
)
def test_new_detectors_leave_ordinary_numbers_alone(text: str) -> None:
    r = pseudonymize(text, frozenset({"ID", "DOB", "AGE", "POSTCODE", "PHONE", "CARD"}))
    assert r.mapping == {}, r.mapping


def test_user_redactions_are_restored_with_the_automatic_ones() -> None:
    text = "Ask Priya Natarajan about the falcon budget, she is 34 years old."
    r = pseudonymize(text)
    start = r.text.index("falcon budget")
    more = redact_more(r, start, start + len("falcon budget"))
    answer = {"who": next(p for p in more.mapping if p.startswith("[PERSON_")), "what": "[REDACTED_1]"}
    assert restore_value(answer, more.mapping) == {"who": "Priya Natarajan", "what": "falcon budget"}
    assert restore(more.text, more.mapping) == text


# --- the tagger -------------------------------------------------------------------------------------


def test_tagger_decodes_exactly_as_crfsuite() -> None:
    """The exported weights + our Viterbi give the same labels as crfsuite's own tagger."""
    pycrfsuite = pytest.importorskip("pycrfsuite")
    import sys
    import tempfile

    from inference.redact_tagger import Tagger, load_model, token_attributes, tokens

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from redact_synth import corpus

    from inference.redact_learn import bio, export

    data = list(corpus(120, seed=3))
    trainer = pycrfsuite.Trainer(verbose=False)
    for text, spans in data:
        words, labels = bio(text, spans)
        trainer.append(token_attributes(words), labels)
    trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": 30, "feature.possible_transitions": True})
    with tempfile.TemporaryDirectory() as tmp:
        trainer.train(f"{tmp}/m.crfsuite")
        reference = pycrfsuite.Tagger()
        reference.open(f"{tmp}/m.crfsuite")
        export(reference.info(), Path(tmp) / "m.json.gz")
        ours = Tagger(load_model(Path(tmp) / "m.json.gz"))
        for text, _ in data[:60]:
            words = [text[a:b] for a, b in tokens(text)]
            assert ours.tag(words) == reference.tag(token_attributes(words)), text


def test_damaged_model_refuses_to_run(tmp_path: Path) -> None:
    from inference.redact_tagger import load_model

    bad = tmp_path / "tagger.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(RedactionUnavailable, match="damaged"):
        load_model(bad)


def test_links_handles_and_hashtags_are_never_part_of_a_name() -> None:
    """Social posts: the WNUT-17 dev tweets showed "RT @handle" taken for a person's name."""
    from inference.redact_tagger import find_entities

    texts = [
        "RT @news_desk: Maria Lopez joins the board https://t.co/Xy3KqPw #BoardNews",
        "RT @cIits: Being tired is the worst",
        "RT @TheVidSpot: This invention is a treadmill rock climbing wall https://t.co/rduhyjvMGq",
    ]
    for text in texts:
        for found in find_entities(text):
            value = text[found.start : found.end]
            assert not any(mark in value for mark in ("@", "#", "http", "t.co")), (text, value)
    r = pseudonymize("Write to maria.lopez@mail.example.com or call Maria Lopez.")
    assert "maria.lopez@mail.example.com" not in r.text and "Maria Lopez" not in r.text, r.text  # e-mails stay
