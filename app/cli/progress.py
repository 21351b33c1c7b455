"""The one progress display of the command line: a real bar on a terminal, nothing when piped.

Every long command (batch, eval, classifier training, model downloads) reports progress through a
``Progress`` callback ``(done, total)``. ``progress_bar`` turns that into a tqdm bar on stderr when
stderr is a terminal, and into nothing otherwise, so ``inhouse eval ... | cat`` prints only its result.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Progress = Callable[[int, int], None]


class Bar:
    """The callback ``progress_bar`` yields: call it with ``(done, total)``; ``note`` prints a line above it."""

    def __init__(self, stream: TextIO, bar: Any = None) -> None:
        self._stream, self._bar = stream, bar

    def __call__(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is None:
            return
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    def note(self, text: str) -> None:
        """A message that must not garble the bar (printed on its own line, the bar redrawn below)."""
        if self._bar is None:
            print(text, file=self._stream)
        else:
            self._bar.write(text, file=self._stream)


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(
    desc: str, *, unit: str = "item", enabled: bool = True, bytes_: bool = False, stream: TextIO | None = None,
) -> Iterator[Bar]:
    """A ``(done, total)`` callback drawing a bar on ``stream`` (stderr), or doing nothing off a terminal.

    ``bytes_`` shows sizes as kB/MB with a transfer rate (downloads). The bar is closed on exit, also when
    the body raises, so an error message starts on a fresh line.
    """
    out = stream if stream is not None else sys.stderr
    if not enabled or not is_terminal(out):
        yield Bar(out)
        return
    from tqdm import tqdm  # imported only when a bar is drawn

    bar = tqdm(desc=desc, total=None, unit="B" if bytes_ else unit, unit_scale=bytes_, unit_divisor=1024,
               file=out, dynamic_ncols=True, leave=True)

    try:
        yield Bar(out, bar)
    finally:
        bar.close()
