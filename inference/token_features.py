"""Per-token hidden states of the local model, for the extraction tagger (``inference.extractor_tagger``).

- **Which states.** The outputs of chosen transformer layers (``l_out-K`` in llama.cpp's graph), read with
  llama.cpp's eval callback (``cb_eval``) while the text is decoded. A causal model's last layer is shaped
  for predicting the next token; middle layers carry more of what a token *is*, which is what a tagger
  needs (the layers were chosen by cross-validation on the NLU++ training side, see
  ``inference.extractor_tagger``). A model with fewer layers uses the same fractions of its depth.
- **Echo.** A causal model's state for a token has seen only the tokens before it. The text is fed twice
  ("text \\n text") and the states of the second copy are kept: each has read the whole text once
  (Springer et al., 2024, "Repetition Improves Language Model Embeddings").
- **Windows.** A text longer than half the context is cut into windows of tokens, each echoed on its own.
- **Offsets.** Every token's (start, end) in the text, so a tagged run of tokens is a span of the text.
- A separate ``llama_cpp.Llama`` from the generation engine (its own small context), one lock; states
  are cached by the SHA-256 of the text (float16 in memory and in an ``.npz`` file, no pickle).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import llama_cpp as _bindings

from inference import backend as backends
from inference import llama_log
from inference.embedding import embedding_threads
from inference.engine import _PARAMS_LOCK, CancelToken
from inference.errors import ModelLoadFailed
from inference.gguf import inspect_gguf

DEPTHS = (14 / 30, 22 / 30)  # which layers, as a share of the model's depth: 14 and 22 of the starter's 30
DEFAULT_N_CTX = 512
MAX_CACHED_TEXTS = 20_000  # ~15 tokens x 576 float16 each for a short message: ~17 KB
Progress = Callable[[int, int], None]
F16Array = np.ndarray[Any, np.dtype[np.float16]]
F32Array = np.ndarray[Any, np.dtype[np.float32]]
IntArray = np.ndarray[Any, np.dtype[np.int32]]


@dataclass(frozen=True)
class TokenModel:
    """Which model, layers and view made the states (a tagger trained on one cannot read another's)."""

    name: str
    size_bytes: int
    dim: int  # per layer
    layers: tuple[int, ...]
    view: str = "echo"

    @property
    def key(self) -> str:
        return f"{self.name}-{self.size_bytes}-{self.view}-l{'.'.join(map(str, self.layers))}"

    @property
    def width(self) -> int:
        return self.dim * len(self.layers)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size_bytes": self.size_bytes, "dim": self.dim, "layers": list(self.layers),
                "view": self.view}


@dataclass(frozen=True)
class TokenStates:
    """``vectors[i]`` is token i's state; ``offsets[i]`` its (start, end) in the text."""

    offsets: IntArray  # (n, 2)
    vectors: F16Array  # (n, width)

    def __len__(self) -> int:
        return len(self.offsets)


class _Ggml:
    """The few ggml functions the callback needs (ctypes on llama-cpp-python's own libggml-base)."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / _lib_name()))
        lib.ggml_get_name.restype, lib.ggml_get_name.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
        lib.ggml_nbytes.restype, lib.ggml_nbytes.argtypes = ctypes.c_size_t, [ctypes.c_void_p]
        lib.ggml_nelements.restype, lib.ggml_nelements.argtypes = ctypes.c_int64, [ctypes.c_void_p]
        lib.ggml_backend_tensor_get.restype = None
        lib.ggml_backend_tensor_get.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
        self.lib = lib


def _lib_name() -> str:
    folder = Path(llama_cpp.__file__).parent / "lib"
    for name in ("libggml-base.so", "libggml-base.dylib", "ggml-base.dll"):
        if (folder / name).exists():
            return name
    raise ModelLoadFailed("llama-cpp-python's ggml-base library was not found next to llama_cpp.")


class _Capture:
    """An eval callback that copies the wanted layer outputs of the last decode."""

    def __init__(self, layers: Sequence[int]) -> None:
        self.ggml = _Ggml().lib
        self.wanted = {f"l_out-{k}".encode(): k for k in layers}
        self.got: dict[int, F32Array] = {}
        self.callback = _bindings.ggml_backend_sched_eval_callback(self._on_tensor)  # keep a reference

    def _on_tensor(self, tensor: int, ask: bool, _data: int) -> bool:
        name = self.ggml.ggml_get_name(tensor)
        layer = self.wanted.get(name)
        if ask:
            return layer is not None
        if layer is not None:
            out = np.empty(int(self.ggml.ggml_nelements(tensor)), np.float32)
            self.ggml.ggml_backend_tensor_get(tensor, out.ctypes.data, 0, self.ggml.ggml_nbytes(tensor))
            self.got[layer] = out
        return True


class TokenEncoder:
    """The local model read layer by layer. Thread-safe: every call holds the encoder's lock."""

    def __init__(
        self, model_path: Path, *, layers: Sequence[int] | None = None, n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None, cache_dir: Path | None = None, gpu: bool = True,
    ) -> None:
        self.layers = tuple(sorted(set(layers))) if layers else default_layers(model_path)
        self.lock = threading.Lock()
        self._capture = _Capture(self.layers)
        self._llm = _open(model_path, n_ctx, n_threads or embedding_threads(), gpu, self._capture)
        self.n_ctx = n_ctx
        n_layer = int(llama_cpp.llama_model_n_layer(self._llm.model))
        if max(self.layers) >= n_layer:
            raise ModelLoadFailed(f"The model has {n_layer} layers; layer {max(self.layers)} was asked for.")
        self.model = TokenModel(model_path.stem, model_path.stat().st_size, int(self._llm.n_embd()), self.layers)
        self._sep = self._tokens("\n")
        path = cache_dir / f"tokens-{self.model.key}.npz" if cache_dir else None
        self.cache = TokenCache(path, self.model.width)

    def _tokens(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def encode(
        self, texts: Sequence[str], *, cancel: CancelToken | None = None, progress: Progress | None = None,
        remember: bool = True,
    ) -> list[TokenStates]:
        out: list[TokenStates] = []
        for i, text in enumerate(texts):
            if cancel:
                cancel.check()
            key = _key(text)
            with self.lock:
                found = self.cache.get(key)
                if found is None:
                    found = self._encode_now(text)
                    if remember:
                        self.cache.put(key, found)
            out.append(found)
            if progress:
                progress(i + 1, len(texts))
        return out

    def _encode_now(self, text: str) -> TokenStates:
        tokens = self._tokens(text)
        offsets = _offsets(self._llm, tokens)
        window = max(1, (self.n_ctx - len(self._sep)) // 2)
        parts = [self._echo(tokens[i : i + window]) for i in range(0, len(tokens), window)]
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.model.width), np.float16)
        return TokenStates(np.asarray(offsets, np.int32).reshape(-1, 2), vectors)

    def _echo(self, tokens: list[int]) -> F16Array:
        ids = tokens + self._sep + tokens
        llm = self._llm
        self._capture.got.clear()
        llm.reset()  # type: ignore[no-untyped-call]
        try:
            llm.eval(ids)
        except RuntimeError as exc:
            raise ModelLoadFailed(f"llama.cpp could not read the text: {exc}") from exc
        missing = [k for k in self.layers if k not in self._capture.got]
        if missing:
            raise ModelLoadFailed(f"llama.cpp did not report the output of layer(s) {missing}.",
                                  hint="This model's graph names its layers differently; use the starter model.")
        per_layer = [self._capture.got[k].reshape(len(ids), -1)[-len(tokens):] for k in self.layers]
        return np.concatenate(per_layer, axis=1).astype(np.float16)

    def save_cache(self) -> None:
        with self.lock:
            self.cache.save()

    def close(self) -> None:
        with self.lock:
            self.cache.save()
            if self._llm is not None:
                self._llm.close()
                self._llm = None  # type: ignore[assignment]


def default_layers(model_path: Path) -> tuple[int, ...]:
    """``DEPTHS`` of the model's layer count (from its GGUF header; the file is checked on the way)."""
    info = inspect_gguf(model_path)
    count = info.metadata.get(f"{info.architecture}.block_count")
    n_layer = int(count) if isinstance(count, int) and count > 0 else 30
    return tuple(sorted({min(n_layer - 1, round(d * n_layer)) for d in DEPTHS}))


def model_key(model_path: Path) -> str:
    """``TokenModel.key`` of the states a model file would give with the default layers, without loading it."""
    return TokenModel(model_path.stem, model_path.stat().st_size, 0, default_layers(model_path)).key


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _offsets(llm: llama_cpp.Llama, tokens: list[int]) -> list[tuple[int, int]]:
    """Each token's (start, end) in the decoded text (a character split across tokens goes to the last)."""
    spans, raw, pos = [], b"", 0
    for token in tokens:
        raw += llm.detokenize([token])
        end = len(raw.decode("utf-8", errors="ignore"))
        spans.append((pos, end))
        pos = end
    return spans


class TokenCache:
    """Token states by text hash, oldest dropped first; ``save()`` writes one ``.npz`` (no pickle)."""

    def __init__(self, path: Path | None, width: int) -> None:
        self.path, self.width = path, width
        self._items: dict[str, TokenStates] = {}
        self._dirty = False
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, lengths, offsets, vectors = data["keys"], data["lengths"], data["offsets"], data["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return  # a damaged cache only costs time
        if vectors.ndim != 2 or vectors.shape[1] != self.width or int(lengths.sum()) != len(vectors):
            return
        start = 0
        for key, n in zip(keys, lengths, strict=True):
            self._items[str(key)] = TokenStates(offsets[start : start + n].astype(np.int32),
                                                vectors[start : start + n].astype(np.float16))
            start += int(n)

    def get(self, key: str) -> TokenStates | None:
        return self._items.get(key)

    def put(self, key: str, states: TokenStates) -> None:
        self._items.pop(key, None)
        self._items[key] = states
        while len(self._items) > MAX_CACHED_TEXTS:
            del self._items[next(iter(self._items))]
        self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty or not self._items:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        items = list(self._items.values())
        np.savez(tmp, keys=np.array(list(self._items), dtype="U64"), lengths=np.array([len(s) for s in items]),
                 offsets=np.concatenate([s.offsets for s in items]), vectors=np.concatenate([s.vectors for s in items]))
        os.replace(tmp, self.path)
        self._dirty = False


def _open(model_path: Path, n_ctx: int, n_threads: int, gpu: bool, capture: _Capture) -> llama_cpp.Llama:
    """A context whose scheduler calls ``capture`` for every tensor (``Llama`` exposes no ``cb_eval``: it
    builds its context from ``llama_context_default_params()``, so we hand it defaults that carry it)."""
    llama_log.quiet()  # llama.cpp's warnings off the terminal (inference/llama_log.py)
    llama_cpp.llama_backend_init()
    plan = backends.plan(gpu and os.environ.get("INHOUSE_GPU", "1") != "0")
    original = _bindings.llama_context_default_params

    def params() -> Any:
        p = original()
        p.cb_eval = capture.callback
        p.cb_eval_user_data = None
        return p

    error: Exception | None = None
    for n_gpu_layers in [plan.n_gpu_layers, 0] if plan.n_gpu_layers else [0]:
        with _PARAMS_LOCK:
            setattr(_bindings, "llama_context_default_params", params)  # noqa: B010 - the module Llama() reads
            try:
                return llama_cpp.Llama(model_path=str(model_path), n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                                       n_threads=n_threads, n_threads_batch=n_threads, n_gpu_layers=n_gpu_layers,
                                       verbose=False)
            except (ValueError, RuntimeError) as exc:
                error = exc
            finally:
                setattr(_bindings, "llama_context_default_params", original)  # noqa: B010
    raise ModelLoadFailed(f"llama.cpp could not load {model_path} to read its layers: {error}")
