"""The one metrics module, against hand-computed figures (no model)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from inference.calibration import softmax
from inference.metrics import (
    ALL_FIELDS,
    auroc,
    brier,
    calibration,
    expected_calibration_error,
    field_figures,
    label_metrics,
    reliability_bins,
    rouge_l,
    same_value,
    spearman,
    suggest_threshold,
    threshold_table,
)


def test_ece_of_a_hand_computed_case() -> None:
    # two items at confidence 0.9 (one right, one wrong) and two at 0.6 (both right):
    # bin 0.9: |0.5 - 0.9| * 2/4 = 0.2; bin 0.6: |1.0 - 0.6| * 2/4 = 0.2
    assert expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True]) == pytest.approx(0.4)
    assert expected_calibration_error([0.8] * 5, [True] * 4 + [False]) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    assert label_metrics(probs, np.array([0, 1, 0, 0])).ece == pytest.approx(0.4)


def test_reliability_bins_edges_and_contents() -> None:
    bins = reliability_bins([0.0, 0.1, 0.15, 0.95, 1.0], [False, True, False, True, True], bins=10)
    assert len(bins) == 10 and bins[0].lo == 0.0 and bins[-1].hi == 1.0
    assert bins[0].count == 2 and bins[0].accuracy == pytest.approx(0.5)  # 0.0 joins the first bin; 0.1 is (0, .1]
    assert bins[1].count == 1 and bins[1].confidence == pytest.approx(0.15) and bins[1].accuracy == 0.0
    assert bins[9].count == 2 and bins[9].confidence == pytest.approx(0.975)
    assert bins[5].count == 0 and bins[5].accuracy is None and bins[5].confidence is None


def test_ece_is_small_for_calibrated_and_large_for_overconfident_predictions() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, size=(20_000, 4))
    probs = softmax(logits)
    y = np.array([rng.choice(4, p=p) for p in probs])  # labels drawn from the stated probabilities
    assert label_metrics(probs, y).ece < 0.015
    assert label_metrics(softmax(logits * 4), y).ece > 0.15


def test_auroc_and_brier() -> None:
    correct = [True, True, False, False]
    assert auroc([0.9, 0.8, 0.3, 0.2], correct) == 1.0
    assert auroc([0.1, 0.2, 0.8, 0.9], correct) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], correct) == 0.5  # ties count half
    assert auroc([0.9, 0.3, 0.5, 0.2], correct) == 0.75  # pairs: (.9>.5 .9>.2 .3<.5 .3>.2) = 3/4
    assert auroc([0.9, 0.8], [True, True]) is None  # undefined
    assert brier([1.0, 0.0], [True, False]) == 0.0
    assert brier([0.8, 0.4], [True, False]) == pytest.approx((0.04 + 0.16) / 2)
    cal = calibration([0.9, 0.3, 0.5, 0.2], correct)
    assert cal.n == 4 and cal.accuracy == 0.5 and cal.auroc == 0.75
    assert cal.to_json()["brier"] == round((0.01 + 0.49 + 0.25 + 0.04) / 4, 4)


def test_spearman_by_hand() -> None:
    # ranks x: 1 2 3 4 5, y: 2 1 4 3 5 -> d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4 / (5*24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) == pytest.approx(0.8)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None and spearman([1], [2]) is None


def test_rouge_l_matches_the_rouge_score_package_and_a_hand_count() -> None:
    from rouge_score.rouge_scorer import RougeScorer

    pred = "the cat sat on the mat"
    ref = "the cat was on the mat today"
    # LCS: the cat on the mat = 5 tokens; P = 5/6, R = 5/7
    got = rouge_l(pred, [ref])
    assert got.precision == pytest.approx(5 / 6) and got.recall == pytest.approx(5 / 7)
    assert got.fmeasure == pytest.approx(2 * (5 / 6) * (5 / 7) / (5 / 6 + 5 / 7))
    direct = RougeScorer(["rougeL"], use_stemmer=True).score(ref, pred)["rougeL"]
    assert got.fmeasure == pytest.approx(direct.fmeasure)
    # several references: the best one counts
    assert rouge_l(pred, ["a dog ran", pred]).fmeasure == pytest.approx(1.0)
    assert rouge_l("dogs running", "the dog runs").recall == pytest.approx(2 / 3)  # stemming: run, dog
    with pytest.raises(ValueError):
        rouge_l(pred, [])


def test_field_figures_by_hand() -> None:
    truths = [
        {"date": "3 March", "amount": "$50", "name": None},
        {"date": None, "amount": "20 euros", "name": None},
        {"date": None, "amount": None, "name": "Ada"},
        {"date": "today", "amount": None, "name": None},
    ]
    preds = [
        {"date": "3 march", "amount": "$50", "name": "Bob"},  # 2 right, 1 hallucinated
        {"date": "tomorrow", "amount": "20 EUR"},  # hallucinated date, wrong amount, name absent = right
        None,  # the item failed: misses Ada, nulls right
        {"date": "Today ", "amount": "", "name": None},  # right date, blank amount = not emitted
    ]
    figs = field_figures(preds, truths, ["date", "amount", "name"])
    date, amount, name, total = figs["date"], figs["amount"], figs["name"], figs[ALL_FIELDS]
    assert (date.tp, date.fp, date.fn, date.truth_null, date.hallucinated) == (2, 1, 0, 2, 1)
    assert date.precision == pytest.approx(2 / 3) and date.recall == 1.0 and date.f1 == pytest.approx(0.8)
    assert date.hallucination_rate == pytest.approx(0.5) and date.accuracy == pytest.approx(3 / 4)
    assert (amount.tp, amount.fp, amount.fn, amount.hallucinated) == (1, 1, 1, 0)
    assert amount.precision == 0.5 and amount.recall == 0.5 and amount.hallucination_rate == 0.0
    assert (name.tp, name.fp, name.fn, name.truth_null, name.hallucinated) == (0, 1, 1, 3, 1)
    assert name.f1 == 0.0 and name.hallucination_rate == pytest.approx(1 / 3)
    assert total.n == 12 and (total.tp, total.fp, total.fn) == (3, 3, 2)
    assert total.hallucination_rate == pytest.approx(2 / 7) and total.precision == 0.5
    assert total.recall == pytest.approx(3 / 5)
    none_emitted = field_figures([{}], [{"date": None}], ["date"])["date"]
    assert none_emitted.precision is None and none_emitted.recall is None and none_emitted.f1 is None
    assert none_emitted.to_json()["hallucination_rate"] == 0.0


def test_same_value_reads_numbers_and_normalises_text() -> None:
    assert same_value(1250.5, "1,250.50") and same_value("480", 480) and same_value(9.8, 9.80)
    assert same_value("Ｈello  World", "hello world")  # NFKC, case, spaces
    assert not same_value("1", 1035.18) and not same_value(True, 1)


def test_threshold_table_with_quality_and_frontier() -> None:
    confs = [0.95, 0.9, 0.6, 0.55, 0.3]
    good = [True, True, True, False, False]
    quality = [0.9, 0.8, 0.7, 0.2, 0.1]
    rows = threshold_table(confs, good, quality, frontier_good=[True] * 5, frontier_quality=[1.0] * 5,
                           frontier_cost=[0.01] * 5)
    best = suggest_threshold(rows, target=1.0)
    assert best is not None and best.threshold == pytest.approx(0.6)
    assert best.escalation_rate == pytest.approx(0.4) and best.combined_accuracy == 1.0
    assert best.kept_quality == pytest.approx(0.8) and best.combined_quality == pytest.approx((2.4 + 2.0) / 5)
    assert best.cost_per_message_usd == pytest.approx(0.004)
    local_only = threshold_table(confs, good, frontier_cost=[0.01] * 5)
    assert local_only[0].kept_quality == pytest.approx(0.6) and local_only[0].combined_accuracy is None
    assert local_only[-1].kept_accuracy is None and local_only[-1].cost_per_message_usd == pytest.approx(0.01)
    assert suggest_threshold(threshold_table([0.5], [False]), target=0.9) is None


def test_importing_the_metrics_module_loads_no_heavy_library() -> None:
    code = ("import sys, inference.metrics; heavy = [m for m in ('sklearn', 'scipy', 'rouge_score', 'nltk') "
            "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
