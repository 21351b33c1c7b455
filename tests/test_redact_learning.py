"""The user's own "Redact selection" corrections teach the redaction tagger on the device
(inference/redact_learn.py, app/redaction_learning.py, ``inhouse redact``): examples are kept in the data
folder only, a retrained tagger is used by the next redaction, ``forget`` deletes both."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths
from app.assistant import Assistant
from app.cli import main as cli_main
from app.consent import ConsentChoice, ConsentDecision, ConsentRequest
from app.engine_host import EngineHost
from app.policy import load_policy
from app.redaction_learning import RedactionLearning
from app.secrets import set_api_key
from app.tiers import Tier
from inference.engine import LocalEngine
from inference.errors import RedactionExamplesInvalid, RedactionTrainingStopped, RedactionUnavailable
from inference.providers import Provider
from inference.providers.anthropic import AnthropicProvider
from inference.redact import detect, pseudonymize
from inference.redact_learn import (
    CORPUS_PATH,
    Example,
    correction_example,
    read_corpus,
    read_examples,
    retrain,
    write_corpus,
)
from inference.redact_tagger import MODEL_PATH, active_model, use_model
from inference.tasks.base import SummarizeSpec, TaskRequest
from tests.conftest import ALWAYS_ESCALATE, write_policy
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401

FAST = {"c1": 0.02, "c2": 0.01, "max_iterations": 60, "feature.possible_transitions": True}
TAUGHT = "Please move the zephyrine budget to next quarter, Ana Lima said."
NEW_TEXT = "Is the zephyrine budget approved yet?"


@pytest.fixture(autouse=True)
def shipped_tagger_afterwards() -> Iterator[None]:
    yield
    use_model(None)  # the tagger is per process: leave the shipped one for the other tests


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 texts of the shipped training text: enough to learn from, trained in about a second."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl.gz"
    write_corpus(read_corpus()[:300], path)
    return path


def _hidden(text: str) -> list[tuple[str, str]]:
    return [(text[d.start : d.end], d.kind) for d in detect(text)]


def test_the_shipped_corpus_trains_the_shipped_tagger() -> None:
    """The training text the app retrains on is the one the shipped tagger was trained on."""
    corpus = read_corpus()
    assert len(corpus) > 10_000
    kinds = {kind for ex in corpus for _, _, kind in ex.spans}
    assert kinds == {"PERSON", "ORG", "ADDRESS", "CITY"}
    assert CORPUS_PATH.parent == MODEL_PATH.parent


def test_a_correction_is_an_example_with_the_automatic_kinds_around_it() -> None:
    ex = correction_example(TAUGHT, ["zephyrine budget"])
    assert ex is not None
    labelled = {(TAUGHT[a:b], kind) for a, b, kind in ex.spans}
    assert ("zephyrine budget", "REDACTED") in labelled
    assert ("Ana Lima", "PERSON") in labelled  # found automatically: taught as a name, not as a word
    assert correction_example(TAUGHT, ["not in the text"]) is None
    assert correction_example("the budgetary plan", ["budget"]) is None  # whole words only


def test_retrained_tagger_hides_what_the_user_hid_before(small_corpus: Path, tmp_path: Path) -> None:
    assert "zephyrine" not in " ".join(value for value, _ in _hidden(NEW_TEXT))  # not personal data by itself
    ex = correction_example(TAUGHT, ["zephyrine budget"])
    assert ex is not None
    out = tmp_path / "tagger.json.gz"
    stats = retrain([ex], out, corpus=small_corpus, params=FAST)
    assert stats == stats | {"examples": 1, "texts": 310}  # 300 + the example 5 times + 5 transplants
    use_model(out)
    assert active_model() == out
    r = pseudonymize(NEW_TEXT)
    assert "zephyrine" not in r.text and "[REDACTED_1]" in r.text
    assert r.original() == NEW_TEXT
    use_model(None)
    assert "zephyrine" not in " ".join(value for value, _ in _hidden(NEW_TEXT))


def test_damaged_examples_are_an_error_not_half_read(tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    path.write_text(Example("a b", ((0, 1, "REDACTED"),)).to_json() + "\n{not json\n", encoding="utf-8")
    with pytest.raises(RedactionExamplesInvalid, match="Line 2") as err:
        read_examples(path)
    assert "inhouse redact forget" in err.value.hint
    path.write_text(json.dumps({"text": "ab", "spans": [[0, 9, "PERSON"]]}) + "\n", encoding="utf-8")
    with pytest.raises(RedactionExamplesInvalid, match="outside"):
        read_examples(path)
    assert read_examples(tmp_path / "missing.jsonl") == []


def test_learning_on_the_device_end_to_end(small_corpus: Path, tmp_path: Path) -> None:
    learning = RedactionLearning(tmp_path / "data", corpus=small_corpus, params=FAST)
    assert not learning.due() and not learning.retrained()
    assert learning.record(TAUGHT, ["zephyrine budget"])
    assert learning.examples_path.exists() and learning.due()
    assert stat.S_IMODE(learning.examples_path.stat().st_mode) == 0o600  # personal data: the owner's only
    learning.retrain()
    assert learning.retrained() and not learning.due()
    assert "[REDACTED_1]" in pseudonymize(NEW_TEXT).text  # used by the next redaction
    assert learning.forget() == 1
    assert not learning.examples_path.exists() and not learning.model_path.exists()
    assert active_model() == MODEL_PATH


def test_a_damaged_retrained_tagger_stops_redaction_with_a_clear_error(tmp_path: Path) -> None:
    learning = RedactionLearning(tmp_path)
    learning.model_path.write_bytes(b"not a model")
    with pytest.raises(RedactionUnavailable, match="retrained redaction model is damaged") as err:
        learning.ensure_active()
    assert "inhouse redact forget" in err.value.hint
    assert active_model() == MODEL_PATH  # the shipped tagger stays in use


def _fast_provider(tier: Tier, key: str) -> Provider:
    return AnthropicProvider(key, timeout=1.0)


def test_the_consent_dialogs_redactions_become_examples(
    engine: LocalEngine, inhouse_home: Path, fake_anthropic: FakeAnthropic
) -> None:
    write_policy(paths.current().user_policy, ALWAYS_ESCALATE)
    set_api_key("sk-ant-test-SECRET-0123456789abcdef")
    fake_anthropic.reply_text("Noted.")

    class HidingGate:
        def ask(self, request: ConsentRequest) -> ConsentDecision:
            edited = request.text.replace("zephyrine budget", "[REDACTED_1]")
            return ConsentDecision(ConsentChoice.ALLOW_ONCE, edited_text=edited,
                                   added_mapping={"[REDACTED_1]": "zephyrine budget"})

    a = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=_fast_provider)
    try:
        a.run(TaskRequest(TAUGHT, SummarizeSpec(max_words=20)), HidingGate())
        examples = a.redaction_learning.examples()
    finally:
        a.close()
    assert len(examples) == 1 and examples[0].text == TAUGHT  # the user's text, kept on the device
    assert "zephyrine" not in str(fake_anthropic.message_requests[0].body)
    assert a.redaction_learning.due()
    assert a.redaction_learning.examples_path.parent == paths.current().data_dir


def test_cli_status_and_forget(inhouse_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    learning = RedactionLearning(paths.current().data_dir)
    assert learning.record(TAUGHT, ["zephyrine budget"])
    assert cli_main(["redact", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["examples"] == 1 and status["retrained"] is False and status["retrain_due"] is True
    assert cli_main(["redact", "forget"]) == 0
    assert "Deleted 1 example" in capsys.readouterr().out
    assert not learning.examples_path.exists()
    assert cli_main(["redact", "train"]) == 0  # nothing to learn: says so, trains nothing
    assert "No examples yet" in capsys.readouterr().out


def test_a_retraining_stops_when_asked_and_keeps_the_tagger_in_use(small_corpus: Path, tmp_path: Path) -> None:
    """The window closing stops a background retraining at its next step; nothing is written."""
    learning = RedactionLearning(tmp_path, corpus=small_corpus, params=FAST)
    assert learning.record(TAUGHT, ["zephyrine budget"])
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(RedactionTrainingStopped) as err:
        learning.retrain(stop=stop)
    assert "trains again" in err.value.hint
    assert not learning.model_path.exists() and learning.due()
    assert active_model() == MODEL_PATH
