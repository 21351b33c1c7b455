"""The local engine: one owner of one llama.cpp model, behind one lock.

- Checks the GGUF file before llama.cpp sees it (missing / not GGUF / truncated).
- Offloads all layers to the GPU when the build can, and falls back to the CPU when that fails.
- Reuses the KV cache for the longest shared prompt prefix (task instructions and few-shot examples are
  evaluated once, not per message).
- Scores fixed continuations (labels), texts and span paths sharing the prompt's KV state: the scoring
  passes live in ``inference.engine_scoring`` (mixed in; NOTES A2).
- Greedy generation that records each token's log-probability under the model, with an optional grammar
  and cancellation between tokens.
- Before every request, sets llama.cpp's thread counts to the cores free now (``inference.threads``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp import llama_cpp as _bindings
from llama_cpp.llama_grammar import LlamaGrammar

from inference import backend as backends
from inference import llama_log
from inference.cancel import CancelToken as CancelToken
from inference.engine_scoring import PARALLEL_SEQS, ScoringPasses
from inference.engine_scoring import PathScores as PathScores  # re-exported: part of the engine API
from inference.errors import ContextOverflow, InhouseError, ModelLoadFailed, OutOfMemory
from inference.gguf import GgufInfo, inspect_gguf
from inference.prompting import ChatPrompter
from inference.threads import ThreadChooser

_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def _parallel_sequences() -> Iterator[None]:
    """Create contexts that allow several sequences over one unified KV cache (same memory as one).

    ``Llama`` exposes no ``n_seq_max``; it builds its context from ``llama_context_default_params()``,
    so we hand it defaults with ``n_seq_max`` raised and ``kv_unified`` set while it is constructed.
    """
    original = llama_cpp.llama_context_default_params

    def params() -> Any:
        p = original()
        p.n_seq_max = PARALLEL_SEQS
        p.kv_unified = True
        return p

    with _PARAMS_LOCK:
        setattr(_bindings, "llama_context_default_params", params)  # noqa: B010 - the module Llama() reads
        try:
            yield
        finally:
            setattr(_bindings, "llama_context_default_params", original)  # noqa: B010


@dataclass(frozen=True)
class EngineConfig:
    model_path: Path
    n_ctx: int = 4096
    n_batch: int = 512
    n_threads: int | None = None  # None: fitted to the free cores before each request; a number: fixed
    seed: int = 0
    gpu: bool = True  # try GPU offload when the build supports it


@dataclass(frozen=True)
class Generation:
    text: str
    tokens: tuple[int, ...]
    logprobs: tuple[float, ...]  # each generated token's log-probability under the model
    prompt_tokens: int
    finish: str  # "stop" (end of turn / EOS) | "length"


class LocalEngine(ScoringPasses):
    """A loaded GGUF model. Thread-safe: every call holds the engine's lock."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.info: GgufInfo = inspect_gguf(config.model_path)
        self.lock = threading.RLock()
        self.threads = ThreadChooser(config.n_threads)
        self.n_threads = self.threads.ceiling  # what the context uses now (prompt and generation alike)
        self.backend, self._llm = self._load(config)
        self.prompter = ChatPrompter.from_llama(self._llm)
        self._n_vocab = self._llm.n_vocab()
        self._eog = {t for t in range(self._n_vocab) if llama_cpp.llama_vocab_is_eog(self._vocab(), t)}

    # -- loading ---------------------------------------------------------------------------------
    def _load(self, config: EngineConfig) -> tuple[backends.BackendInfo, llama_cpp.Llama]:
        llama_log.quiet()  # llama.cpp's warnings off the terminal (inference/llama_log.py)
        llama_cpp.llama_backend_init()
        plan = backends.plan(config.gpu and os.environ.get("INHOUSE_GPU", "1") != "0")
        try:
            return plan, self._open(config, plan.n_gpu_layers)
        except (ValueError, RuntimeError) as exc:
            if plan.n_gpu_layers == 0:
                raise self._load_error(exc) from exc
            fallback = backends.cpu_fallback(plan, str(exc))
            try:
                return fallback, self._open(config, 0)
            except (ValueError, RuntimeError) as exc2:
                raise self._load_error(exc2) from exc2

    def _open(self, config: EngineConfig, n_gpu_layers: int) -> llama_cpp.Llama:
        with _parallel_sequences():
            return llama_cpp.Llama(
                model_path=str(config.model_path),
                n_ctx=config.n_ctx,
                n_batch=config.n_batch,
                n_ubatch=config.n_batch,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,  # else llama-cpp-python takes every core
                n_gpu_layers=n_gpu_layers,
                seed=config.seed,
                logits_all=False,
                verbose=False,
            )

    def _load_error(self, exc: Exception) -> InhouseError:
        text = str(exc)
        if "context" in text:
            return OutOfMemory(f"Could not create a {self.config.n_ctx}-token context for the model: {text}")
        return ModelLoadFailed(f"llama.cpp could not load {self.config.model_path}: {text}")

    def _vocab(self) -> Any:
        return llama_cpp.llama_model_get_vocab(self._llm.model)

    @property
    def model_name(self) -> str:
        """The file name without extension, e.g. ``SmolLM2-135M-Instruct.Q4_1``."""
        return self.config.model_path.stem

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    def close(self) -> None:
        with self.lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None  # type: ignore[assignment]

    # -- tokens ----------------------------------------------------------------------------------
    def tokenize(self, text: str, *, special: bool = True) -> list[int]:
        with self.lock:
            return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def detokenize(self, tokens: Sequence[int]) -> str:
        with self.lock:
            return self._llm.detokenize(list(tokens)).decode("utf-8", errors="replace")

    def detokenize_bytes(self, tokens: Sequence[int]) -> bytes:
        """The tokens' bytes: a multi-byte character may be split between two calls (decode them together)."""
        with self.lock:
            return bytes(self._llm.detokenize(list(tokens)))

    def token_piece(self, token: int) -> bytes:
        return bytes(self._llm.detokenize([token]))

    def is_end_of_generation(self, token: int) -> bool:
        return token in self._eog

    @property
    def end_of_turn(self) -> int:
        """The token the chat template ends an assistant turn with (else EOS)."""
        return self.prompter.end_of_turn_token(self) or int(self._llm.token_eos())

    # -- threads ---------------------------------------------------------------------------------
    def fit_threads(self) -> int:
        """Use as many threads as there are free cores now (see ``inference.threads``); returns the count."""
        with self.lock:
            n = self.threads.choose()
            if n != self.n_threads:
                llama_cpp.llama_set_n_threads(self._llm.ctx, n, n)
                self.n_threads = n
            return n

    # -- evaluation ------------------------------------------------------------------------------
    def _check_fits(self, n: int) -> None:
        if n > self.n_ctx:
            raise ContextOverflow(f"The input needs {n} tokens but the model's context holds {self.n_ctx}.")

    def _feed(self, tokens: Sequence[int]) -> int:
        """Make the model state equal ``tokens`` with fresh logits for the last one; return tokens reused."""
        self._check_fits(len(tokens))
        llm = self._llm
        common = 0
        for a, b in zip(llm.input_ids[: llm.n_tokens], tokens, strict=False):
            if a != b:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # always re-evaluate at least the last token for logits
        llm.n_tokens = common
        self._eval(tokens[common:])
        return common

    def _eval(self, tokens: Sequence[int]) -> None:
        try:
            self._llm.eval(list(tokens))
        except RuntimeError as exc:
            raise OutOfMemory(f"llama.cpp failed to evaluate the prompt: {exc}") from exc

    def forward(self, tokens: Sequence[int]) -> None:
        """One forward pass over ``tokens`` from an empty cache (the floor the bench compares against)."""
        with self.lock:
            self.fit_threads()
            self._llm.reset()  # type: ignore[no-untyped-call]
            self._check_fits(len(tokens))
            self._eval(tokens)

    def generate(
        self,
        prompt: Sequence[int],
        max_tokens: int,
        *,
        grammar: LlamaGrammar | None = None,
        cancel: CancelToken | None = None,
        on_token: Callable[[str], None] | None = None,
        stop: Callable[[str], bool] | None = None,
    ) -> Generation:
        """Greedy decoding (temperature 0) of at most ``max_tokens`` tokens, stopping at end of turn, or
        when ``stop(text so far)`` says so (e.g. a one-sentence answer that has its sentence)."""
        with self.lock:
            self._check_fits(len(prompt) + 1)
            self.fit_threads()
            max_tokens = max(1, min(max_tokens, self.n_ctx - len(prompt)))
            tokens: list[int] = []
            logprobs: list[float] = []
            finish = "length"
            shown = ""  # what on_token has been given: whole characters, decoded from all the tokens so far
            for token in self._tokens(prompt, grammar):
                if cancel:
                    cancel.check()
                if token in self._eog:
                    finish = "stop"
                    break
                tokens.append(token)
                logprobs.append(self._logprob_at(-1, token))
                now = generated_text(self._llm.detokenize(tokens)) if on_token or stop else ""
                if on_token and len(now) > len(shown):
                    on_token(now[len(shown) :])
                    shown = now
                if len(tokens) >= max_tokens:
                    break
                if stop and stop(now):
                    finish = "stop"
                    break
            text = generated_text(self._llm.detokenize(tokens))
            return Generation(text, tuple(tokens), tuple(logprobs), len(prompt), finish)

    def _tokens(self, prompt: Sequence[int], grammar: LlamaGrammar | None) -> Iterator[int]:
        try:
            yield from self._llm.generate(
                list(prompt), temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, grammar=grammar
            )
        except RuntimeError as exc:
            raise OutOfMemory(f"llama.cpp failed during generation: {exc}") from exc
        finally:
            self._llm._sampler = None  # grammar state belongs to this call only


def generated_text(data: bytes) -> str:
    """Generated bytes as text, decoded across token boundaries: a character whose bytes are split between
    tokens is decoded whole, and bytes that are no character (a generation cut inside one, or invalid
    output) are left out, so no U+FFFD appears that the model did not write as a whole character."""
    return data.decode("utf-8", errors="ignore")


@contextlib.contextmanager
def open_engine(config: EngineConfig) -> Iterator[LocalEngine]:
    engine = LocalEngine(config)
    try:
        yield engine
    finally:
        engine.close()
