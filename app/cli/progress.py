"""The one progress display of the command line: a real bar on a terminal, nothing when piped.

Every long command (batch, eval, classifier training, model downloads, a chunked summary) reports progress
through a ``Progress`` callback ``(done, total)``. ``progress_bar`` turns that into a tqdm bar on stderr when
stderr is a terminal, and into nothing otherwise, so ``inhouse eval ... | cat`` prints only its result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Progress = Callable[[int, int], None]


class Bar:
    """The callback ``progress_bar`` yields: call it with ``(done, total)``; ``note`` prints a line above it.

    A transient bar (``factory``) is drawn only once progress is reported, and is gone again when
    ``done`` reaches ``total`` (so a question asked next, e.g. consent, starts on a clean line)."""

    def __init__(self, stream: TextIO, bar: Any = None, factory: Callable[[], Any] | None = None) -> None:
        self._stream, self._bar, self._factory = stream, bar, factory

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and self._factory is not None and not (total and done >= total):
            self._bar = self._factory()
        bar = self._bar
        if bar is None:
            return
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()
        if self._factory is not None and total and done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def note(self, text: str) -> None:
        """A message that must not garble the bar (printed on its own line, the bar redrawn below)."""
        if self._bar is None:
            print(text, file=self._stream)
        else:
            self._bar.write(text, file=self._stream)


def _sized(stream: TextIO) -> bool:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False  # no descriptor (a stream in a test): a usual size is assumed
    return size.columns > 0 and size.lines > 0


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(
    desc: str, *, unit: str = "item", enabled: bool = True, bytes_: bool = False, stream: TextIO | None = None,
    transient: bool = False,
) -> Iterator[Bar]:
    """A ``(done, total)`` callback drawing a bar on ``stream`` (stderr), or doing nothing off a terminal.

    ``bytes_`` shows sizes as kB/MB with a transfer rate (downloads). ``transient``: drawn only when
    progress is first reported and removed when done (a task that is usually quick: a summary is chunked
    only when long). The bar is closed on exit, also when the body raises, so an error message starts on
    a fresh line.
    """
    out = stream if stream is not None else sys.stderr
    if not enabled or not is_terminal(out):
        yield Bar(out)
        return
    from tqdm import tqdm  # imported only when a bar is drawn

    sized = _sized(out)  # a terminal that reports no size (0 x 0) would get no bar at all from tqdm

    def make() -> Any:
        return tqdm(desc=desc, total=None, unit="B" if bytes_ else unit, unit_scale=bytes_, unit_divisor=1024,
                    file=out, dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24,
                    leave=not transient)

    bar = Bar(out, factory=make) if transient else Bar(out, make())
    try:
        yield bar
    finally:
        bar.close()
