"""Several requests in flight at once, results in input order: for batches against the organisation's server.

``map_in_order(fn, items, max_in_flight)`` runs ``fn`` on up to ``max_in_flight`` items at a time (threads:
the work waits on the network; the device's own model stays serialized behind its lock) and yields
``(item, result)`` in the order of ``items`` — so a batch can append its output line by line, exactly as
when it runs one item at a time, and a killed run resumes from the last line written. Never more than
``max_in_flight`` items are started ahead of the oldest unfinished one; ``stop()`` returning True stops
starting new items (those already running finish and are yielded). An item whose ``fn`` raised yields
the exception as its result; the caller decides what an error line is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_order(
    fn: Callable[[T], R], items: Iterable[T], max_in_flight: int, stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[T, R | Exception]]:
    """``(item, fn(item) or the exception it raised)`` in input order, at most ``max_in_flight`` at once."""
    if max_in_flight < 1:
        raise ValueError("max_in_flight must be at least 1")
    pending: deque[tuple[T, Future[R]]] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="inflight") as pool:
        exhausted = False
        while True:
            while not exhausted and len(pending) < max_in_flight and not stop():
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                pending.append((item, pool.submit(fn, item)))  # type: ignore[arg-type]
            if not pending:
                return
            item, future = pending.popleft()
            error = future.exception()
            yield (item, error) if isinstance(error, Exception) else (item, future.result())
            if error is not None and not isinstance(error, Exception):
                raise error


_END: object = object()
