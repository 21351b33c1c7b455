"""The review's charts, drawn with matplotlib's object API (no pyplot, no global backend): escalation rate
and saving over the months, and each task's confidence histogram against its threshold. ``svg(fig)`` for
the HTML report (inline, nothing from the network), ``png(fig)`` for the app's Review page."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from app.review import Review

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_SVG_META = {"Date": None, "Creator": None, "Format": None, "Type": None}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg(fig: Figure) -> str:
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context({"svg.hashsalt": "inhouse", "svg.fonttype": "none", "font.size": 9}):
        fig.savefig(buf, format="svg", metadata=_SVG_META)
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML declaration and no DOCTYPE (it names a URL)
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def png(fig: Figure, dpi: int = 96) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def trend_chart(review: Review) -> Figure:
    """Escalation rate (% of messages answered off the device) and saving (% of the frontier-only bill)."""
    fig = _figure(6.0, 2.8)
    ax = fig.add_subplot()
    months = [p.month for p in review.history]
    rate = [_pct(p.figures.escalation_rate) for p in review.history]
    saving = [p.figures.saving_pct for p in review.history]
    ax.plot(months, rate, marker="o", label="escalation rate (%)", color="#c0504d")
    ax.plot(months, [s if s is not None else float("nan") for s in saving], marker="s",
            label="saving vs. frontier only (%)", color="#2e7d32")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title("Escalation rate and saving by month")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.tick_params(axis="x", labelrotation=30)
    return fig


def histogram_chart(review: Review, task: str) -> Figure:
    """The month's device confidences for ``task`` (0.02 bins) with the threshold now in force."""
    fig = _figure(4.2, 2.6)
    ax = fig.add_subplot()
    counts = review.histograms.get(task, (0,) * 100)
    pairs = [counts[i] + counts[i + 1] for i in range(0, 100, 2)]
    ax.bar([i / 50 for i in range(50)], pairs, width=0.02, align="edge", color="#4f81bd")
    for t in review.thresholds:
        if t.task == task:
            ax.axvline(t.current, color="#c0504d", linestyle="--", label=f"threshold {t.current:.2f}")
            if t.suggested is not None:
                ax.axvline(t.suggested, color="#2e7d32", linestyle=":", label=f"suggested {t.suggested:.2f}")
            ax.legend(loc="upper left", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("device confidence")
    ax.set_ylabel("answers")
    ax.set_title(f"{task}: confidence, {review.month}")
    return fig


def _pct(share: float | None) -> float:
    return float("nan") if share is None else 100.0 * share
