"""Classifier profiles with the real starter model: training, calibration, sharing, refusals, CLI, learning.

Data: four intents of the BANKING77 subset in resources/eval (CC BY 4.0, see its README): 12 examples
per label to train on, 12 other messages per label held back. About 100 short texts are embedded in all
(the module's embedder caches vectors by text, so tests that reuse texts cost no model time).
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from app import paths
from app.assistant import Assistant
from app.classifier_files import Example, Profile, TrainedHead, profile_to_json
from app.classifier_learning import escalation_rate, read_examples
from app.classifiers import ClassifierStore, suggest_for_labelling
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.policy import load_policy
from app.secrets import set_api_key
from app.store import Store
from inference.classifier_head import Head, LabelFigures, TrainReport
from inference.embedding import Embedder, EmbeddingCache, EmbeddingModel
from inference.engine import LocalEngine
from inference.errors import (
    ClassifierFileInvalid,
    ClassifierMissing,
    ClassifierNotTrained,
    InputInvalid,
    NotEnoughExamples,
    ProfileExists,
)
from inference.metrics import label_metrics
from inference.providers import Provider
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, TaskRequest
from inference.tasks.classify import classify
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401

EVAL = paths.RESOURCES / "eval"
LABELS = ("automatic_top_up", "exchange_rate", "get_disposable_virtual_card", "passcode_forgotten")
N_TRAIN = N_HELD = 12
ECE_BOUND = 0.1  # 48 held-back items: sampling noise alone can put a calibrated model near 0.05


def _rows(name: str, n: int) -> list[tuple[str, str]]:
    with (EVAL / name).open(encoding="utf-8", newline="") as f:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(f)]
    return [row for label in LABELS for row in [r for r in rows if r[1] == label][:n]]


TRAIN = _rows("banking77_train.csv", N_TRAIN)
HELD = _rows("banking77_test.csv", N_HELD)


@pytest.fixture(scope="module")
def embedder(starter_model_path: Path) -> Iterator[Embedder]:
    emb = Embedder(starter_model_path, n_ctx=128)
    yield emb
    emb.close()


@pytest.fixture
def store(inhouse_home: Path) -> ClassifierStore:
    return ClassifierStore.open_default()


def trained_store(store: ClassifierStore, embedder: Embedder, name: str = "banking") -> ClassifierStore:
    store.create(name, LABELS)
    store.add_examples(name, TRAIN)
    store.train(name, embedder)
    return store


def test_trained_head_beats_zero_shot_and_is_calibrated_on_held_back_items(
    store: ClassifierStore, embedder: Embedder, engine: LocalEngine
) -> None:
    _, report = trained_store(store, embedder).train("banking", embedder)  # retraining: all cached
    assert report.examples == 48 and set(report.per_label) == set(LABELS)
    host = EngineHost(engine=engine, embedder=embedder, classifiers=store)
    spec = ClassifySpec(labels=tuple(reversed(LABELS)))  # same label set, other order: the head is used
    results = [host.run(TaskRequest(text, spec)) for text, _ in HELD]
    assert all(r.method == "trained" and r.tier == "local" for r in results)
    assert all(r.probabilities and set(r.probabilities) == set(LABELS) for r in results)
    assert all(r.confidence == pytest.approx(max(r.probabilities.values())) for r in results if r.probabilities)
    probs = np.array([[r.probabilities[label] for label in LABELS] for r in results if r.probabilities])
    truth = np.array([LABELS.index(label) for _, label in HELD])
    held = label_metrics(probs, truth)
    assert held.accuracy >= 0.75
    assert held.ece <= ECE_BOUND
    assert abs(probs.max(axis=1).mean() - held.accuracy) <= 0.1  # neither over- nor under-confident overall
    # zero-shot label scoring with the same model on a quarter of the held-back items (it is slow)
    sample = HELD[::4]
    zero = [classify(engine, text, ClassifySpec(labels=LABELS)).output == label for text, label in sample]
    trained = [r.output == label for r, (_, label) in zip(results[::4], sample, strict=True)]
    assert sum(trained) > sum(zero)


def test_other_label_sets_are_scored_zero_shot_and_named_profiles_must_be_usable(
    store: ClassifierStore, embedder: Embedder, engine: LocalEngine
) -> None:
    trained_store(store, embedder)
    host = EngineHost(engine=engine, embedder=embedder, classifiers=store)
    other = host.run(TaskRequest(HELD[0][0], ClassifySpec(labels=LABELS[:3])))
    assert other.method == "label-scoring"
    named = host.run(TaskRequest(HELD[0][0], ClassifySpec(labels=(), classifier="banking")))
    assert named.method == "trained"
    store.create("untrained", ("a", "b"))
    with pytest.raises(ClassifierMissing, match="no classifier named 'nope'"):
        host.run(TaskRequest("hello", ClassifySpec(labels=(), classifier="nope")))
    with pytest.raises(ClassifierNotTrained, match="not been trained"):
        host.run(TaskRequest("hello", ClassifySpec(labels=(), classifier="untrained")))


def test_export_then_import_on_a_fresh_home_classifies_identically(
    store: ClassifierStore, embedder: Embedder, engine: LocalEngine, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trained_store(store, embedder)
    exported = store.export("banking", tmp_path / "banking.json")
    texts = [text for text, _ in HELD[:8]]
    before = [EngineHost(engine=engine, embedder=embedder, classifiers=store).run(
        TaskRequest(t, ClassifySpec(labels=LABELS))) for t in texts]
    monkeypatch.setenv("INHOUSE_HOME", str(tmp_path / "elsewhere"))
    fresh = ClassifierStore.open_default()
    assert fresh.root != store.root and fresh.names() == []
    imported = fresh.import_file(exported)
    original = store.get("banking")
    assert imported.trained and original.trained
    assert imported.trained.fingerprint == original.trained.fingerprint
    assert imported.examples == original.examples and imported.revision == original.revision
    host = EngineHost(engine=engine, embedder=embedder, classifiers=fresh)
    after = [host.run(TaskRequest(t, ClassifySpec(labels=LABELS))) for t in texts]
    assert [a.output for a in after] == [b.output for b in before]
    for a, b in zip(after, before, strict=True):  # llama.cpp may round the last bit differently per call
        assert a.probabilities == pytest.approx(b.probabilities, rel=1e-9, abs=1e-12)
    vectors = embedder.embed(texts)
    assert np.array_equal(imported.trained.head.probabilities(vectors), original.trained.head.probabilities(vectors))
    with pytest.raises(ProfileExists, match="already exists"):  # typed: the window offers to replace it
        fresh.import_file(exported)
    bare = fresh.export("banking", tmp_path / "bare.json", include_examples=False)
    assert fresh.import_file(bare, name="bare").examples == ()


def test_a_label_with_no_examples_is_refused_with_a_clear_message(
    store: ClassifierStore, embedder: Embedder
) -> None:
    store.create("three", (*LABELS[:2], "complaint"))
    store.add_examples("three", [row for row in TRAIN if row[1] in LABELS[:2]])
    with pytest.raises(NotEnoughExamples) as err:
        store.train("three", embedder)
    assert "No examples for the label(s): complaint" in str(err.value)
    assert "add-examples" in err.value.hint
    assert store.get("three").trained is None
    with pytest.raises(InputInvalid, match="Labels not in 'three': refund"):
        store.add_examples("three", [("I want my money back", "refund")])


def _fake_trained_profile() -> Profile:
    """A small trained profile built without the model (for the file-format tests)."""
    rng = np.random.default_rng(0)
    head = Head(("a", "b"), rng.normal(size=(2, 8)).astype(np.float32), np.zeros(2, np.float32), 1.3, 1.0)
    report = TrainReport(6, 3, 1.0, 1.3, 0.8, 0.05, 0.2, 0.9, {"a": LabelFigures(3, 1.0), "b": LabelFigures(3, 0.7)})
    examples = tuple(Example(f"text {i}", "ab"[i % 2]) for i in range(6))
    trained = TrainedHead(head, EmbeddingModel("model", 100, 8), "2026-01-01T00:00:00+00:00", "x", report)
    return Profile("demo", ("a", "b"), examples, (), trained, 3, "2026-01-01", "2026-01-02")


def _corruptions(good: dict[str, object]) -> dict[str, bytes]:
    def edited(change: object) -> bytes:
        data = json.loads(json.dumps(good))
        change(data)  # type: ignore[operator]
        return json.dumps(data).encode()

    def flip_weight(d: dict) -> None:  # type: ignore[type-arg]
        raw = bytearray(base64.b64decode(d["head"]["coef"]["float32"]))
        raw[5] ^= 0x40
        d["head"]["coef"]["float32"] = base64.b64encode(bytes(raw)).decode()

    return {
        "truncated": json.dumps(good).encode()[:-40],
        "binary": bytes(range(256)) * 4,
        "pickle": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.",
        "not ours": b'{"hello": "world"}',
        "newer": edited(lambda d: d.update(format_version=99)),
        "flipped weight": edited(flip_weight),
        "bad base64": edited(lambda d: d["head"]["coef"].update(float32="@@not base64@@")),
        "wrong shape": edited(lambda d: d["head"]["coef"].update(shape=[3, 8])),
        "nan temperature": edited(lambda d: d["head"].update(temperature=-1.0)),
        "unknown label": edited(lambda d: d["examples"].append({"text": "x", "label": "zzz", "source": "user"})),
        "missing field": edited(lambda d: d.pop("labels")),
        "bad name": edited(lambda d: d.update(name="../../etc/passwd")),
    }


def test_corrupt_profile_files_are_refused_without_crashing(store: ClassifierStore, tmp_path: Path) -> None:
    good = profile_to_json(_fake_trained_profile())
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(good))
    assert store.import_file(ok).trained is not None  # the unmodified file is fine
    store.remove("demo")
    for what, raw in _corruptions(good).items():
        path = tmp_path / f"{what}.json"
        path.write_bytes(raw)
        with pytest.raises(ClassifierFileInvalid) as err:
            store.import_file(path)
        assert err.value.hint and "Nothing was imported" in err.value.hint, what
    assert store.names() == []
    # a profile damaged in place: listed with its error, skipped when matching labels, refused by name
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / "demo.json").write_bytes(_corruptions(good)["flipped weight"])
    [summary] = store.summaries()
    assert summary.name == "demo" and summary.error and "fingerprint" in summary.error
    assert store.find_for_spec(ClassifySpec(labels=("a", "b")), "model-100-mean") is None
    with pytest.raises(ClassifierFileInvalid):
        store.find_for_spec(ClassifySpec(labels=("a", "b"), classifier="demo"), "model-100-mean")


def test_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = tmp_path / "examples.csv"
    with examples.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *[r for r in TRAIN if r[1] in LABELS[1:4]][::3]])
    labels = ",".join(LABELS[1:4])
    assert main(["classifiers", "create", "cli", "--labels", labels]) == 0
    assert main(["classifiers", "add-examples", "cli", str(examples)]) == 0
    assert main(["classifiers", "train", "cli", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["examples"] == 12 and set(report["per_label"]) == set(LABELS[1:4])
    [cache_file] = (paths.current().data_dir / "classifiers" / "cache").glob("embeddings-*.npz")
    assert len(EmbeddingCache(cache_file)) == 12  # retraining will not embed these again
    assert main(["classifiers", "classify", "cli", HELD[14][0], "--local-only", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["method"] == "trained" and answer["output"] in LABELS[1:4]
    out = tmp_path / "cli.json"
    assert main(["classifiers", "export", "cli", str(out)]) == 0
    assert main(["classifiers", "import", str(out), "--name", "copy"]) == 0
    assert main(["classifiers", "import", str(out)]) == 1  # exists: a clear error, exit 1
    assert "already exists" in capsys.readouterr().err
    assert main(["classifiers", "remove", "cli"]) == 0
    capsys.readouterr()
    assert main(["classifiers", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["name"] == "copy" and listed["trained"] and listed["examples"][LABELS[1]] == 4
    assert main(["classifiers", "train", "nope"]) == 1
    assert "no classifier named 'nope'" in capsys.readouterr().err


ALWAYS_ESCALATE_AND_LEARN = """
[escalation]
mode = "ask"
[thresholds]
classify = 1.0
[learning]
keep_frontier_answers = true
"""


def _fast_provider(tier: object, key: str) -> Provider:
    return AnthropicProvider(key, timeout=1.0, max_retries=1)


def test_corrections_and_frontier_answers_become_examples(
    store: ClassifierStore, embedder: Embedder, engine: LocalEngine, fake_anthropic: FakeAnthropic,  # noqa: F811
) -> None:
    trained_store(store, embedder)
    policy_file = paths.current().user_policy
    policy_file.parent.mkdir(parents=True, exist_ok=True)
    policy_file.write_text(ALWAYS_ESCALATE_AND_LEARN)
    set_api_key("sk-ant-test-0123456789")
    host = EngineHost(engine=engine, embedder=embedder, classifiers=store)
    assistant = Assistant(host=host, policy=load_policy(), provider_factory=_fast_provider)
    try:
        text = "How do I stop the automatic top-up on my account?"
        fake_anthropic.reply_text("automatic_top_up")
        outcome = assistant.run(TaskRequest(text, ClassifySpec(labels=LABELS)), FixedAnswer(allow=True))
        assert outcome.local.method == "trained" and outcome.tier == "cloud"
        [candidate] = store.get("banking").candidates
        assert (candidate.text, candidate.label) == (text, "automatic_top_up")
        assert store.accept_candidates("banking") == 1
        assert store.get("banking").stale  # new example: retraining is due
        name = assistant.add_correction(outcome, "exchange_rate")
        assert name == "banking"
        corrected = [e for e in store.get("banking").examples if e.text == text]
        assert [(e.label, e.source) for e in corrected] == [("exchange_rate", "correction")]
        assistant.trainer.wait()  # the correction retrained the classifier in the background
        assert not store.get("banking").stale and store.get("banking").trained is not None
        with pytest.raises(InputInvalid, match="not a label"):
            assistant.add_correction(outcome, "refund")
        points = escalation_rate(assistant.store)
        assert [(p.runs, p.escalated, p.trained) for p in points] == [(1, 1, 1)]
        assert points[0].day == datetime.now(UTC).date().isoformat() and points[0].rate == 1.0
    finally:
        assistant.close()


def test_least_confident_items_are_offered_for_labelling_first(
    store: ClassifierStore, embedder: Embedder
) -> None:
    profile = trained_store(store, embedder).get("banking")
    texts = [text for text, _ in HELD[::3]] + [TRAIN[0][0]]
    suggestions = suggest_for_labelling(profile, texts, embedder)
    assert len(suggestions) == len(texts) - 1  # the one already an example is not offered
    confidences = [s.confidence for s in suggestions]
    assert confidences == sorted(confidences) and confidences[0] < confidences[-1]
    text, predicted, confidence = suggestions[0]
    assert predicted in LABELS and 0 < confidence <= 1


def test_batched_embeddings_match_one_at_a_time(embedder: Embedder) -> None:
    texts = [text for text, _ in TRAIN[:3]]
    one_by_one = np.stack([embedder._embed_now([t])[0] for t in texts])
    batched = np.stack(embedder._embed_now(texts))
    cosine = (one_by_one * batched).sum(1) / np.linalg.norm(one_by_one, axis=1) / np.linalg.norm(batched, axis=1)
    assert cosine.min() > 0.999
    assert embedder.embed(texts).shape == (3, embedder.model.dim)


def test_examples_are_read_from_csv_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('text,label\n"Hello, there",greeting\nBye,farewell\n')
    assert read_examples(tmp_path / "a.csv") == [("Hello, there", "greeting"), ("Bye", "farewell")]
    (tmp_path / "e.csv").write_text('text,label\nBye,farewell\n,empty\n')  # never skipped silently
    with pytest.raises(InputInvalid, match="line 3: an example needs both a text and a label"):
        read_examples(tmp_path / "e.csv")
    (tmp_path / "b.jsonl").write_text('{"text": "Hi", "label": "greeting"}\n\n{"text": "Yo", "label": "greeting"}\n')
    assert read_examples(tmp_path / "b.jsonl") == [("Hi", "greeting"), ("Yo", "greeting")]
    (tmp_path / "c.csv").write_text("message,category\nHi,greeting\n")
    with pytest.raises(InputInvalid, match="text,label"):
        read_examples(tmp_path / "c.csv")
    (tmp_path / "d.jsonl").write_text('{"text": "Hi"}\n')
    with pytest.raises(InputInvalid, match="line 1"):
        read_examples(tmp_path / "d.jsonl")


def test_escalation_rate_counts_per_day(inhouse_home: Path) -> None:
    with Store.open_default() as db:
        for tier, decision, method in [("local", "accept", "trained"), ("frontier", "ask_consent", "label-scoring"),
                                       ("local", "ask_consent", "label-scoring")]:
            db.add_history(task="classify", input_text="x", output="a", confidence=0.5, tier=tier, model="m",
                           method=method, latency_ms=1.0, decision=decision)
        db.add_history(task="summarize", input_text="x", output="a", confidence=0.5, tier="frontier", model="m",
                       method="m", latency_ms=1.0, decision="escalate")
        [point] = escalation_rate(db)
    assert (point.runs, point.wanted, point.escalated, point.trained) == (3, 2, 1, 1)
    assert point.rate == pytest.approx(1 / 3)
