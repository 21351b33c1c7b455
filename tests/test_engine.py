"""The local engine with the real starter model: backend report, KV prefix reuse, label scoring, cancellation."""

from __future__ import annotations

import math

import pytest

from inference.engine import CancelToken, LocalEngine
from inference.errors import Cancelled, ContextOverflow


def test_reports_backend_and_reason(engine: LocalEngine) -> None:
    assert engine.backend.name in {"CPU", "CUDA", "Metal", "Vulkan", "ROCm"}
    assert engine.backend.reason


def test_label_scores_match_a_fresh_evaluation(engine: LocalEngine) -> None:
    """Scoring by rewinding the KV cache gives the same numbers as scoring each continuation from scratch."""
    prompt = engine.tokenize(engine.prompter.render([]) + "The weather today is")
    options = [engine.tokenize(" sunny"), engine.tokenize(" rainy and cold"), engine.tokenize(" rainy")]
    shared = engine.score_continuations(prompt, options)
    for option, score in zip(options, shared, strict=True):
        engine.forward([0])  # wipe the cache so nothing is reused
        alone = engine.score_continuations(prompt, [option])[0]
        assert alone == pytest.approx(score, abs=1e-3)
    assert all(s < 0 for s in shared)


def test_prefix_is_reused_between_calls(engine: LocalEngine) -> None:
    head = engine.tokenize("<|im_start|>system\n" + "You are a careful assistant. " * 20)
    engine._feed(head + engine.tokenize("first message"))
    reused = engine._feed(head + engine.tokenize("second message"))
    assert reused >= len(head)


def test_generation_records_token_logprobs(engine: LocalEngine) -> None:
    prompt = engine.tokenize(engine.prompter.render([]))
    gen = engine.generate(prompt, 8)
    assert 0 < len(gen.tokens) <= 8
    assert len(gen.logprobs) == len(gen.tokens)
    assert all(lp <= 0 and math.isfinite(lp) for lp in gen.logprobs)


def test_cancel_stops_generation(engine: LocalEngine) -> None:
    token = CancelToken()
    seen: list[str] = []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        engine.generate(engine.tokenize(engine.prompter.render([])), 200, cancel=token, on_token=on_token)
    assert len(seen) == 3


def test_context_overflow_is_a_typed_error(engine: LocalEngine) -> None:
    with pytest.raises(ContextOverflow, match="context holds"):
        engine.generate([1] * (engine.n_ctx + 10), 4)
