"""Turning a provider's answer into a task output, or ``MalformedOutput``.

Each provider reads its response body by hand (content, usage counts) into a ``Reply`` rather than
trusting its SDK's lenient model construction, so a broken or oddly shaped answer becomes a typed error,
never a half-filled result; the task output is then read the same way for every provider.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema.exceptions
import jsonschema.validators

from inference.errors import MalformedOutput
from inference.summary_shape import shape_summary
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)\n?```$", re.DOTALL)
_LABEL_TRIM = " \t\r\n\"'`.*"
_SNIPPET = 80


class MalformedAnswer(MalformedOutput):
    """The provider answered (and billed) but the answer is unusable; carries the usage for the ledger."""

    def __init__(
        self,
        message: str,
        *,
        raw_text: str = "",
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.raw_text = raw_text
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.cost_usd = cost_usd
        self.request_id = request_id


@dataclass(frozen=True)
class Reply:
    """What a provider answered, in the terms every provider shares (read from its body by hand)."""

    text: str  # all text joined
    tool_input: dict[str, Any] | None
    model: str | None
    input_tokens: int
    output_tokens: int
    refused: bool = False  # the model declined (Anthropic's stop_reason "refusal")
    truncated: bool = False  # cut off at the output-token limit


def parse_output(request: TaskRequest, reply: Reply) -> Any:
    """The task output from the answer: a label, a schema-valid JSON value, or a summary."""
    if reply.refused:
        raise MalformedOutput("The model declined to answer this request.")
    spec = request.spec
    if isinstance(spec, ExtractSpec):
        return parse_extraction(spec, reply)
    if not reply.text.strip():
        raise MalformedOutput("The model's answer was empty.")
    if isinstance(spec, ClassifySpec):
        return parse_label(spec, reply.text)
    return parse_summary(spec, reply.text)


def parse_label(spec: ClassifySpec, text: str) -> str:
    """The label the answer names (trimmed, case-folded match), or ``MalformedOutput``."""
    answer = text.strip().strip(_LABEL_TRIM)
    for label in spec.labels:
        if answer == label:
            return label
    folded = answer.casefold()
    for label in spec.labels:
        if folded == label.strip().casefold():
            return label
    raise MalformedOutput(
        f"The model answered {_snippet(text)!r}, which is not one of the labels ({', '.join(spec.labels)})."
    )


def parse_extraction(spec: ExtractSpec, reply: Reply) -> Any:
    """A JSON value from the answer that validates against ``spec.schema``, or ``MalformedOutput``."""
    if reply.tool_input is not None:
        value: Any = reply.tool_input
    else:
        text = reply.text.strip()
        fenced = _FENCE.match(text)
        if fenced:
            text = fenced.group(1).strip()
        try:
            value = json.loads(text)
        except ValueError:
            cut = " (it was cut off at the output-token limit)" if reply.truncated else ""
            raise MalformedOutput(f"The model's answer was not valid JSON{cut}: {_snippet(text)!r}") from None
    validator = jsonschema.validators.validator_for(spec.schema)(spec.schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise MalformedOutput(f"The model's JSON does not match the schema at {where}: {error.message}")
    return value


def parse_summary(spec: SummarizeSpec, text: str) -> str:
    """The summary in the asked shape, cut to ``max_words`` words if it ran over (never ending on "…")."""
    return shape_summary(text, spec)[0]


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _snippet(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"
