"""Owns the one local engine of this process: loaded on first use, closed at exit."""

from __future__ import annotations

import os
import threading

from app.models import configured_model
from inference.catalog import ModelChoice, resolve_model
from inference.engine import CancelToken, EngineConfig, LocalEngine
from inference.tasks import run as run_task
from inference.tasks.base import TaskRequest, TaskResult

DEFAULT_N_CTX = 4096


class EngineHost:
    def __init__(
        self, model_path: str | None = None, n_ctx: int | None = None, *, engine: LocalEngine | None = None
    ) -> None:
        """``engine``: share an already-loaded engine (not closed by this host), e.g. in tests.

        Without ``model_path``, the model chosen with ``inhouse models use`` (``app.models``) is used;
        ``INHOUSE_MODEL`` still wins over both.
        """
        self._configured = model_path if model_path is not None else configured_model()
        self._n_ctx = n_ctx or int(os.environ.get("INHOUSE_N_CTX", DEFAULT_N_CTX))
        self._engine: LocalEngine | None = engine
        self._owns = engine is None
        self._lock = threading.Lock()

    def choice(self) -> ModelChoice:
        return resolve_model(self._configured)

    def engine(self) -> LocalEngine:
        with self._lock:
            if self._engine is None:
                choice = self.choice()
                self._engine = LocalEngine(EngineConfig(model_path=choice.path, n_ctx=self._n_ctx))
            return self._engine

    @property
    def loaded(self) -> LocalEngine | None:
        return self._engine

    def run(self, request: TaskRequest, cancel: CancelToken | None = None) -> TaskResult:
        return run_task(self.engine(), request, cancel)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None and self._owns:
                self._engine.close()
                self._engine = None
