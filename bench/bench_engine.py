"""Engine benchmarks: ratios against baselines measured in the same run, same model and settings.

- classify_vs_floor: our classify latency / one forward pass over the same prompt tokens (target <= 1.3)
- classify_speedup_vs_naive: re-evaluating prompt+label from scratch per label / ours (target >= 3)
- generate_vs_raw: our summarize tokens/s / raw Llama.create_completion tokens/s (target >= 0.95)
- loaded_vs_one_thread_quiet: our summarize tokens/s while another process keeps one core busy (a CPU hog
  this script starts and stops) / the same with one thread on the quiet machine (target >= 0.90). For
  comparison, raw llama.cpp with every core's thread under the same hog (what the engine did before #11).
- also: model load time, the thread counts chosen, peak RSS, the machine and its load average.
Caches are cleared before every timed call (cold prompt), so prefix reuse across messages does not flatter us.
``--quick`` runs fewer repeats (a smoke test). Prints a table, then one JSON line.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import cpu_hog, load_average, machine  # noqa: E402

from inference.catalog import resolve_model  # noqa: E402
from inference.engine import EngineConfig, LocalEngine, open_engine  # noqa: E402
from inference.tasks.base import ClassifySpec, SummarizeSpec  # noqa: E402
from inference.tasks.classify import build_messages, classify, label_sequences  # noqa: E402
from inference.tasks.summarize import TOKENS_PER_WORD, summarize, target_words  # noqa: E402
from inference.tasks.summarize import build_messages as summary_messages  # noqa: E402

REPEATS = 5
LABELS = ("card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "refund_not_showing_up")
MESSAGE = (
    "Hello, I ordered a new debit card two weeks ago because my old one expired, and it still has not come "
    "in the mail. I have checked with my neighbours and nobody received it. Can you tell me whether it was "
    "sent, and if it could have been lost, should I block it and ask for another one? I need it for a trip."
)
SOURCE = (
    "The quarterly review meeting moved from Tuesday to Thursday at 10 am in room 4B. Finance will present "
    "the updated budget, which cuts travel spending by 15 percent, and the product team will demo the new "
    "onboarding flow. Everyone should read the attached forecast before the meeting and send questions to "
    "Priya by Wednesday noon. Remote staff can join through the usual video link."
)


def median_ms(fn, repeats: int = REPEATS) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold(engine: LocalEngine) -> None:
    engine._llm.reset()
    engine._llm._ctx.kv_cache_clear() if hasattr(engine._llm._ctx, "kv_cache_clear") else None


def bench_classify(engine: LocalEngine) -> dict[str, float]:
    spec = ClassifySpec(labels=LABELS)
    prompt = engine.tokenize(engine.prompter.render(build_messages(MESSAGE, spec)))

    def ours() -> None:
        cold(engine)
        classify(engine, MESSAGE, spec)

    def floor() -> None:
        engine.forward(prompt)

    continuations = label_sequences(engine, LABELS)

    def naive() -> None:  # the same label tokens, but the prompt evaluated again for every label
        for cont in continuations:
            engine.forward(prompt + cont)

    classify(engine, MESSAGE, spec)  # warm-up
    t_ours, t_floor, t_naive = median_ms(ours), median_ms(floor), median_ms(naive)
    return {"prompt_tokens": len(prompt), "labels": len(LABELS), "classify_ms": t_ours, "floor_ms": t_floor,
            "naive_ms": t_naive, "classify_vs_floor": t_ours / t_floor, "classify_speedup_vs_naive": t_naive / t_ours}


def summarize_rate(engine: LocalEngine, repeats: int = REPEATS) -> float:
    """Median completion tokens per second of a cold summarize (prompt included, as a person waits for it)."""
    spec = SummarizeSpec(max_words=60)
    rates = []
    for _ in range(repeats):
        cold(engine)
        start = time.perf_counter()
        result = summarize(engine, SOURCE, spec)
        rates.append(result.usage.completion_tokens / (time.perf_counter() - start))
    return statistics.median(rates)


def raw_rate(engine: LocalEngine, repeats: int = REPEATS) -> float:
    """The same prompt and token budget through llama-cpp-python's own completion call."""
    spec = SummarizeSpec(max_words=60)
    words = target_words(spec, SOURCE)
    prompt_text = engine.prompter.render(summary_messages(SOURCE, spec, words))
    max_tokens = int(words * TOKENS_PER_WORD) + 8
    rates = []
    for _ in range(repeats):
        cold(engine)
        start = time.perf_counter()
        raw = engine._llm.create_completion(prompt_text, max_tokens=max_tokens, temperature=0.0, top_k=1,
                                            top_p=1.0, min_p=0.0, repeat_penalty=1.0)
        rates.append(raw["usage"]["completion_tokens"] / (time.perf_counter() - start))
    return statistics.median(rates)


def bench_loaded(engine: LocalEngine, path: Path) -> dict[str, object]:
    """Generation with one core taken by another process, against one thread on the quiet machine."""
    ceiling = engine.threads.ceiling
    with open_engine(EngineConfig(model_path=path, n_ctx=2048, seed=0, n_threads=1)) as one:
        summarize_rate(one, 1)  # warm-up
        one_quiet = summarize_rate(one)
    with open_engine(EngineConfig(model_path=path, n_ctx=2048, seed=0, n_threads=ceiling)) as every:
        raw_rate(every, 1)
        before = load_average()
        with cpu_hog(1):
            loaded = summarize_rate(engine)
            loaded_threads = engine.n_threads
            raw_every_core = raw_rate(every)
    return {"one_thread_quiet_tokens_per_s": one_quiet, "loaded_tokens_per_s": loaded,
            "loaded_threads": loaded_threads, "raw_loaded_every_core_tokens_per_s": raw_every_core,
            "raw_loaded_threads": ceiling, "loaded_vs_one_thread_quiet": loaded / one_quiet,
            "raw_loaded_vs_one_thread_quiet": raw_every_core / one_quiet, "hog": 1,
            "loadavg_before_hog": before}


def bench_generate(engine: LocalEngine) -> dict[str, float]:
    spec = SummarizeSpec(max_words=60)
    words = target_words(spec, SOURCE)  # the same prompt and token budget summarize() uses
    prompt_text = engine.prompter.render(summary_messages(SOURCE, spec, words))
    max_tokens = int(words * TOKENS_PER_WORD) + 8
    prompt = engine.tokenize(prompt_text)
    ours_rates, gen_rates, raw_rates = [], [], []
    for _ in range(REPEATS):
        cold(engine)
        start = time.perf_counter()
        result = summarize(engine, SOURCE, spec)
        ours_rates.append(result.usage.completion_tokens / (time.perf_counter() - start))
        cold(engine)
        start = time.perf_counter()
        gen = engine.generate(prompt, max_tokens)  # our decoding loop alone, no summary confidence
        gen_rates.append(len(gen.tokens) / (time.perf_counter() - start))
        cold(engine)
        start = time.perf_counter()
        raw = engine._llm.create_completion(prompt_text, max_tokens=max_tokens, temperature=0.0, top_k=1,
                                            top_p=1.0, min_p=0.0, repeat_penalty=1.0)
        raw_rates.append(raw["usage"]["completion_tokens"] / (time.perf_counter() - start))
    ours, gen_tps, raw_tps = (statistics.median(r) for r in (ours_rates, gen_rates, raw_rates))
    # generate_vs_raw: our generation against llama-cpp-python's own completion, same prompt and budget.
    # summarize_vs_raw: the whole task as a person waits for it, including the summary-confidence passes
    # (the model's log-probabilities of the summary with and without the source), reported next to it.
    return {"summarize_tokens_per_s": ours, "generate_tokens_per_s": gen_tps, "raw_tokens_per_s": raw_tps,
            "generate_vs_raw": gen_tps / raw_tps, "summarize_vs_raw": ours / raw_tps}


def main() -> None:
    global REPEATS
    if "--quick" in sys.argv[1:]:
        REPEATS = 1
    info = machine()
    choice = resolve_model()
    start = time.perf_counter()
    engine = LocalEngine(EngineConfig(model_path=choice.path, n_ctx=2048, seed=0))
    load_ms = (time.perf_counter() - start) * 1000
    results: dict[str, object] = {"model": engine.model_name, "backend": engine.backend.name, "load_ms": load_ms}
    results.update(bench_classify(engine))
    results.update(bench_generate(engine))
    results["quiet_threads"] = engine.n_threads
    results.update(bench_loaded(engine, choice.path))
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.close()
    results["machine"] = {**info, "loadavg_after": load_average()}
    results["targets"] = {"classify_vs_floor": ["<=", 1.3], "generate_vs_raw": [">=", 0.95],
                          "loaded_vs_one_thread_quiet": [">=", 0.90]}
    for key, value in results.items():
        print(f"{key:<34} {value:.3f}" if isinstance(value, float) else f"{key:<34} {value}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
