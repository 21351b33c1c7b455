"""Task requests to and from plain JSON (for the escalation queue and history)."""

from __future__ import annotations

from typing import Any

from inference.tasks.base import (
    SUMMARY_SHAPES,
    Calibration,
    ClassifySpec,
    ExtractSpec,
    FieldConfidence,
    SummarizeSpec,
    TaskRequest,
    TaskResult,
    TaskSpec,
    Usage,
)


def spec_to_json(spec: TaskSpec) -> dict[str, Any]:
    if isinstance(spec, ClassifySpec):
        data: dict[str, Any] = {
            "task": "classify", "labels": list(spec.labels), "descriptions": [list(d) for d in spec.descriptions],
            "examples": [list(e) for e in spec.examples],
        }  # fmt: skip
        if spec.classifier is not None:
            data["classifier"] = spec.classifier
        return data
    if isinstance(spec, ExtractSpec):
        extract: dict[str, Any] = {"task": "extract", "schema": spec.schema}
        if spec.extractor is not None:
            extract["extractor"] = spec.extractor
        return extract
    return {"task": "summarize", "max_words": spec.max_words, "shape": spec.shape, "bullets": spec.bullets}


def spec_from_json(data: dict[str, Any]) -> TaskSpec:
    task = data.get("task")
    if task == "classify":
        return ClassifySpec(
            labels=tuple(data["labels"]),
            descriptions=tuple((str(a), str(b)) for a, b in data.get("descriptions", [])),
            examples=tuple((str(a), str(b)) for a, b in data.get("examples", [])),
            classifier=str(data["classifier"]) if data.get("classifier") is not None else None,
        )
    if task == "extract":
        return ExtractSpec(schema=dict(data["schema"]),
                           extractor=str(data["extractor"]) if data.get("extractor") is not None else None)
    if task == "summarize":
        shape = data.get("shape", "paragraph")
        return SummarizeSpec(max_words=int(data.get("max_words", 60)),
                             shape=shape if shape in SUMMARY_SHAPES else "paragraph",
                             bullets=int(data.get("bullets", 3)))
    raise ValueError(f"unknown task {task!r}")


def request_to_json(request: TaskRequest) -> dict[str, Any]:
    return {"text": request.text, "spec": spec_to_json(request.spec)}


def request_from_json(data: dict[str, Any]) -> TaskRequest:
    return TaskRequest(text=str(data["text"]), spec=spec_from_json(data["spec"]))


def result_from_json(data: dict[str, Any]) -> TaskResult:
    """Rebuild the parts of a local result the queue needs (from ``TaskResult.to_json``)."""
    usage = data.get("usage", {})
    return TaskResult(
        task=data["task"],
        output=data["output"],
        confidence=float(data["confidence"]),
        signals={k: float(v) for k, v in data.get("signals", {}).items()},
        usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
        latency_ms=float(data.get("latency_ms", 0.0)),
        model=str(data.get("model", "")),
        method=str(data.get("method", "")),
        probabilities=data.get("probabilities"),
        fields={k: FieldConfidence.from_json(v) for k, v in data["fields"].items()} if data.get("fields") else None,
        calibration=_calibration(data.get("calibration")),
        missing=tuple(str(name) for name in data.get("missing", ())),
    )


def _calibration(data: Any) -> Calibration | None:
    if not isinstance(data, dict) or data.get("state") not in ("calibrated", "uncalibrated", "trained"):
        return None
    return Calibration(data["state"], str(data.get("basis", "")), int(data.get("evidence", 0)))
