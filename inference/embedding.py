"""Sentence embeddings from the local model: a second ``llama_cpp.Llama`` in embedding mode.

Mean-pooled hidden states (NOTES A5: a causal LM's GGUF has no pooling of its own, so we ask for MEAN).
A separate instance from the generation engine, because ``embed()`` clears the KV cache (NOTES A5), with
a small context: messages longer than ``n_ctx`` tokens are embedded from their first ``n_ctx`` tokens.
Texts are embedded in batches (several sequences per decode) with a cancellation check and a progress
callback between batches. Vectors are cached by the SHA-256 of the text, in memory, and in an ``.npz``
file when a cache path is given (no pickle), so retraining on the same examples costs no model time.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np

from inference import backend as backends
from inference import llama_log
from inference.calibration import FloatArray
from inference.engine import CancelToken
from inference.errors import ModelLoadFailed
from inference.gguf import inspect_gguf
from inference.threads import ThreadChooser

DEFAULT_N_CTX = 512
MAX_CACHED = 20_000  # vectors kept (576 floats each for the starter model: ~46 MB)
CHUNK = 16  # texts per embed() call: progress and cancellation happen between chunks
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class EmbeddingModel:
    """Which model (and pooling) made a vector; a head trained on one cannot read another's vectors."""

    name: str  # file name without extension
    size_bytes: int
    dim: int
    pooling: str = "mean"

    @property
    def key(self) -> str:
        return f"{self.name}-{self.size_bytes}-{self.pooling}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size_bytes": self.size_bytes, "dim": self.dim, "pooling": self.pooling}


def embedding_threads() -> int:
    """Half the cores, at most 4, at least 1.

    Measured on a 2-core machine with one other busy process: 2 threads (and ``n_threads_batch``, which
    llama-cpp-python otherwise sets to every core) gave a median 1.0 s per message with 7.7 s spikes;
    1 thread gave 0.066 s. Threads that wait on each other collapse when any core is taken. This is the
    ceiling: before each call the embedder uses fewer when other processes keep cores busy (#11).
    """
    return max(1, min(4, (os.cpu_count() or 1) // 2))


def model_key(model_path: Path, pooling: str = "mean") -> str:
    """``EmbeddingModel.key`` of the vectors a model file would give, without loading it."""
    return f"{model_path.stem}-{model_path.stat().st_size}-{pooling}"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash; ``save()`` writes them to ``path`` (an .npz, loaded without pickle)."""

    def __init__(self, path: Path | None = None, *, dim: int | None = None) -> None:
        self.path = path
        self._vectors: dict[str, FloatArray] = {}
        self._dirty = False
        if path is not None and path.exists():
            self._load(path, dim)

    def _load(self, path: Path, dim: int | None) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
            return  # a damaged cache is only lost time: start empty and overwrite it on save
        if vectors.ndim != 2 or len(keys) != len(vectors) or (dim is not None and vectors.shape[1] != dim):
            return
        self._vectors = {str(k): v for k, v in zip(keys, vectors.astype(np.float32), strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> FloatArray | None:
        return self._vectors.get(key)

    def put(self, key: str, vector: FloatArray) -> None:
        self._vectors.pop(key, None)
        self._vectors[key] = np.asarray(vector, dtype=np.float32)
        while len(self._vectors) > MAX_CACHED:  # oldest first
            del self._vectors[next(iter(self._vectors))]
        self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty or not self._vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        keys = np.array(list(self._vectors), dtype="U64")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._vectors.values())))
        os.replace(tmp, self.path)
        self._dirty = False


class Embedder:
    """The local model in embedding mode. Thread-safe: every call holds the embedder's lock."""

    def __init__(
        self, model_path: Path, *, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None,
        cache_dir: Path | None = None, gpu: bool = True,
    ) -> None:
        inspect_gguf(model_path)  # a missing or damaged file gets the engine's clear error
        self.n_ctx = n_ctx
        self.lock = threading.Lock()
        self.threads = ThreadChooser(n_threads, ceiling=embedding_threads())
        self.n_threads = self.threads.ceiling
        self._llm = _open(model_path, n_ctx, self.n_threads, gpu)
        self.model = EmbeddingModel(model_path.stem, model_path.stat().st_size, int(self._llm.n_embd()))
        cache_path = cache_dir / f"embeddings-{self.model.key}.npz" if cache_dir else None
        self.cache = EmbeddingCache(cache_path, dim=self.model.dim)

    def count_tokens(self, text: str) -> int:
        with self.lock:
            return len(self._llm.tokenize(text.encode("utf-8")))

    def embed(
        self, texts: Sequence[str], *, cancel: CancelToken | None = None, progress: Progress | None = None,
        remember: bool = True,
    ) -> FloatArray:
        """One vector per text (``len(texts) x dim``, float32), from the cache where it has them.

        ``remember=False`` uses the cache but adds nothing to it (messages being classified, as opposed to
        examples being trained on, leave no vectors behind).
        """
        keys = [text_key(t) for t in texts]
        with self.lock:
            found = {k: v for k in set(keys) if (v := self.cache.get(k)) is not None}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        pending = list(todo)
        done = sum(1 for k in keys if k in found)
        fresh: dict[str, FloatArray] = {}
        for start in range(0, len(pending), CHUNK):
            if cancel:
                cancel.check()
            chunk = pending[start : start + CHUNK]
            fresh.update(zip(chunk, self._embed_now([todo[k] for k in chunk]), strict=True))
            if progress:
                progress(min(len(keys), done + start + len(chunk)), len(keys))
        if progress and not pending:
            progress(len(keys), len(keys))
        if remember:
            with self.lock:
                for key, vector in fresh.items():
                    self.cache.put(key, vector)
        found.update(fresh)
        if not keys:
            return np.zeros((0, self.model.dim), np.float32)
        return np.stack([found[k] for k in keys])

    def fit_threads(self) -> int:
        """Use the threads free now, up to the ceiling (see ``inference.threads``); returns the count."""
        with self.lock:
            n = self.threads.choose()
            if n != self.n_threads:
                llama_cpp.llama_set_n_threads(self._llm.ctx, n, n)
                self.n_threads = n
            return n

    def _embed_now(self, texts: list[str]) -> list[FloatArray]:
        self.fit_threads()
        with self.lock:
            try:
                vectors = self._llm.embed(texts, normalize=False, truncate=True)
            except (RuntimeError, ValueError) as exc:
                raise ModelLoadFailed(f"llama.cpp could not embed the text: {exc}") from exc
        return [np.asarray(v, dtype=np.float32) for v in vectors]

    def save_cache(self) -> None:
        with self.lock:
            self.cache.save()

    def close(self) -> None:
        with self.lock:
            self.cache.save()
            if self._llm is not None:
                self._llm.close()
                self._llm = None  # type: ignore[assignment]


def _open(model_path: Path, n_ctx: int, n_threads: int, gpu: bool) -> llama_cpp.Llama:
    llama_log.quiet()  # llama.cpp's warnings off the terminal (inference/llama_log.py)
    llama_cpp.llama_backend_init()
    plan = backends.plan(gpu and os.environ.get("INHOUSE_GPU", "1") != "0")
    layers = [plan.n_gpu_layers, 0] if plan.n_gpu_layers else [0]
    error: Exception | None = None
    for n_gpu_layers in layers:  # on GPU failure, the CPU
        try:
            return llama_cpp.Llama(
                model_path=str(model_path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                n_gpu_layers=n_gpu_layers, verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            error = exc
    raise ModelLoadFailed(f"llama.cpp could not load {model_path} for embeddings: {error}")
