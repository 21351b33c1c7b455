"""Thread counts that fit the machine's load (#11): the rule, the load probe, and the real engine using them."""

from __future__ import annotations

import sys
from pathlib import Path

import llama_cpp

from inference.engine import EngineConfig, LocalEngine, open_engine
from inference.tasks.base import ClassifySpec
from inference.tasks.classify import classify
from inference.threads import (
    LoadProbe,
    ThreadChooser,
    default_threads,
    fit_threads,
    own_running,
    running_elsewhere,
    running_now,
)


def test_default_threads_is_every_core_up_to_four_then_half() -> None:
    assert [default_threads(n) for n in (1, 2, 4, 6, 8, 16, 32)] == [1, 2, 4, 4, 4, 8, 16]


def test_fit_threads_leaves_the_busy_cores_and_never_goes_below_one() -> None:
    assert fit_threads(ceiling=2, cores=2, busy=0.0) == 2
    assert fit_threads(ceiling=2, cores=2, busy=1.0) == 1
    assert fit_threads(ceiling=4, cores=8, busy=5.0) == 3
    assert fit_threads(ceiling=4, cores=8, busy=1.0) == 4  # the ceiling holds on a big quiet machine
    assert fit_threads(ceiling=2, cores=2, busy=30.0) == 1
    assert fit_threads(ceiling=2, cores=2, busy=0.4) == 2  # a passing blip is not a busy core
    assert fit_threads(ceiling=3, cores=4, busy=None) == 3  # unknown load: the ceiling


def test_probe_takes_the_median_of_its_samples() -> None:
    readings = iter([1, 8, 1, 1, 2])  # one short-lived spike among the samples
    probe = LoadProbe(read_running=lambda: next(readings), loadavg=lambda: None)
    assert probe.busy_elsewhere() == 1.0


def test_probe_falls_back_to_the_load_average_less_its_own_share() -> None:
    probe = LoadProbe(read_running=lambda: None, loadavg=lambda: 1.5)
    busy = probe.busy_elsewhere()
    assert busy is not None and 1.0 <= busy <= 1.5
    assert LoadProbe(read_running=lambda: None, loadavg=lambda: None).busy_elsewhere() is None


def test_probe_reads_the_kernels_count_of_runnable_threads(tmp_path: Path) -> None:
    fake = tmp_path / "loadavg"
    fake.write_text("0.52 0.61 0.70 3/412 12345\n")
    assert running_now(fake) == 3
    fake.write_text("garbage")
    assert running_now(fake) is None
    assert running_now(tmp_path / "missing") is None
    if sys.platform.startswith("linux"):
        now = running_now()
        assert now is not None and now >= 1  # this test's own thread is running


def test_own_runnable_threads_are_not_load_from_elsewhere(tmp_path: Path) -> None:
    tasks = tmp_path / "task"
    for tid, stat in {"1": "1 (python) R 0 1", "2": "2 (odd) name) S 0 1", "3": "3 (omp) R 0 1",
                      "4": "4 (x) D 0 1"}.items():
        (tasks / tid).mkdir(parents=True)
        (tasks / tid / "stat").write_text(stat)
    assert own_running(tasks) == 2
    assert own_running(tmp_path / "missing") is None
    if sys.platform.startswith("linux"):
        mine = own_running()
        assert mine is not None and mine >= 1  # the thread asking is running
        elsewhere = running_elsewhere()
        assert elsewhere is not None and elsewhere >= 0


def test_chooser_fixed_count_wins_and_a_fitted_answer_is_reused_briefly() -> None:
    readings = [0]
    probe = LoadProbe(read_running=lambda: readings[0], loadavg=lambda: None)
    assert ThreadChooser(fixed=3, probe=probe).choose() == 3
    chooser = ThreadChooser(probe=probe, max_age_s=60.0)
    quiet = chooser.choose()
    assert quiet == chooser.ceiling
    readings[0] = 100
    assert chooser.choose() == quiet  # within max_age_s: one probe per request, not per engine call
    assert ThreadChooser(probe=probe, max_age_s=0.0).choose() == 1


def _with_busy(engine: LocalEngine, busy: int) -> None:
    engine.threads = ThreadChooser(probe=LoadProbe(read_running=lambda: busy, loadavg=lambda: None), max_age_s=0.0)


def test_engine_sets_llama_cpp_threads_before_each_request(engine: LocalEngine) -> None:
    original = engine.threads
    try:
        _with_busy(engine, 0)
        ceiling = engine.fit_threads()
        assert ceiling == engine.threads.ceiling == engine.n_threads == llama_cpp.llama_n_threads(engine._llm.ctx)
        assert llama_cpp.llama_n_threads_batch(engine._llm.ctx) == ceiling
        _with_busy(engine, 64)  # every core taken: the next request runs on one thread, prompt and generation
        result = classify(engine, "I love the new update, everything is faster now!",
                          ClassifySpec(labels=("positive", "negative")))
        assert engine.n_threads == 1 == llama_cpp.llama_n_threads(engine._llm.ctx)
        assert llama_cpp.llama_n_threads_batch(engine._llm.ctx) == 1
        assert result.output == "positive"
    finally:
        engine.threads = original
        engine.fit_threads()


def test_span_scoring_and_teacher_forcing_fit_their_threads_too(engine: LocalEngine) -> None:
    """Extraction (``score_paths``) and the summary confidence (``token_logprobs``) ran on the ceiling's
    threads whatever the load: an invoice took 40 s on a loaded 2-core machine, 4.6 s on one thread."""
    original = engine.threads
    try:
        for call in (lambda: engine.score_paths(engine.tokenize("Total: 30 EUR. Answer:"), [[1, 2]], [3]),
                     lambda: engine.token_logprobs(engine.tokenize("Total: 30 EUR."), [1, 2])):
            _with_busy(engine, 0)
            assert engine.fit_threads() == engine.threads.ceiling > 1  # a quiet machine: every core
            _with_busy(engine, 64)
            call()
            assert engine.n_threads == 1 == llama_cpp.llama_n_threads_batch(engine._llm.ctx)
    finally:
        engine.threads = original
        engine.fit_threads()


def test_a_configured_thread_count_is_kept(starter_model_path: Path) -> None:
    with open_engine(EngineConfig(model_path=starter_model_path, n_ctx=256, seed=0, n_threads=1)) as one:
        assert one.fit_threads() == 1
        assert llama_cpp.llama_n_threads(one._llm.ctx) == 1


def test_embedder_fits_its_threads_too(starter_model_path: Path) -> None:
    from inference.embedding import Embedder, embedding_threads

    embedder = Embedder(starter_model_path, n_ctx=128)
    try:
        assert embedder.n_threads == embedding_threads()  # the measured ceiling, on a quiet machine
        embedder.threads = ThreadChooser(probe=LoadProbe(read_running=lambda: 64, loadavg=lambda: None),
                                         max_age_s=0.0, ceiling=embedding_threads())
        vectors = embedder.embed(["every core is taken"], remember=False)
        assert vectors.shape == (1, embedder.model.dim)
        assert embedder.n_threads == 1 == llama_cpp.llama_n_threads(embedder._llm.ctx)
    finally:
        embedder.close()


def test_a_ceiling_bounds_the_fitted_count() -> None:
    probe = LoadProbe(read_running=lambda: 0, loadavg=lambda: None)
    assert ThreadChooser(probe=probe, ceiling=1).choose() == 1
    assert ThreadChooser(fixed=3, probe=probe, ceiling=1).choose() == 3  # a configured count wins
