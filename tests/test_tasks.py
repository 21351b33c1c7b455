"""The three tasks with the real starter model (temperature 0, fixed seed)."""

from __future__ import annotations

import pytest

from inference.engine import LocalEngine
from inference.errors import InputInvalid
from inference.tasks import run
from inference.tasks.base import ClassifySpec, SummarizeSpec, TaskRequest

SENTIMENT = ClassifySpec(labels=("positive", "negative"))
MEMO = (
    "Hi team, quick update on the office move. The movers will arrive on Friday at 8 am, so please pack your "
    "desks by Thursday evening. Label every box with your name and floor number. The IT department will "
    "disconnect all computers on Thursday at 5 pm and reconnect them on Monday morning. The new office is on "
    "the third floor of the Riverside building. Parking passes will be handed out on Monday at reception."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I absolutely love this product, it works perfectly and made my day!", "positive"),
        ("This is terrible. It broke after one day and support never answered.", "negative"),
    ],
)
def test_classify_clear_sentiment(engine: LocalEngine, text: str, expected: str) -> None:
    result = run(engine, TaskRequest(text, SENTIMENT))
    assert result.output == expected
    assert result.probabilities is not None
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert result.confidence == pytest.approx(max(result.probabilities.values()))
    assert 0.5 < result.confidence <= 1.0
    assert result.method == "label-scoring" and result.tier == "local"
    assert result.usage.prompt_tokens > 0 and result.latency_ms > 0


def test_classify_refuses_bad_label_sets(engine: LocalEngine) -> None:
    with pytest.raises(InputInvalid, match="at least two"):
        run(engine, TaskRequest("hello", ClassifySpec(labels=("only",))))
    with pytest.raises(InputInvalid, match="duplicate"):
        run(engine, TaskRequest("hello", ClassifySpec(labels=("a", "A"))))


@pytest.mark.parametrize("text", ["", "   \n\t ", "abc\x00\x01\x02def"])
def test_unusable_input_is_refused(engine: LocalEngine, text: str) -> None:
    with pytest.raises(InputInvalid):
        run(engine, TaskRequest(text, SENTIMENT))


def test_summary_is_shorter_than_source(engine: LocalEngine) -> None:
    result = run(engine, TaskRequest(MEMO, SummarizeSpec(max_words=30)))
    assert isinstance(result.output, str) and result.output
    assert len(result.output.split()) <= 30 < len(MEMO.split())
    assert 0 < result.confidence <= 1
    assert 0 < result.signals["support_mean"] <= 1  # share of its content words found in the source


def test_long_input_is_summarized_in_chunks(engine: LocalEngine) -> None:
    long_text = "\n\n".join([MEMO] * 30)  # ~2,700 words: more than the 2,048-token test context
    result = run(engine, TaskRequest(long_text, SummarizeSpec(max_words=25)))
    assert result.signals["chunk_rounds"] >= 2
    assert len(result.output.split()) <= 25
