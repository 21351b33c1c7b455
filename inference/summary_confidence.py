"""One confidence for a summary, from the signals of ``inference.summary_signals``.

    confidence = sigmoid(w · standardized(features) + b)
                 × FACT_PENALTY ** (unsupported facts) × FACT_PENALTY ** extract_share

The logistic part was fitted (``bench/bench_summary.py --fit``) on summaries the starter model wrote
for the training part of a fixed-seed split of SciTLDR abstracts, with "ROUGE-L against the human TLDR
above the training median" as the target; the coefficients, the data, split and held-out figures are in
``resources/summary_confidence.json``. It reads: the probability that this summary is better than a
typical one. The fact penalty is a rule, not a fit: a number or a name the source does not contain is
an invented fact, and each one cuts the confidence to 30% of what it was (below any threshold a user
would keep an answer at), whatever the other signals say.

The copy penalty is a rule too: a summary that is mostly one verbatim stretch of the source (its longest
copied fragment is more than half of its words) is an extract, not a summary; a copy of the source's
first sentence is exactly what a summarizer must do better than. ``extract_share`` rises from 0 (longest
copied fragment at most half the summary) to 1 (the summary is one copied stretch), so a verbatim copy is
penalised like one invented fact. The fitted part could not learn this: ROUGE-L against references that
reuse the source's phrases rewards copies, and so do the model's token probabilities (a copy is easy to
predict given the source); those two log-probability features are left out of the fit for that reason,
only the pointwise mutual information (how much the source explains the summary) is kept.

``score_summary(engine, source, summary, spec)`` scores any summary of any source (the eval harness and
the tests use it); ``summarize`` uses it for its own answers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference.summary_signals import model_signals, text_signals

if TYPE_CHECKING:
    from inference.engine import CancelToken, LocalEngine
    from inference.tasks.base import SummarizeSpec

MODEL_FILE = Path(__file__).resolve().parent.parent / "resources" / "summary_confidence.json"
FACT_PENALTY = 0.3
EXTRACT_START = 0.5  # a longest copied fragment above half the summary starts the copy penalty


def derived(signals: dict[str, float]) -> dict[str, float]:
    """Features that are functions of the raw signals (scale-free forms)."""
    return {**signals, "log_compression": math.log(max(signals["compression"], 1e-3)),
            "log_words": math.log(1 + signals["words"])}


@dataclass(frozen=True)
class SummaryModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    about: dict[str, Any]

    def probability(self, signals: dict[str, float]) -> float:
        values = derived(signals)
        z = self.intercept + sum(
            c * (values[f] - m) / s for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "intercept": self.intercept, "about": self.about}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SummaryModel:
        n = len(data["features"])
        if not (len(data["mean"]) == len(data["scale"]) == len(data["coef"]) == n):
            raise ValueError("summary confidence model: one mean, scale and coefficient per feature")
        return cls(tuple(data["features"]), tuple(float(x) for x in data["mean"]),
                   tuple(float(x) or 1.0 for x in data["scale"]), tuple(float(x) for x in data["coef"]),
                   float(data["intercept"]), dict(data.get("about", {})))


@cache
def load_model(path: Path = MODEL_FILE) -> SummaryModel:
    return SummaryModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def extract_share(signals: dict[str, float]) -> float:
    """0 when the summary's longest verbatim fragment of the source is at most half of it, 1 when the whole
    summary is one copied stretch."""
    return min(1.0, max(0.0, (signals["longest_copy"] - EXTRACT_START) / (1.0 - EXTRACT_START)))


def combine(signals: dict[str, float], model: SummaryModel | None = None) -> float:
    model = model or load_model()
    defects = signals["unsupported_facts"] + extract_share(signals)
    return float(model.probability(signals) * FACT_PENALTY**defects)


def signals_for(engine: LocalEngine, source: str, summary: str, spec: SummarizeSpec,
                max_words: int | None = None) -> dict[str, float]:
    return {**text_signals(source, summary), **model_signals(engine, source, summary, spec, max_words)}


def score_summary(engine: LocalEngine, source: str, summary: str, spec: SummarizeSpec,
                  max_words: int | None = None, cancel: CancelToken | None = None) -> tuple[float, dict[str, float]]:
    """(confidence, signals) for ``summary`` of ``source``, asked for as ``spec``."""
    if cancel:
        cancel.check()
    signals = signals_for(engine, source, summary, spec, max_words)
    return combine(signals), signals
