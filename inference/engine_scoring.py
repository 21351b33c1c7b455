"""The engine's scoring passes: log-probabilities of given tokens, never sampling.

``LocalEngine`` (``inference.engine``) owns the model, its lock and its prompt cache; these passes are
mixed into it and read the logits llama.cpp leaves after a decode:

- ``score_continuations``: the total log-probability of each fixed continuation (labels) after a prompt;
- ``token_logprobs``: each token's log-probability when a text follows a prompt (teacher forcing);
- ``score_paths``: every token of every path, and some "watch" tokens after each (span scoring);
- ``next_logprobs``: the distribution of the token after a prompt (span scoring's cheap pre-score).

Continuations and paths share the prompt's KV cells in parallel sequences of one unified cache
(``llama_memory_seq_cp`` copies no data), decoded together in as few batches as fit (NOTES A2); the
sequences are dropped and ``n_tokens`` rewound to the prompt afterwards, so the next call reuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import llama_cpp
import numpy as np

from inference.cancel import CancelToken
from inference.errors import OutOfMemory

if TYPE_CHECKING:
    from inference.engine import EngineConfig

PARALLEL_SEQS = 16  # sequences in the one unified KV cache: seq 0 is the prompt, 1.. are labels or paths
FloatArray32 = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True)
class PathScores:
    """``tokens[j]``: log-probability of a path's token j; ``watch[j, w]``: of watch token w right after it."""

    tokens: FloatArray32
    watch: FloatArray32


class ScoringPasses:
    """Scoring over the loaded model; the host class provides the model, its lock and the prompt feed."""

    config: EngineConfig
    lock: threading.RLock
    _llm: llama_cpp.Llama
    _n_vocab: int

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    def _check_fits(self, n: int) -> None:
        raise NotImplementedError

    def _feed(self, tokens: Sequence[int]) -> int:
        raise NotImplementedError

    def fit_threads(self) -> int:
        raise NotImplementedError

    # -- the passes ------------------------------------------------------------------------------
    def score_continuations(
        self,
        prompt: Sequence[int],
        continuations: Sequence[Sequence[int]],
        cancel: CancelToken | None = None,
    ) -> list[float]:
        """Total log-probability of each continuation after ``prompt``, sharing the prompt's KV state.

        The prompt is evaluated once. Each continuation's first token is scored from the prompt's logits;
        the remaining tokens go into batched decodes, each continuation in its own sequence.
        """
        with self.lock:
            if any(not c for c in continuations):
                raise ValueError("empty continuation")
            depth = len(prompt)
            self._check_fits(depth + max((len(c) for c in continuations), default=0))
            self.fit_threads()
            self._feed(prompt)
            first_lp = self._row_distribution(-1)
            tails = [0.0] * len(continuations)
            for group in self._groups(depth, continuations, fed=-1):
                if cancel:
                    cancel.check()
                self._score_group(depth, continuations, group, tails)
            self._llm.n_tokens = depth
            return [float(first_lp[c[0]]) + t for c, t in zip(continuations, tails, strict=True)]

    def token_logprobs(self, prompt: Sequence[int], continuation: Sequence[int],
                       cancel: CancelToken | None = None) -> list[float]:
        """Each token's log-probability when ``continuation`` follows ``prompt`` (teacher forcing): one
        pass over the continuation on top of the prompt's cached state (so any text can be scored)."""
        with self.lock:
            if not continuation:
                return []
            depth = len(prompt)
            self._check_fits(depth + len(continuation))
            self.fit_threads()
            self._feed(prompt)
            out = [float(self._row_distribution(-1)[continuation[0]])]
            llm = self._llm
            for start in range(0, len(continuation) - 1, self.config.n_batch):
                if cancel:
                    cancel.check()
                piece = list(continuation[start : start + self.config.n_batch + 1])
                llm.n_tokens = depth + start
                out += self._row_logprobs(depth + start, piece)
            llm.n_tokens = depth
            return out

    def next_logprobs(self, prompt: Sequence[int]) -> FloatArray32:
        """Log-probabilities over the vocabulary of the token after ``prompt`` (the prompt stays cached, so a
        ``score_paths`` on it next costs one token)."""
        with self.lock:
            self._check_fits(len(prompt))
            self.fit_threads()
            self._feed(prompt)
            return self._row_distribution(-1).copy()

    def score_paths(
        self, prompt: Sequence[int], paths: Sequence[Sequence[int]], watch: Sequence[int],
        cancel: CancelToken | None = None,
    ) -> list[PathScores]:
        """For each token path after ``prompt``: the log-probability of each of its tokens, and of each
        ``watch`` token right after each of its tokens (one decode reads every prefix of every path).

        Like ``score_continuations``, the paths share the prompt's KV cells in parallel sequences; unlike
        it, every token of a path is fed, so ``watch`` (e.g. the end of the answer) is read after the last
        one too. Used to score every prefix of a span as a complete answer in one pass.
        """
        with self.lock:
            if any(not p for p in paths):
                raise ValueError("empty path")
            depth = len(prompt)
            self._check_fits(depth + max((len(p) for p in paths), default=0))
            self.fit_threads()  # the free cores now: 2 threads on a 2-core machine with one busy are 6x slower
            self._feed(prompt)
            first = self._row_distribution(-1)
            out = [PathScores(np.zeros(len(p), np.float32), np.zeros((len(p), len(watch)), np.float32))
                   for p in paths]
            for i, path in enumerate(paths):
                out[i].tokens[0] = first[path[0]]
            for group in self._groups(depth, paths, fed=0):
                if cancel:
                    cancel.check()
                self._path_group(depth, paths, group, list(watch), out)
            self._llm.n_tokens = depth
            return out

    # -- one decode of parallel sequences --------------------------------------------------------
    def _groups(self, depth: int, conts: Sequence[Sequence[int]], fed: int) -> Iterator[list[int]]:
        """Split continuation indexes into decodes that fit the batch, the sequence ids and the cache
        (``fed``: tokens of each continuation that go into the decode, relative to its length)."""
        group: list[int] = []
        used = 0
        room = min(self.config.n_batch, self.n_ctx - depth)
        for idx in range(len(conts)):
            need = len(conts[idx]) + fed
            if need == 0:
                continue
            if group and (used + need > room or len(group) >= PARALLEL_SEQS - 1):
                yield group
                group, used = [], 0
            group.append(idx)
            used += need
        if group:
            yield group

    def _score_group(self, depth: int, conts: Sequence[Sequence[int]], group: list[int], tails: list[float]) -> None:
        def read(k: int, row: int, j: int) -> None:
            tails[group[k]] += self._logprob_at(row, conts[group[k]][j + 1])

        self._decode_sequences(depth, [conts[idx][:-1] for idx in group], "labels", read)

    def _path_group(self, depth: int, paths: Sequence[Sequence[int]], group: list[int], watch: list[int],
                    out: list[PathScores]) -> None:
        def read(k: int, row: int, j: int) -> None:
            logprobs = self._row_distribution(row)
            path = paths[group[k]]
            if j + 1 < len(path):
                out[group[k]].tokens[j + 1] = logprobs[path[j + 1]]
            out[group[k]].watch[j] = logprobs[watch]

        self._decode_sequences(depth, [paths[idx] for idx in group], "spans", read)

    def _decode_sequences(self, depth: int, pieces: Sequence[Sequence[int]], what: str,
                          read: Callable[[int, int, int], None]) -> None:
        """Decode piece k in sequence k+1 on top of the prompt's cells (positions ``depth``...), with
        logits for every row; then ``read(k, batch row, position in the piece)`` for each token, and drop
        the sequences again (also when the decode fails)."""
        llm = self._llm
        memory = llm._ctx.memory
        llm._ctx.kv_cache_seq_rm(-1, depth, -1)
        batch = llm._batch.batch
        rows: list[tuple[int, int, int]] = []
        n = 0
        for k, piece in enumerate(pieces):
            llama_cpp.llama_memory_seq_cp(memory, 0, k + 1, 0, depth)
            for j, token in enumerate(piece):
                batch.token[n], batch.pos[n], batch.n_seq_id[n], batch.logits[n] = token, depth + j, 1, True
                batch.seq_id[n][0] = k + 1
                rows.append((k, n, j))
                n += 1
        batch.n_tokens = n
        try:
            if llama_cpp.llama_decode(llm.ctx, batch) != 0:
                raise OutOfMemory(f"llama.cpp could not score the {what} (no room in the context).")
            for k, row, j in rows:
                read(k, row, j)
        finally:
            for seq in range(1, len(pieces) + 1):
                llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)

    def _row_logprobs(self, at: int, piece: list[int]) -> list[float]:
        """Decode ``piece[:-1]`` at position ``at`` (sequence 0) with logits for every row; return the
        log-probability of each next token ``piece[1:]``."""
        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, at, -1)
        batch = llm._batch.batch
        for n, token in enumerate(piece[:-1]):
            batch.token[n], batch.pos[n], batch.n_seq_id[n], batch.logits[n] = token, at + n, 1, True
            batch.seq_id[n][0] = 0
        batch.n_tokens = len(piece) - 1
        if llama_cpp.llama_decode(llm.ctx, batch) != 0:
            raise OutOfMemory("llama.cpp could not score the text (no room in the context).")
        return [self._logprob_at(n, piece[n + 1]) for n in range(len(piece) - 1)]

    # -- reading logits --------------------------------------------------------------------------
    def _row_distribution(self, row: int) -> FloatArray32:
        """Log-probabilities over the vocabulary after batch row ``row`` (-1: the last one decoded)."""
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._llm.ctx, row), shape=(self._n_vocab,))
        top = float(logits.max())
        result: FloatArray32 = (logits - (top + np.log(np.exp(logits - top).sum()))).astype(np.float32, copy=False)
        return result

    def _logprob_at(self, row: int, token: int) -> float:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._llm.ctx, row), shape=(self._n_vocab,))
        top = float(logits.max())
        return float(logits[token]) - top - float(np.log(np.exp(logits - top).sum()))
