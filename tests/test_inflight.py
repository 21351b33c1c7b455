"""Bounded requests in flight, results in input order (no model: real threads, a real barrier)."""

from __future__ import annotations

import threading
import time

import pytest

from app.inflight import map_in_order


def test_results_come_in_input_order_with_at_most_n_running() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def work(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02 * (5 - n % 5))  # later items finish first
        with lock:
            running -= 1
        return n * n

    out = list(map_in_order(work, range(12), max_in_flight=3))
    assert out == [(n, n * n) for n in range(12)]
    assert peak == 3


def test_one_in_flight_is_sequential_and_errors_are_results() -> None:
    seen: list[int] = []

    def work(n: int) -> int:
        seen.append(n)
        if n == 2:
            raise ValueError("bad item")
        return n

    out = list(map_in_order(work, range(4), max_in_flight=1))
    assert [item for item, _ in out] == [0, 1, 2, 3] and seen == [0, 1, 2, 3]
    assert isinstance(out[2][1], ValueError) and out[3] == (3, 3)


def test_stop_starts_nothing_new_but_finishes_what_runs() -> None:
    stopped = threading.Event()
    results = map_in_order(lambda n: n, range(10), max_in_flight=2, stop=stopped.is_set)
    first = next(results)  # items 0 and 1 were started before the first result came back
    stopped.set()
    assert [first, *results] == [(0, 0), (1, 1)]


def test_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError):
        list(map_in_order(lambda n: n, [1], max_in_flight=0))
