"""Zero-shot confidence is "calibrated" only with evidence; the policy decides what "uncalibrated" means."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.classifiers import ClassifierStore
from app.engine_host import EngineHost
from app.label_calibration import (
    MIN_EVIDENCE,
    NO_EVIDENCE,
    NO_OTHER_EVIDENCE,
    CalibrationStore,
    label_set_key,
    text_hash,
)
from app.policy import default_policy
from app.policy_schema import SPECS
from app.router import DecisionKind, RouterState, decide
from app.tiers import cloud_tier, device_tier
from inference.engine import LocalEngine
from inference.label_calibration import LabelCalibrator, fit, held_out
from inference.tasks.base import ClassifySpec, TaskRequest, TaskResult

EVAL = Path(__file__).resolve().parents[1] / "resources" / "eval" / "support-intent.json"


def test_fit_pushes_down_a_label_the_model_over_predicts() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    logits = np.eye(3)[y] * 1.0 + rng.normal(0, 0.5, (90, 3))
    logits[:, 0] += 1.5  # the "model" favours label 0 whatever the text says
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    calibrator = fit(("a", "b", "c"), probs, y)
    assert calibrator.bias[0] < calibrator.bias[1] and calibrator.bias[0] < calibrator.bias[2]
    figures = held_out(("a", "b", "c"), probs, y)
    assert figures.accuracy > figures.accuracy_before  # measured on folds the fit did not see
    assert LabelCalibrator.from_json(json.loads(json.dumps(calibrator.to_json()))) == calibrator


def test_the_label_set_key_ignores_label_order_but_not_the_prompt() -> None:
    a = ClassifySpec(labels=("x", "y"))
    assert label_set_key(a) == label_set_key(ClassifySpec(labels=("y", "x")))
    assert label_set_key(a) != label_set_key(ClassifySpec(labels=("x", "y"), descriptions=(("x", "ex"),)))


def test_evidence_is_kept_without_the_text_and_a_damaged_file_counts_as_none(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    spec = ClassifySpec(labels=("spam", "not spam"))
    store.record(spec, "m", [("Win a prize now", "spam", {"spam": 0.4, "not spam": 0.6})], "correction")
    text = store.path(spec).read_text()
    assert "Win a prize" not in text and len(store.evidence(spec)) == 1
    store.record(spec, "m", [("Win a prize now", "not spam", {"spam": 0.4, "not spam": 0.6})], "correction")
    assert [e.label for e in store.evidence(spec)] == ["not spam"]  # the newer label wins
    store.path(spec).write_text("{not json")
    assert store.fit_for(spec, "m") is None and store.evidence(spec) == []


def _evidence(n: int, seed: int) -> list[tuple[str, str, dict[str, float]]]:
    """``n`` texts whose zero-shot scores are right three times in four, surely, and wrong the fourth time,
    unsurely (a label set worth calibrating)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = ("spam", "not spam")[i % 2]
        p = (0.95, 0.85, 0.75, 0.42)[i // 2 % 4] + float(rng.uniform(-0.04, 0.04))  # the right label's score
        p_spam = p if label == "spam" else 1 - p
        rows.append((f"message {seed}-{i}", label, {"spam": p_spam, "not spam": 1 - p_spam}))
    return rows


def test_an_eval_sets_own_items_are_left_out_of_its_calibration(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    spec = ClassifySpec(labels=("spam", "not spam"))
    own, other = _evidence(20, 1), _evidence(16, 2)
    store.record(spec, "m", own + other, "eval")
    everything = store.fit_for(spec, "m")
    assert everything is not None and everything.held_out.n == 36 and everything.trusted
    without = frozenset(text_hash(t) for t, _, _ in own)
    rest = store.fit_for(spec, "m", without)
    assert rest is not None and rest.held_out.n == 16 and rest.sources == {"eval": 16}
    assert rest.calibrator != everything.calibrator
    assert rest.basis().startswith("Calibrated on 16 other labelled examples (16 eval)"), rest.basis()
    # nothing else: uncalibrated, and it says why
    alone = frozenset(text_hash(t) for t, _, _ in own + other)
    assert store.fit_for(spec, "m", alone) is None
    result = TaskResult("classify", "spam", 0.8, probabilities={"spam": 0.8, "not spam": 0.2})
    calibrated = store.calibrate(spec, "m", result, alone).calibration
    assert calibrated is not None and (calibrated.state, calibrated.basis) == ("uncalibrated", NO_OTHER_EVIDENCE)
    few = store.calibrate(spec, "m", result, frozenset(text_hash(t) for t, _, _ in own + other[:10])).calibration
    assert few is not None and few.state == "uncalibrated" and few.evidence == 6
    assert "6 labelled examples besides this set's own (12 needed)" in few.basis
    # texts the evidence does not hold change nothing
    unrelated = store.fit_for(spec, "m", frozenset({text_hash("never seen")}))
    assert unrelated is not None and unrelated.calibrator == everything.calibrator and unrelated.besides


def test_an_uncalibrated_prompt_names_the_same_labels_calibrated_another_way(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    described = ClassifySpec(labels=("spam", "not spam"), descriptions=(("spam", "unwanted advertising"),))
    store.record(described, "m", _evidence(24, 3), "eval")
    result = TaskResult("classify", "spam", 0.8, probabilities={"spam": 0.8, "not spam": 0.2})
    bare = store.calibrate(ClassifySpec(labels=("not spam", "spam")), "m", result).calibration
    assert bare is not None and bare.state == "uncalibrated"
    assert bare.basis.startswith(NO_EVIDENCE) and "calibrated when asked with descriptions" in bare.basis
    assert "--descriptions" in bare.basis
    same = store.calibrate(described, "m", result).calibration
    assert same is not None and same.state == "calibrated"
    other_model = store.calibrate(ClassifySpec(labels=("spam", "not spam")), "other", result).calibration
    assert other_model is not None and other_model.basis == NO_EVIDENCE  # evidence is per model


def _router(calibrated: bool, rule: str) -> DecisionKind:
    policy = default_policy()
    from dataclasses import replace

    policy = replace(policy, thresholds=replace(policy.thresholds, uncalibrated=rule))
    state = RouterState(0.0, 0.001, has_api_key=True, online=True)
    device, cloud = device_tier(policy), cloud_tier(policy)
    return decide("classify", 0.95, device, cloud, state, calibrated=calibrated).kind


def test_policy_decides_what_uncalibrated_means() -> None:
    assert SPECS["thresholds.uncalibrated"].default == "ask"
    assert _router(True, "ask") is DecisionKind.ACCEPT
    assert _router(False, "ask") is DecisionKind.ASK  # 0.95, but no evidence: never kept as confident
    assert _router(False, "keep") is DecisionKind.DENY
    assert _router(False, "accept") is DecisionKind.ACCEPT


@pytest.fixture
def host(engine: LocalEngine, tmp_path: Path) -> Iterator[EngineHost]:
    h = EngineHost(engine=engine, classifiers=ClassifierStore(tmp_path / "classifiers"),
                   calibrations=CalibrationStore(tmp_path / "calibration"))
    yield h
    h.close()


@pytest.mark.model
def test_a_label_set_is_uncalibrated_until_it_has_evidence(host: EngineHost) -> None:
    doc = json.loads(EVAL.read_text())
    spec = ClassifySpec(labels=tuple(doc["labels"]), descriptions=tuple(doc["descriptions"].items()))
    probe = "I lost my card on the train yesterday, please block it."
    before = host.run(TaskRequest(probe, spec))
    assert before.calibration is not None and before.calibration.state == "uncalibrated"
    assert before.to_json()["calibration"]["state"] == "uncalibrated"
    items = [(i["text"], i["expected"]) for i in doc["items"] if i["text"] != probe][:12]
    assert len(items) >= MIN_EVIDENCE
    found = host.record_evidence(spec, items, "eval")
    assert found is not None and found.held_out.n == 12 and found.trusted, found.basis()
    after = host.run(TaskRequest(probe, spec))
    assert after.calibration is not None and after.calibration.state == "calibrated"
    assert after.calibration.basis.startswith("Calibrated on 12 labelled examples (12 eval)")
    assert after.probabilities != before.probabilities
    assert after.calibration.zero_shot == before.probabilities  # kept for use as further evidence


@pytest.mark.gui
def test_the_meter_is_grey_not_green_when_uncalibrated(qtbot: object) -> None:
    from ui.meter import GOOD, UNCALIBRATED, ConfidenceMeter

    meter = ConfidenceMeter()
    qtbot.addWidget(meter)  # type: ignore[attr-defined]
    meter.resize(240, 34)
    meter.set_values(0.9, 0.7, calibrated=False)
    assert meter.grab().toImage().pixelColor(20, 9).name() == UNCALIBRATED.name()
    assert "uncalibrated" in meter.accessibleDescription()
    meter.set_values(0.9, 0.7)
    assert meter.grab().toImage().pixelColor(20, 9).name() == GOOD.name()


@pytest.mark.model
def test_the_cli_says_uncalibrated_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    argv = ["classify", "--labels", "urgent,normal,low", "--local-only", "The server room is on fire."]
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["calibration"]["state"] == "uncalibrated" and "no labelled examples" in data["calibration"]["basis"]
    assert main(argv) == 0
    assert "uncalibrated" in capsys.readouterr().out


@pytest.mark.model
def test_classify_with_the_eval_sets_descriptions_uses_the_calibration_the_eval_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    doc = json.loads(EVAL.read_text())
    path = tmp_path / "support.json"
    path.write_text(json.dumps({**doc, "items": doc["items"][:16]}))
    assert main(["eval", str(path), "--json"]) == 0
    capsys.readouterr()
    probe = doc["items"][30]["text"]
    argv = ["classify", "--labels", ",".join(doc["labels"]), "--local-only", "--json", probe]

    def calibration(*extra: str) -> dict[str, object]:
        assert main([*argv, *extra]) == 0
        found: dict[str, object] = json.loads(capsys.readouterr().out)["calibration"]
        return found

    from_file = calibration("--descriptions", str(path))  # the eval set's own file
    assert from_file["state"] == "calibrated", from_file
    assert str(from_file["basis"]).startswith("Calibrated on 16 labelled examples (16 eval)")
    assert calibration("--descriptions", json.dumps(doc["descriptions"])) == from_file  # the same, inline
    bare = calibration()  # another prompt: its scores differ, so the fit is not borrowed; it says where one is
    assert bare["state"] == "uncalibrated" and "calibrated when asked with descriptions" in str(bare["basis"])


@pytest.mark.parametrize(("value", "message"), [
    ('{"urgent": "today", "spam": "junk"}', "not in --labels: 'spam'"),
    ('{"urgent": 3}', "must be a JSON object of label -> one-line description"),
    ('{"urgent": ', "--descriptions is not valid JSON"),
    ("no-such-file.json", "no-such-file.json"),
])
def test_bad_descriptions_are_one_clear_error(value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["classify", "--labels", "urgent,normal", "--descriptions", value, "hello"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
