"""The name reader on the starter model's states (inference/redact_people.py): it runs whenever text may
leave (app/sendable.py), and when it cannot run nothing leaves with less redaction than promised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.sendable import sendable_request
from inference import redact_people
from inference.errors import RedactionUnavailable
from inference.redact import Detection, detect, pseudonymize
from inference.redact_people import KINDS, PeopleReader, Weights, load_weights, spans, word_features
from inference.tasks.base import SummarizeSpec, TaskRequest
from inference.token_features import TokenStates


@pytest.fixture
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No reader loaded in this process (the module keeps one per process)."""
    monkeypatch.setattr(redact_people, "_reader", [None])
    yield


def test_nothing_is_read_until_activated(fresh_state: None) -> None:
    assert not redact_people.active()
    found = [Detection(0, 4, "PERSON")]
    assert redact_people.second_opinion("Finna go home.", found) == found


def test_a_damaged_weights_file_stops_the_escalation(fresh_state: None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "people.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip file")
    monkeypatch.setattr(redact_people, "WEIGHTS_PATH", bad)
    with pytest.raises(RedactionUnavailable, match="damaged"):
        sendable_request(TaskRequest("Call Jane Roe today.", SummarizeSpec()), redact=True)
    assert not redact_people.active()
    # A tier that does not redact never needs the reader.
    _, sent = sendable_request(TaskRequest("Call Jane Roe today.", SummarizeSpec()), redact=False)
    assert sent.text == "Call Jane Roe today."


def test_weights_of_other_states_are_refused(starter_model_path: Path) -> None:
    from inference.token_features import TokenEncoder

    encoder = TokenEncoder(starter_model_path, layers=(14, 22), n_ctx=128, gpu=False)
    try:
        wrong = Weights(np.zeros((len(KINDS), 10), np.float32), np.zeros(len(KINDS), np.float32), (14, 22), 0.5, 0.01)
        with pytest.raises(RedactionUnavailable, match="other model states"):
            PeopleReader(encoder, wrong)
    finally:
        encoder.close()


def test_runs_of_words_above_the_threshold_are_spans() -> None:
    offsets = [(0, 5), (6, 10), (11, 14), (15, 20)]
    found = list(spans(offsets, np.array([0.9, 0.6, 0.1, 0.7], np.float32), 0.5))
    assert [(d.start, d.end, d.kind) for d in found] == [(0, 10, "PERSON"), (15, 20, "PERSON")]


def test_word_features_join_a_words_tokens() -> None:
    states = TokenStates(np.array([[0, 3], [3, 5], [6, 9]], np.int32), np.eye(3, 2, dtype=np.float16))
    x = word_features([(0, 5), (6, 9)], states)
    assert x.shape == (2, 6)
    assert np.allclose(x[0, :2], [0.5, 0.5])  # the mean of the first word's two tokens
    assert np.allclose(x[1, 2:4], [0.0, 1.0])  # the state just before the second word
    assert np.allclose(x[0, 4:], [0.0, 0.0])  # the next word's first state


def test_the_shipped_reader_adds_names_and_drops_words_taken_for_names(
        starter_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_people, "_reader", [None])
    cases = {
        "U2 frontman Bono apologised for the album.": ("Bono", "PERSON"),  # no cue the word tagger knows
        "Congrats to the whole team, what a season!": None,  # the word tagger took "Congrats" for a name
        "The rebels crossed the river at dawn.": None,  # ... and "dawn"
    }
    before = {text: [(text[d.start : d.end], d.kind) for d in detect(text)] for text in cases}
    assert before["U2 frontman Bono apologised for the album."] == []
    assert before["Congrats to the whole team, what a season!"] == [("Congrats", "PERSON")]
    redact_people.activate()
    assert redact_people.active()
    weights = load_weights()
    assert weights.coef.shape[0] == len(KINDS) and 0 < weights.veto < weights.threshold < 1
    for text, expected in cases.items():
        found = [(text[d.start : d.end], d.kind) for d in detect(text)]
        assert found == ([expected] if expected else []), text
    r = pseudonymize("U2 frontman Bono apologised for the album.")
    assert r.text == "U2 frontman [PERSON_1] apologised for the album." and r.original().endswith("album.")


def test_odd_text_is_read_without_error(starter_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_people, "_reader", [None])
    redact_people.activate()
    text = "Zoë Ångström 💥 é \u200b\u202e RTL עברית العربية Nguyễn ９０３ \x00 \ud800 end"
    r = pseudonymize(text)
    assert r.original() == text
    assert pseudonymize("").text == "" and pseudonymize("   \n ").original() == "   \n "
