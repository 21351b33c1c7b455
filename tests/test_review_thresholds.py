"""Threshold review, the aggregate export's labels, combining exports and applying a threshold: on rows
written through the real store (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import paths
from app.eval_scoring import ItemResult
from app.eval_sets import EvalItem, EvalSet
from app.policy import PolicyLocked, load_policy
from app.review import ReviewData, apply_threshold, build_review, current_month, record_eval_run, review_store
from app.review_export import combine, export_aggregate, load_aggregate, write_aggregate
from app.review_report import render_text
from app.review_thresholds import review_thresholds
from app.store import Store
from app.store_usage import BinRow, UsageEvent
from inference.tasks.base import ClassifySpec
from tests.conftest import write_policy


def _event(confidence: float, *, tier: str = "device", profile: str = "", month: str = "2026-10",
           spent: float = 0.0) -> UsageEvent:
    return UsageEvent(month=month, task="classify", profile=profile, origin="run", tier=tier,
                      action="accept" if tier == "device" else "ask_consent",
                      consent="not_asked" if tier == "device" else "allow_once", priced_model="claude-haiku-4-5",
                      confidence=confidence, frontier_input_tokens=100, frontier_output_tokens=5,
                      frontier_usd=0.000125, spent_input_tokens=100 if spent else 0,
                      spent_output_tokens=5 if spent else 0, spent_usd=spent)


def _bins(spec: dict[int, tuple[int, int, int]]) -> list[BinRow]:
    return [BinRow("2026-10", "classify", "", b, a, k, c) for b, (a, k, c) in spec.items()]


def test_lowering_is_suggested_when_the_answers_just_below_were_rarely_corrected() -> None:
    # kept: 40 at 0.80, 2 corrected (5 per 100); sent off: 12 at 0.65, none corrected; 8 at 0.50, 4 corrected
    rows = _bins({80: (40, 40, 2), 65: (12, 0, 0), 50: (8, 0, 4)})
    review = review_thresholds("classify", 0.70, rows)
    assert review.suggested == pytest.approx(0.65)
    assert review.sentence == ("Lowering classify from 0.70 to 0.65 would have kept 12 more answers on the device "
                               "(20% of 60); 0 of those were later corrected.")


def test_raising_is_suggested_when_kept_answers_near_it_were_corrected_often() -> None:
    rows = _bins({72: (10, 10, 5), 90: (50, 50, 1), 40: (3, 0, 0)})
    review = review_thresholds("classify", 0.70, rows)
    assert review.suggested == pytest.approx(0.73)  # just above the corrected answers, not further
    assert review.sentence.startswith("Raising classify from 0.70 to ")
    assert "would have sent 10 more answers off the device" in review.sentence and "5 of those were" in review.sentence


def test_few_answers_keep_the_threshold_and_say_why() -> None:
    review = review_thresholds("classify", 0.70, _bins({80: (5, 5, 0), 60: (2, 0, 0)}))
    assert review.suggested is None and review.sentence.startswith("Keep classify at 0.70: 2 answers fell just below")
    assert review_thresholds("extract", 0.8, []).sentence == "No extract answers this month: nothing to review."


def test_export_names_profiles_only_when_labels_are_allowed(inhouse_home: Path, tmp_path: Path) -> None:
    with Store.open_default() as store:
        store.record_usage(_event(0.9, profile="hr-complaints"))
        store.record_usage(_event(0.3, tier="cloud", profile="hr-complaints", spent=0.000125))
        data = ReviewData.from_store(store)
    hidden = export_aggregate(data, {"classify": 0.7}, allow_labels=False)
    assert "hr-complaints" not in str(hidden) and {r["profile"] for r in hidden["usage"]} == {"profile 1"}
    shown = export_aggregate(data, {"classify": 0.7}, allow_labels=True)
    assert {r["profile"] for r in shown["usage"]} == {"hr-complaints"}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_aggregate(a, hidden)
    write_aggregate(b, hidden)
    month, rows = combine([load_aggregate(a), load_aggregate(b)])
    assert month == "2026-10" and [r.source for r in rows] == ["a.json", "b.json", "all"]
    total = rows[-1].figures
    assert (total.volume, total.escalated) == (4, 2) and total.spent_usd == pytest.approx(0.00025)


def test_apply_writes_the_user_file_unless_the_admin_locked_it(inhouse_home: Path, tmp_path: Path) -> None:
    apply_threshold(load_policy(), "classify", 0.62)
    assert load_policy().policy.thresholds.classify == pytest.approx(0.62)
    write_policy(paths.admin_policy_path(), "[thresholds]\nclassify = 0.75\n")
    effective = load_policy()
    with pytest.raises(PolicyLocked):
        apply_threshold(effective, "classify", 0.6)
    with Store.open_default() as store:
        store.record_usage(_event(0.9, month="2026-11"))
        review = review_store(store, effective, "2026-11")
    assert [t.locked for t in review.thresholds if t.task == "classify"] == [True]


def test_corrections_count_in_the_answers_bin(inhouse_home: Path) -> None:
    with Store.open_default() as store:
        for confidence in (0.91, 0.55, 0.55):
            store.record_usage(_event(confidence))
        store.record_usage_correction("2026-10", "classify", "", 0.55)
        review = build_review(ReviewData.from_store(store), "2026-10", {"classify": 0.7})
    assert review.total.corrections == 1 and review.total.corrections_per_100 == pytest.approx(100 / 3)
    assert review.histograms["classify"][55] == 2 and review.histograms["classify"][91] == 1


def test_an_eval_run_gives_the_accuracy_at_the_current_threshold(inhouse_home: Path) -> None:
    spec = ClassifySpec(labels=("spam", "ham"), classifier="mail")
    items = tuple(EvalItem(f"message {i}", label) for i, label in enumerate(("spam", "ham", "spam", "ham")))
    evalset = EvalSet("mail", spec, items)
    local = [ItemResult("spam", 0.9, 1.0), ItemResult("spam", 0.8, 1.0), ItemResult("spam", 0.75, 1.0),
             ItemResult("spam", 0.3, 1.0)]  # kept at 0.7: right, wrong, right -> 2/3
    with Store.open_default() as store:
        record_eval_run(store, evalset, local, 0.7)
        store.record_usage(_event(0.9, profile="mail", month=current_month()))
        review = review_store(store, load_policy())
    (group,) = [g for g in review.profiles if g.profile == "mail"]
    assert group.eval_items == 4 and group.eval_accuracy == pytest.approx(2 / 3)
    assert "Eval (classify / mail, 4 items): accuracy 67% at the threshold." in render_text(review)
