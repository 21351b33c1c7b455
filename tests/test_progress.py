"""The one CLI progress display: a bar on a terminal, nothing at all when the output is piped."""

from __future__ import annotations

import io

from app.cli.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_output_gets_nothing() -> None:
    out = io.StringIO()
    with progress_bar("items", stream=out) as bar:
        for i in range(1, 61):
            bar(i, 60)
    assert out.getvalue() == ""


def test_a_terminal_gets_a_bar_that_reaches_the_total_and_ends_its_line() -> None:
    out = Terminal()
    with progress_bar("items", stream=out) as bar:
        for i in range(1, 61):
            bar(i, 60)
        bar.note("fitting")
    text = out.getvalue()
    assert "60/60" in text and "100%" in text and "fitting\n" in text
    assert text.endswith("\n")


def test_disabled_bar_only_prints_notes_on_their_own_lines() -> None:
    out = Terminal()
    with progress_bar("items", stream=out, enabled=False) as bar:
        bar(1, 2)
        bar.note("fitting")
    assert out.getvalue() == "fitting\n"
