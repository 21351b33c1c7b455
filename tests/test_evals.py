"""The eval harness: eval-set validation, per-task scoring, the report files, and the frontier side (run or
judge) only with consent, audited — the real starter model, the real anthropic SDK against a fake server."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from app.assistant import Assistant
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.eval_report import report_to_json, write_report
from app.eval_scoring import EvalReport, ItemResult
from app.eval_sets import EvalSetInvalid
from app.evals import (
    JUDGE_RUBRIC,
    build_report,
    frontier_consent,
    judge_report,
    judge_requests,
    load_eval_set,
    run_frontier,
    run_judge,
    run_local,
)
from app.label_calibration import NO_OTHER_EVIDENCE
from app.secrets import set_api_key
from inference.engine import LocalEngine
from inference.metrics import ALL_FIELDS
from inference.providers.anthropic import AnthropicProvider
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401
from tests.test_cli_tasks import every_connection  # noqa: F401

CLASSIFY = {
    "name": "tiny", "task": "classify", "labels": ["positive", "negative"],
    "items": [
        {"text": "I love it, wonderful service!", "expected": "positive"},
        {"text": "Awful, it broke on day one.", "expected": "negative"},
        {"text": "Great, thanks so much!", "expected": "positive"},
    ],
}
SCHEMA = {"type": "object", "properties": {"date": {"type": ["string", "null"]},
                                           "amount": {"type": ["string", "null"]},
                                           "name": {"type": ["string", "null"]}}}
EXTRACT = {
    "name": "slots", "task": "extract", "schema": SCHEMA,
    "items": [
        {"text": "Send 50 dollars to Maria on Friday.", "expected": {"date": "Friday", "amount": "50 dollars",
                                                                    "name": "Maria"}},
        {"text": "Please close my savings account.", "expected": {"date": None, "amount": None, "name": None}},
    ],
}
SUMMARIES = {
    "name": "notes", "task": "summarize", "max_words": 12,
    "items": [
        {"text": "The board met on Tuesday and approved the new budget of 2 million euros for the library. "
                 "Building work starts in March and should end before the summer.",
         "references": ["The board approved a 2 million euro library budget; work starts in March.",
                        "Library budget approved, building from March."]},
        {"text": "Heavy rain flooded the main road into town on Sunday night. The police closed it and asked "
                 "drivers to use the northern bypass until the water goes down.",
         "references": ["Flooding closed the main road; drivers should use the northern bypass."]},
    ],
}


SUPPORT = json.loads((Path(__file__).resolve().parents[1] / "resources" / "eval" / "support-intent.json").read_text())


def support_set(tmp_path: Path, start: int, stop: int, name: str = "support.json") -> Path:
    """A slice of the shipped support-intent set (five labels with descriptions)."""
    return write(tmp_path, {**SUPPORT, "items": SUPPORT["items"][start:stop]}, name)


def write(tmp_path: Path, doc: Any, name: str = "set.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


@pytest.fixture
def assistant(engine: LocalEngine) -> Iterator[Assistant]:
    a = Assistant(host=EngineHost(engine=engine),
                  provider_factory=lambda tier, key: AnthropicProvider(key, timeout=2.0, max_retries=0))
    yield a
    a.close()


# -- validation: every problem before anything runs ------------------------------------------------


@pytest.mark.parametrize(("doc", "problem"), [
    ({**CLASSIFY, "labels": "positive,negative"}, r"labels: must be a list of strings .* not a string"),
    ({**CLASSIFY, "items": [{"text": "meh", "expected": "neutral"}]},
     r"items\[0\]\.expected: \"neutral\" is not one of the labels \(positive, negative\)"),
    ({**CLASSIFY, "items": ["just a string", {"text": "", "expected": "positive"}]},
     r"items\[0\]: must be an object.*\n.*items\[1\]\.text: must be a non-empty string"),
    ({**EXTRACT, "schema": {"type": "object", "properties": {"date": {"type": "strin"}}}},
     r"schema/properties/date/type: not valid JSON Schema"),
    ({**EXTRACT, "items": [{"text": "x", "expected": "Friday"}]}, r"items\[0\]\.expected: must be an object"),
    ({**EXTRACT, "compare": ["total"]}, r"compare: 'total' not among the schema's properties"),
    ({**SUMMARIES, "items": [{"text": "Some text."}]}, r"items\[0\]\.references: must be a list"),
    ({**SUMMARIES, "max_words": "ten"}, r"max_words: must be a whole number"),
    ({"task": "translate", "items": []}, r"task: must be .*\n.*items: the list is empty"),
    ("[1, 2", r"not valid JSON"),
])
def test_a_malformed_eval_set_is_one_clear_error(tmp_path: Path, doc: Any, problem: str) -> None:
    with pytest.raises(EvalSetInvalid, match=problem) as caught:
        load_eval_set(write(tmp_path, doc))
    assert caught.value.hint and "README" in caught.value.hint


def test_cli_refuses_a_bad_set_before_loading_any_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INHOUSE_MODEL", str(tmp_path / "no-such-model.gguf"))  # loading it would fail differently
    bad = {**CLASSIFY, "labels": "positive,negative",
           "items": [*CLASSIFY["items"], {"text": "so-so", "expected": "neutral"}]}
    code = main(["eval", str(write(tmp_path, bad))])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "labels: must be a list" in err and "Traceback" not in err and "accuracy" not in err


@pytest.mark.parametrize("flags", [["--limit", "0"], ["--target", "90"], ["--judge"]])
def test_cli_refuses_bad_flags_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    code = main(["eval", str(write(tmp_path, CLASSIFY)), *flags])  # --judge: only summaries are judged
    _, err = capsys.readouterr()
    assert code == 1 and err.startswith("inhouse: ") and "Traceback" not in err


def test_every_shipped_eval_set_loads() -> None:
    shipped = sorted(Path(__file__).resolve().parent.parent.joinpath("resources", "eval").glob("*.json"))
    assert {p.stem for p in shipped} >= {"sentiment", "support-intent", "invoices", "banking-slots", "scitldr"}
    for path in shipped:
        evalset = load_eval_set(path)
        assert evalset.items and evalset.source


# -- scoring ---------------------------------------------------------------------------------------


def test_extraction_figures_match_a_hand_count(tmp_path: Path) -> None:
    evalset = load_eval_set(write(tmp_path, {**EXTRACT, "items": [
        *EXTRACT["items"],
        {"text": "Pay Bob 20 euros tomorrow.", "expected": {"date": "tomorrow", "amount": "20 euros", "name": "Bob"}},
    ]}))
    local = [
        ItemResult({"date": "friday", "amount": "50 dollars", "name": None}, 0.9, 1.0,
                   fields={"date": 0.9, "amount": 0.8}),  # 2 right, Maria missed
        ItemResult({"date": "today", "amount": None, "name": "Ava"}, 0.4, 1.0,
                   fields={"date": 0.3, "name": 0.2}),  # 2 hallucinated, amount null right
        ItemResult({"date": "tomorrow", "amount": "20 EUR", "name": "Bob"}, 0.7, 1.0,
                   fields={"date": 0.95, "amount": 0.6, "name": 0.85}),  # amount wrong
    ]
    report = build_report(evalset, "m", local, None, target=0.9)
    figs = {f.field: f for f in report.local.fields}
    # date: TP 2 (Friday, tomorrow), FP 1 (today where null), FN 0 -> P 2/3, R 1, hallucination 1/1
    assert (figs["date"].tp, figs["date"].fp, figs["date"].fn) == (2, 1, 0)
    assert figs["date"].hallucination_rate == 1.0 and figs["date"].f1 == pytest.approx(0.8)
    # amount: TP 1, FP 1 (20 EUR), FN 1 (20 EUR missed the truth) -> P = R = F1 = 0.5; no hallucination
    assert figs["amount"].precision == 0.5 and figs["amount"].recall == 0.5 and figs["amount"].hallucination_rate == 0
    # name: TP 1 (Bob), FP 1 (Ava), FN 1 (Maria) -> 0.5 / 0.5
    assert figs["name"].f1 == pytest.approx(0.5) and figs["name"].hallucinated == 1
    total = figs[ALL_FIELDS]
    assert (total.tp, total.fp, total.fn, total.truth_null, total.hallucinated) == (4, 3, 2, 3, 2)
    assert total.precision == pytest.approx(4 / 7) and total.recall == pytest.approx(4 / 6)
    # items: none has every field right; field accuracy 2/3, 1/3, 2/3
    assert report.local.accuracy == 0.0 and report.local.quality == pytest.approx(5 / 9)
    # per-field confidence: right values 0.9, 0.8, 0.95, 0.85; wrong 0.3, 0.2, 0.6 -> perfectly separated
    cal = report.local.field_calibration
    assert cal is not None and cal.n == 7 and cal.auroc == 1.0


def test_local_extraction_run_is_scored_per_field(assistant: Assistant, tmp_path: Path) -> None:
    evalset = load_eval_set(write(tmp_path, EXTRACT))
    local = run_local(assistant, evalset)
    assert all(r.error == "" and isinstance(r.output, dict) for r in local)
    report = build_report(evalset, "local", local, None, target=0.9)
    total = next(f for f in report.local.fields if f.field == ALL_FIELDS)
    emitted_where_null = sum(1 for k, v in local[1].output.items() if v not in (None, "") and k in SCHEMA["properties"])
    assert total.truth_null == 3 and total.hallucinated >= emitted_where_null
    assert report.local.calibration is not None and report.items[0]["field_confidence"]


def test_summaries_are_scored_with_rouge_l(assistant: Assistant, tmp_path: Path) -> None:
    from rouge_score.rouge_scorer import RougeScorer

    evalset = load_eval_set(write(tmp_path, SUMMARIES))
    local = run_local(assistant, evalset)
    report = build_report(evalset, "local", local, None, target=0.9, estimated_cost=[0.001, 0.002])
    scorer = RougeScorer(["rougeL"], use_stemmer=True)
    direct = [max(scorer.score(ref, r.output)["rougeL"].fmeasure for ref in item.expected)
              for r, item in zip(local, evalset.items, strict=True)]
    assert [row["quality"] for row in report.items] == pytest.approx(direct, abs=1e-4)
    assert report.local.quality == pytest.approx(sum(direct) / 2)
    assert [row["good"] for row in report.items] == [q > sorted(direct)[0] + (sorted(direct)[1] - sorted(direct)[0]) / 2
                                                     for q in direct]  # above the median of two
    assert report.cost_basis == "estimated" and report.thresholds[-1].cost_per_message_usd == pytest.approx(0.0015)


# -- the report files ------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if value and name in ("src", "href", "xlink:href", "action", "data", "poster"):
                self.urls.append(value)
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", value or "")

    def handle_data(self, data: str) -> None:
        self.text += data


def test_report_html_is_self_contained_with_charts(tmp_path: Path) -> None:
    evalset = load_eval_set(write(tmp_path, CLASSIFY))
    local = [ItemResult("positive", 0.9, 5.0), ItemResult("positive", 0.6, 5.0), ItemResult("positive", 0.8, 5.0)]
    frontier = ([ItemResult(x, None, 50.0, 0.001) for x in ("positive", "negative", "positive")], "claude-test")
    report = build_report(evalset, "local-model", local, frontier, target=0.9)
    json_path, html_path = write_report(report, tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert data["local"]["calibration"]["auroc"] == 1.0 and data["frontier"]["accuracy"] == 1.0
    assert data["cost_basis"] == "measured" and len(data["thresholds"]) == 21
    page = html_path.read_text()
    parser = _Links()
    parser.feed(page)
    external = [u for u in parser.urls if not u.startswith("#")]
    external += [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", page) if not u.startswith("#")]
    assert external == []
    assert "<script" not in page and "@import" not in page
    assert parser.tags.count("svg") == 3  # reliability, quality/escalated, cost per 1,000 messages
    for title in ("Reliability", "Quality and share escalated", "per 1,000 messages"):
        assert title in parser.text
    assert "Suggested threshold for classify: 0.65" in parser.text


# -- the frontier side: one consent, every request audited ------------------------------------------


def test_local_and_frontier_side_by_side(assistant: Assistant, fake_anthropic: FakeAnthropic, tmp_path: Path) -> None:
    evalset = load_eval_set(write(tmp_path, CLASSIFY))
    set_api_key("sk-ant-test-eval")
    for answer in ("positive", "negative", "positive"):
        fake_anthropic.reply_text(answer, input_tokens=50, output_tokens=1)
    local = run_local(assistant, evalset)
    gate = FixedAnswer(allow=True)
    consent = frontier_consent(assistant, evalset, gate)
    assert consent == "allow_once" and len(gate.asked) == 1  # one question for the whole set
    frontier = run_frontier(assistant, evalset, consent)
    report = build_report(evalset, "local-model", local, frontier, target=0.9)
    assert report.local.n == 3 and report.local.calibration is not None and report.local.cost_per_message_usd == 0
    assert report.frontier is not None and report.frontier.accuracy == 1.0
    assert report.frontier.cost_per_message_usd > 0 and report.cost_basis == "measured"
    assert len(fake_anthropic.message_requests) == 3
    rows = assistant.store.list_audit()  # an "about to send" row and an outcome row per message
    assert [r.kind for r in rows] == ["intent", "outcome"] * 3 and assistant.store.verify_audit().ok


def test_judge_asks_once_and_audits_every_request(
    assistant: Assistant, fake_anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    evalset = load_eval_set(write(tmp_path, SUMMARIES))
    set_api_key("sk-ant-test-eval")
    local = [ItemResult("The board approved the library budget.", 0.8, 1.0),
             ItemResult("Rain fell on Sunday.", 0.3, 1.0)]
    requests = judge_requests(evalset, local)
    gate = FixedAnswer(allow=True)
    consent = frontier_consent(assistant, evalset, gate, frontier=False, judge=requests)
    assert consent == "allow_once" and len(gate.asked) == 1
    assert "rated 1-5" in gate.asked[0].reason and "SUMMARY:" in gate.asked[0].text
    fake_anthropic.reply_text("5", input_tokens=120, output_tokens=1)
    fake_anthropic.reply_text("2", input_tokens=110, output_tokens=1)
    scores, model, cost = run_judge(assistant, requests, consent)
    assert scores == [5, 2] and cost > 0
    sent = fake_anthropic.message_requests
    assert len(sent) == 2 and all(JUDGE_RUBRIC[0][1] in r.body["system"] for r in sent)
    assert "SUMMARY:\nRain fell on Sunday." in sent[1].body["messages"][0]["content"]
    audit = assistant.store.list_audit()  # an "about to send" row and an outcome row per request
    assert [r.kind for r in audit] == ["intent", "outcome"] * 2 and assistant.store.verify_audit().ok
    judged = judge_report(evalset, local, scores, model, cost)
    assert judged.mean_score == 3.5 and judged.spearman_confidence == pytest.approx(1.0)
    report = build_report(evalset, "local", local, None, target=0.9, judge=judged)
    assert [row["judge_score"] for row in report.items] == [5, 2]


def test_declined_frontier_run_sends_nothing(
    assistant: Assistant, fake_anthropic: FakeAnthropic, tmp_path: Path, every_connection: list[tuple[str, object]],
) -> None:
    evalset = load_eval_set(write(tmp_path, CLASSIFY))
    set_api_key("sk-ant-test-eval")
    run_local(assistant, evalset)
    assert frontier_consent(assistant, evalset, FixedAnswer(allow=False)) is None
    assert fake_anthropic.requests == []
    assert every_connection == []


def test_cli_piped_output_is_only_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, CLASSIFY)
    code = main(["eval", str(path), "--limit", "2", "--report", str(tmp_path / "rep")])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.lstrip().startswith("tiny (classify, 2 items") and "Suggested threshold" in out or "No threshold" in out
    assert "\r" not in out + err  # no progress bar when piped; stderr keeps only whole-line notes
    assert err.strip().splitlines()[-1] == f"Report written to {tmp_path / 'rep' / 'report.html'}"
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["n"] == 2


# -- calibration: an eval set is never scored with a fit on its own items ----------------------------


def _figures(report: EvalReport) -> dict[str, Any]:
    data = report_to_json(report)
    return {"calibration": data["local"]["calibration"], "accuracy": data["local"]["accuracy"],
            "items": [(row["output"], row["confidence"]) for row in data["items"]]}


@pytest.mark.model
def test_an_eval_is_never_scored_with_a_calibration_fitted_on_its_own_items(
    assistant: Assistant, tmp_path: Path,
) -> None:
    evalset = load_eval_set(support_set(tmp_path, 0, 16))
    first = build_report(evalset, "local", run_local(assistant, evalset), None, target=0.9)
    kept = assistant.host.calibrations.fit_for(evalset.spec, assistant.host.model_key())
    assert kept is not None and kept.held_out.n == 16 and kept.trusted, kept.basis()  # evidence for classify
    second = build_report(evalset, "local", run_local(assistant, evalset), None, target=0.9)
    assert _figures(second) == _figures(first)  # the same set twice: the same figures
    for report in (first, second):
        assert report.label_calibration is not None and report.label_calibration.state == "uncalibrated"
        assert report.label_calibration.basis == NO_OTHER_EVIDENCE
    # evidence on other texts does calibrate it, and the report says on how many
    others = [(item["text"], item["expected"]) for item in SUPPORT["items"][16:40]]
    assistant.host.record_evidence(evalset.spec, others, "correction")
    third = build_report(evalset, "local", run_local(assistant, evalset), None, target=0.9)
    used = third.label_calibration
    assert used is not None and used.evidence == 24 and "24 other labelled examples (24 correction)" in used.basis


@pytest.mark.model
def test_the_cli_report_says_which_calibration_scored_the_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = support_set(tmp_path, 0, 12)
    assert main(["eval", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["label_calibration"] == {"state": "uncalibrated", "basis": NO_OTHER_EVIDENCE, "evidence": 0}
    assert main(["eval", str(path), "--report", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert f"Confidence: {NO_OTHER_EVIDENCE}" in out.splitlines()
    assert f"Confidence: {html.escape(NO_OTHER_EVIDENCE)}" in (tmp_path / "rep" / "report.html").read_text()


def test_no_threshold_advice_fits_the_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.evals import print_report
    from app.eval_report import render_html

    evalset = load_eval_set(write(tmp_path, SUMMARIES))
    local = [ItemResult("The board approved a 2 million euro library budget.", 0.6, 1.0),
             ItemResult("Sunday.", 0.9, 1.0)]  # the surer summary is the worse one: no threshold reaches 1.0
    report = build_report(evalset, "local", local, None, target=1.0)
    assert report.suggestion is None
    print_report(report)
    out = capsys.readouterr().out
    assert "No threshold keeps local answers" in out and "escalate everything" in out
    assert "classifiers" not in out and "extractors" not in out  # summaries are not taught by example
    assert "classifiers" not in render_html(report)
