"""The three local tasks. ``run`` dispatches a ``TaskRequest`` to the right one."""

from __future__ import annotations

from inference.engine import CancelToken, LocalEngine
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest, TaskResult


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
