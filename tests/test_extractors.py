"""Extractor profiles with the real starter model: training, sharing, refusals, routing, corrections, CLI.

Data: ``resources/eval/nlupp-banking-sample.jsonl``, 60 messages of NLU++ banking (Casanueva et al. 2022,
CC BY 4.0; see resources/eval/README.md): 48 to train on, 12 held back (two per slot, two with none).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app import paths
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.extractor_files import Profile, profile_to_json
from app.extractor_learning import add_correction, example_from_values, extract_text, read_examples
from app.extractors import ExtractorStore
from app.outcome import Outcome
from inference.engine import LocalEngine
from inference.errors import ExtractorFileInvalid, ExtractorMissing, InputInvalid, NotEnoughExamples, SchemaUnsupported
from inference.metrics import ALL_FIELDS, field_figures
from inference.tasks import run
from inference.tasks.base import ExtractSpec, TaskRequest
from inference.token_features import TokenEncoder

FIELDS = ("date", "amount_of_money", "company_name", "person_name", "time")
SCHEMA: dict[str, Any] = {
    "title": "Banking request", "type": "object",
    "properties": {
        "date": {"type": ["string", "null"], "description": "the date or day the customer mentions"},
        "amount_of_money": {"type": ["string", "null"], "description": "an amount of money, with its currency"},
        "company_name": {"type": ["string", "null"], "description": "a company, shop or merchant"},
        "person_name": {"type": ["string", "null"], "description": "a person's name"},
        "time": {"type": ["string", "null"], "description": "a time of day"},
    },
}  # fmt: skip
ROWS = [json.loads(line) for line in (paths.RESOURCES / "eval" / "nlupp-banking-sample.jsonl").read_text().splitlines()]
TRAIN = [r for r in ROWS if r["part"] == "train"]
HELD = [r for r in ROWS if r["part"] == "held"]


@pytest.fixture(scope="module")
def encoder(starter_model_path: Path) -> Iterator[TokenEncoder]:
    enc = TokenEncoder(starter_model_path, n_ctx=256)
    yield enc
    enc.close()


@pytest.fixture(scope="module")
def trained(encoder: TokenEncoder, tmp_path_factory: pytest.TempPathFactory) -> Profile:
    """The sample's 48 training messages, trained once for the module (copied into each test's store)."""
    store = ExtractorStore(tmp_path_factory.mktemp("extractors"))
    store.create("banking", SCHEMA)
    store.add_examples("banking", [example_from_values(r["text"], r["expected"], FIELDS) for r in TRAIN])
    profile, _ = store.train("banking", encoder)
    return profile


@pytest.fixture
def store(inhouse_home: Path, trained: Profile) -> ExtractorStore:
    s = ExtractorStore.open_default()
    s.root.mkdir(parents=True, exist_ok=True)
    (s.root / "banking.json").write_text(json.dumps(profile_to_json(trained)))
    return s


def _f1(outputs: list[dict[str, Any] | None]) -> tuple[float, float]:
    table = field_figures(outputs, [r["expected"] for r in HELD], list(FIELDS))[ALL_FIELDS]
    return table.f1 or 0.0, table.hallucination_rate or 0.0


def test_training_reports_cross_validated_figures_per_field(trained: Profile) -> None:
    assert trained.trained is not None and not trained.stale
    report = trained.trained.report
    assert report.examples == 48 and report.folds == 5 and set(report.per_field) == set(FIELDS)
    assert all(report.per_field[f].values == sum(r["expected"][f] is not None for r in TRAIN) >= 8 for f in FIELDS)
    assert report.f1 is not None and 0.0 < report.f1 <= 1.0
    assert len(trained.trained.fingerprint) == 64


def test_profile_beats_zero_shot_on_held_back_messages(trained: Profile, encoder: TokenEncoder,
                                                       engine: LocalEngine) -> None:
    taught = [extract_text(trained, encoder, r["text"]) for r in HELD]
    zero = [run(engine, TaskRequest(r["text"], ExtractSpec(SCHEMA))) for r in HELD[::2]]
    taught_f1, taught_hallucinated = _f1([t.output for t in taught])
    zero_f1 = field_figures([z.output for z in zero], [r["expected"] for r in HELD[::2]], list(FIELDS))[ALL_FIELDS].f1
    assert taught_f1 > (zero_f1 or 0.0) and taught_f1 >= 0.3
    assert taught_hallucinated <= 0.1
    assert all(t.method == "trained" and t.fields is not None for t in taught)
    for result, row in zip(taught, HELD, strict=True):
        for name, evidence in (result.fields or {}).items():
            if evidence.found:
                assert evidence.span is not None
                assert row["text"][evidence.span.start : evidence.span.end] == result.output[name]


def test_export_import_round_trip_gives_the_same_answers(store: ExtractorStore, encoder: TokenEncoder,
                                                         tmp_path: Path) -> None:
    path = store.export("banking", tmp_path / "banking.inhouse-extractor.json")
    imported = store.import_file(path, name="banking-copy")
    original = store.get("banking")
    assert imported.trained is not None and original.trained is not None
    assert imported.trained.fingerprint == original.trained.fingerprint
    assert imported.examples == original.examples
    for row in HELD[:4]:
        assert extract_text(imported, encoder, row["text"]).to_json()["fields"] == \
            extract_text(original, encoder, row["text"]).to_json()["fields"]


def test_damaged_or_foreign_files_are_refused_and_nothing_is_imported(store: ExtractorStore, tmp_path: Path) -> None:
    data = json.loads(store.path("banking").read_text())
    weights = np.frombuffer(base64.b64decode(data["tagger"]["coef"]["float32"]), "<f4").copy()
    weights[0] += 1.0
    data["tagger"]["coef"]["float32"] = base64.b64encode(weights.tobytes()).decode()
    cases = {
        "tampered.json": json.dumps(data),
        "classifier.json": json.dumps({"format": "inhouse-classifier"}),
        "notjson.json": "{not json",
        "outside.json": json.dumps({**json.loads(store.path("banking").read_text()), "examples": [
            {"text": "short", "values": {"date": [0, 99]}, "source": "user"}]}),
    }
    for name, body in cases.items():
        (tmp_path / name).write_text(body)
        with pytest.raises(ExtractorFileInvalid):
            store.import_file(tmp_path / name, name="x")
    assert store.names() == ["banking"]


def test_engine_host_answers_a_matching_schema_with_the_profile(store: ExtractorStore, encoder: TokenEncoder,
                                                                engine: LocalEngine) -> None:
    host = EngineHost(engine=engine, token_encoder=encoder, extractors=store)
    described = {**SCHEMA, "properties": {k: {**v, "description": "anything"} for k, v in SCHEMA["properties"].items()}}
    result = host.run(TaskRequest(HELD[0]["text"], ExtractSpec(described)))
    assert result.method == "trained" and "extractor banking" in result.model
    with pytest.raises(ExtractorMissing):
        host.run(TaskRequest("hello", ExtractSpec(SCHEMA, extractor="nope")))
    other = {"type": "object", "properties": {"iban": {"type": ["string", "null"]}}}
    with pytest.raises(InputInvalid, match="fills the fields"):
        host.run(TaskRequest("hello", ExtractSpec(other, extractor="banking")))


def test_a_correction_becomes_an_example(store: ExtractorStore, encoder: TokenEncoder) -> None:
    text = "please send 40 pounds to maria lopez tomorrow"
    local = extract_text(store.get("banking"), encoder, text)
    outcome = Outcome(TaskRequest(text, ExtractSpec(SCHEMA)), local, local.output, "local", "accept", "")
    assert add_correction(store, outcome, "person_name", "maria lopez") == "banking"
    example = next(e for e in store.get("banking").examples if e.text == text)
    assert example.source == "correction" and example.values["person_name"] == (25, 36)
    assert store.get("banking").stale
    add_correction(store, outcome, "date", None)  # "not in the text"
    assert next(e for e in store.get("banking").examples if e.text == text).values["date"] is None
    with pytest.raises(InputInvalid, match="not written in the text"):
        add_correction(store, outcome, "company_name", "Acme")


def test_a_correction_without_a_profile_creates_one(inhouse_home: Path) -> None:
    store = ExtractorStore.open_default()
    text = "Invoice 7781 from Baltic Timber AS"
    schema = {"title": "Vendor bill", "type": "object", "properties": {"vendor": {"type": "string"}}}
    from inference.tasks.base import TaskResult

    local = TaskResult("extract", {}, 0.4)
    outcome = Outcome(TaskRequest(text, ExtractSpec(schema)), local, {}, "local", "accept", "")
    assert add_correction(store, outcome, "vendor", [18, 34]) == "vendor-bill"
    assert store.get("vendor-bill").examples[0].values == {"vendor": (18, 34)}


def test_refusals_are_clear(store: ExtractorStore, tmp_path: Path) -> None:
    with pytest.raises(SchemaUnsupported, match="choices"):
        store.create("flags", {"type": "object", "properties": {"paid": {"type": "boolean"}}})
    store.create("empty", SCHEMA)
    with pytest.raises(NotEnoughExamples):
        store.train("empty", None)  # type: ignore[arg-type]  # refused before the model is needed
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "pay 5 euros", "values": {"amount_of_money": "7 euros"}}\n')
    with pytest.raises(InputInvalid, match="line 1.*not written in the text"):
        read_examples(bad, store.get("banking"))


def test_cli_create_add_train_list_export_import_remove(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        encoder: TokenEncoder, monkeypatch: pytest.MonkeyPatch,
                                                        ) -> None:
    schema = tmp_path / "banking.json"
    schema.write_text(json.dumps(SCHEMA))
    examples = tmp_path / "examples.jsonl"
    examples.write_text("".join(json.dumps({"text": r["text"], "values": r["expected"]}) + "\n" for r in TRAIN))
    monkeypatch.setattr(EngineHost, "token_encoder", lambda self: encoder)  # the module's loaded encoder
    monkeypatch.setattr(EngineHost, "close", lambda self: None)
    assert main(["extractors", "create", "bank", "--schema", str(schema)]) == 0
    assert main(["extractors", "add-examples", "bank", str(examples)]) == 0
    assert "48 examples added" in capsys.readouterr().out
    assert main(["extractors", "train", "bank", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(report["per_field"]) == set(FIELDS) and report["examples"] == 48
    assert main(["extractors", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "bank" and listed[0]["trained"] and not listed[0]["stale"]
    out = tmp_path / "bank.json"
    assert main(["extractors", "export", "bank", str(out), "--without-examples"]) == 0
    assert main(["extractors", "import", str(out), "--name", "bank2"]) == 0
    assert "0 examples, trained" in capsys.readouterr().out
    assert main(["extractors", "remove", "bank"]) == 0
    assert [s.name for s in ExtractorStore.open_default().summaries()] == ["bank2"]


def test_assistant_routes_through_the_profile_locally(store: ExtractorStore, encoder: TokenEncoder,
                                                      engine: LocalEngine) -> None:
    from app.assistant import Assistant

    assistant = Assistant(host=EngineHost(engine=engine, token_encoder=encoder, extractors=store))
    outcome = assistant.run(TaskRequest(HELD[4]["text"], ExtractSpec(SCHEMA)), FixedAnswer(False))
    assert outcome.local.method == "trained" and outcome.remote is None  # answered on the device
