"""Figures said in words people use ("right 9 times in 10"), with the technical numbers kept one click away.

Pure functions of the classifier's cross-validated report (no widgets), so the wording is easy to check.
"""

from __future__ import annotations

from app.task_types import TrainReport


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def points(ece: float) -> str:
    """Calibration error as percentage points: 0.038 → "4 points"."""
    n = round(ece * 100)
    return "under 1 point" if n < 1 else f"{n} point{'' if n == 1 else 's'}"


def headline(report: TrainReport) -> str:
    return f"Right {percent(report.cv_accuracy)} of the time"


def explanation(report: TrainReport) -> str:
    """Two sentences: how often it is right, and whether its confidence can be trusted."""
    return (f"Measured on examples it was not trained on ({report.folds} rounds over your {report.examples} "
            f"examples). How often it's right when it says it's sure: its confidence is off by "
            f"{points(report.cv_ece)} on average, so a 90% answer is right about 90% of the time.")


def numbers(report: TrainReport) -> str:
    """The figures behind the words, for people who want them."""
    auroc = "—" if report.cv_auroc is None else f"{report.cv_auroc:.2f}"
    return (f"Cross-validated accuracy {report.cv_accuracy:.3f} ({report.folds} folds, {report.examples} examples). "
            f"Expected calibration error (ECE) {report.cv_ece:.3f}; before calibration "
            f"{report.cv_ece_uncalibrated:.3f}. AUROC {auroc} (how well confidence separates right from wrong "
            f"answers: 1 perfectly, 0.5 no better than chance). Temperature {report.temperature:.2f}, "
            f"regularization C {report.c:g}; fitted in {report.seconds:.1f} s.")
