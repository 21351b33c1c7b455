"""Owns the one local engine of this process: loaded on first use, closed at exit.

It also owns the embedding engine (a second model instance in embedding mode, loaded on first use) and
the classifier profiles: a classify request that names a trained profile, or whose label set is exactly
a trained profile's, is answered by that profile's head (method "trained"); see ``app.classifiers``.
Likewise an extract request that names a trained extractor profile, or whose schema has exactly its
fields, is answered by its tagger over the local model's token states (``token_encoder``, a third
instance, loaded on first use); see ``app.extractors``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from app.classifiers import ClassifierStore, classify_text
from app.label_calibration import CalibrationStore, Fit
from app.models import configured_model
from inference.catalog import ModelChoice, resolve_model
from inference.embedding import Embedder, model_key
from inference.engine import CancelToken, EngineConfig, LocalEngine
from inference.tasks import run as run_task
from inference.tasks.base import ClassifySpec, ExtractSpec, TaskRequest, TaskResult

if TYPE_CHECKING:  # extractor profiles load jsonschema, numpy and the tagger: only when one is used
    from app.extractors import ExtractorStore
    from inference.token_features import TokenEncoder

DEFAULT_N_CTX = 4096


class EngineHost:
    def __init__(
        self, model_path: str | None = None, n_ctx: int | None = None, *, engine: LocalEngine | None = None,
        embedder: Embedder | None = None, classifiers: ClassifierStore | None = None,
        calibrations: CalibrationStore | None = None,
        token_encoder: TokenEncoder | None = None, extractors: ExtractorStore | None = None,
    ) -> None:
        """``engine``: share an already-loaded engine (not closed by this host), e.g. in tests.

        Without ``model_path``, the model chosen with ``inhouse models use`` (``app.models``) is used;
        ``INHOUSE_MODEL`` still wins over both. ``embedder`` likewise shares an embedding engine;
        ``classifiers`` defaults to the profiles in the data folder.
        """
        self._configured = model_path if model_path is not None else configured_model()
        self._n_ctx = n_ctx or int(os.environ.get("INHOUSE_N_CTX", DEFAULT_N_CTX))
        self._engine: LocalEngine | None = engine
        self._owns = engine is None
        self._lock = threading.Lock()
        self._embedder: Embedder | None = embedder
        self._owns_embedder = embedder is None
        self._classifiers = classifiers
        self._calibrations = calibrations
        self._encoder: TokenEncoder | None = token_encoder
        self._owns_encoder = token_encoder is None
        self._extractors = extractors

    def reload(self) -> None:
        """Read the chosen model again (after ``app.models.use_model``): the engines loaded so far are
        closed (a shared one only let go of) and the next run loads the new choice. Call it between runs."""
        with self._lock:
            self._configured = configured_model()
            if self._engine is not None and self._owns:
                self._engine.close()
            if self._embedder is not None and self._owns_embedder:
                self._embedder.close()
            self._engine, self._embedder = None, None
            self._owns = self._owns_embedder = True

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

    def run(self, request: TaskRequest, cancel: CancelToken | None = None, *,
            calibrate_without: frozenset[str] = frozenset()) -> TaskResult:
        """``calibrate_without``: text hashes whose evidence a zero-shot label set's recalibration must not
        use (an eval set's own items: ``app.evals.run_local``)."""
        spec = request.spec
        if isinstance(spec, ExtractSpec) and (spec.extractor or self.extractors.names()):
            found = self.extractors.find_for_spec(spec, self._encoder_key())
            if found is not None:
                from app.extractor_learning import extract_text

                return extract_text(found, self.token_encoder(), request.text, cancel)
        if not isinstance(spec, ClassifySpec):
            return run_task(self.engine(), request, cancel)
        if spec.classifier or self.classifiers.names():
            profile = self.classifiers.find_for_spec(spec, self._embedding_key())
            if profile is not None:
                return classify_text(profile, self.embedder(), request.text, cancel)
        result = run_task(self.engine(), request, cancel)
        return self.calibrations.calibrate(spec, self.model_key(), result, calibrate_without)

    # -- zero-shot calibration (see app.label_calibration) -----------------------------------------
    @property
    def calibrations(self) -> CalibrationStore:
        if self._calibrations is None:
            self._calibrations = CalibrationStore.open_default()
        return self._calibrations

    def model_key(self) -> str:
        """Names the local model file (name and size): evidence is kept per model."""
        path = self._model_path()
        return f"{path.stem}-{path.stat().st_size}"

    def record_evidence(self, spec: ClassifySpec, items: list[tuple[str, str]], source: str,
                        zero_shot: list[dict[str, float] | None] | None = None,
                        cancel: CancelToken | None = None) -> Fit | None:
        """Texts with their right labels become evidence for the label set's zero-shot confidence; the
        zero-shot probabilities are computed where not given. Returns the new fit."""
        given = zero_shot or [None] * len(items)
        rows = []
        for (text, label), probs in zip(items, given, strict=True):
            if probs is None:
                probs = run_task(self.engine(), TaskRequest(text, spec), cancel).probabilities or {}
            rows.append((text, label, probs))
        return self.calibrations.record(spec, self.model_key(), rows, source)

    # -- extractor profiles ----------------------------------------------------------------------
    @property
    def extractors(self) -> ExtractorStore:
        if self._extractors is None:
            from app.extractors import ExtractorStore

            self._extractors = ExtractorStore.open_default()
        return self._extractors

    def token_encoder(self) -> TokenEncoder:
        """The local model read layer by layer, for extractor taggers (loaded on first use)."""
        with self._lock:
            if self._encoder is None:
                from inference.token_features import TokenEncoder

                self._encoder = TokenEncoder(self._model_path(), cache_dir=self.extractors.cache_dir)
            return self._encoder

    def _encoder_key(self) -> str:
        if self._encoder is not None:
            return self._encoder.model.key
        from inference.token_features import model_key

        return model_key(self._model_path())

    # -- classifier profiles ---------------------------------------------------------------------
    @property
    def classifiers(self) -> ClassifierStore:
        if self._classifiers is None:
            self._classifiers = ClassifierStore.open_default()
        return self._classifiers

    def embedder(self) -> Embedder:
        """The embedding engine over the same model file as the local engine (loaded on first use)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder(self._model_path(), cache_dir=self.classifiers.cache_dir)
            return self._embedder

    def _model_path(self) -> Path:
        return self._engine.config.model_path if self._engine is not None else self.choice().path

    def _embedding_key(self) -> str:
        if self._embedder is not None:
            return self._embedder.model.key
        return model_key(self._model_path())

    def close(self) -> None:
        with self._lock:
            if self._engine is not None and self._owns:
                self._engine.close()
                self._engine = None
            if self._embedder is not None and self._owns_embedder:
                self._embedder.close()
                self._embedder = None
            if self._encoder is not None and self._owns_encoder:
                self._encoder.close()
                self._encoder = None
