"""The task vocabulary ``ui/`` builds requests from and shows results with, re-exported by ``app`` so
that the UI never imports ``inference/`` (layers: ui -> app -> inference). Light to import: no model,
no llama.cpp; a schema check imports the extraction task only when it runs."""

from __future__ import annotations

from typing import Any

from inference.cancel import CancelToken as CancelToken
from inference.classifier_head import FEW_EXAMPLES as FEW_EXAMPLES
from inference.classifier_head import MIN_EXAMPLES as MIN_EXAMPLES
from inference.classifier_head import TrainReport as TrainReport
from inference.summary_shape import MAX_BULLETS as MAX_BULLETS
from inference.tasks.base import TASK_NAMES as TASK_NAMES
from inference.tasks.base import TLDR_WORDS as TLDR_WORDS
from inference.tasks.base import ClassifySpec as ClassifySpec
from inference.tasks.base import ExtractSpec as ExtractSpec
from inference.tasks.base import FieldConfidence as FieldConfidence
from inference.tasks.base import SummarizeSpec as SummarizeSpec
from inference.tasks.base import TaskName as TaskName
from inference.tasks.base import TaskRequest as TaskRequest
from inference.tasks.base import TaskSpec as TaskSpec


def check_schema(schema: Any) -> dict[str, Any]:
    """The extraction task's own schema check (raises ``SchemaInvalid`` with a hint)."""
    from inference.tasks.extract import check_schema as check

    return check(schema)
