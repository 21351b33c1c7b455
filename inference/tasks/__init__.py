"""The three local tasks. ``run`` dispatches a ``TaskRequest`` to the right one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest, TaskResult

if TYPE_CHECKING:  # importing the engine loads llama.cpp: keep ``inference.tasks.base`` light
    from inference.engine import CancelToken, LocalEngine


def run(engine: LocalEngine, request: TaskRequest, cancel: CancelToken | None = None) -> TaskResult:
    spec = request.spec
    if isinstance(spec, ClassifySpec):
        from inference.tasks.classify import classify

        return classify(engine, request.text, spec, cancel)
    if isinstance(spec, ExtractSpec):
        from inference.tasks.extract import extract

        return extract(engine, request.text, spec, cancel)
    if isinstance(spec, SummarizeSpec):
        from inference.tasks.summarize import summarize

        return summarize(engine, request.text, spec, cancel)
    raise TypeError(f"unknown task spec {spec!r}")
