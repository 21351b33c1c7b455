"""llama.cpp's own log, kept off the user's terminal.

llama.cpp writes its log through one callback. llama-cpp-python installs one that prints to stderr what
it takes for errors, but its table of levels is older than the llama.cpp it builds (today NONE 0, DEBUG 1,
INFO 2, WARN 3, ERROR 4, CONT 5), so warnings such as "model default pooling_type is [-1], but [1] was
specified" (every embedding context: `inhouse classifiers train`, a trained classify) reached the terminal
even with ``verbose=False``. ``quiet()`` replaces it with one that hands every line to the Python logger
``llama.cpp`` at DEBUG level: nothing on stderr, still there for whoever turns logging on. llama.cpp's
failures reach the user as our typed errors (``ModelLoadFailed``...), raised where the call fails.

Every module that builds a ``llama_cpp.Llama`` calls ``quiet()`` first (engine, embedding, token features).
"""

from __future__ import annotations

import ctypes
import logging
import threading

import llama_cpp

log = logging.getLogger("llama.cpp")
_lock = threading.Lock()
_installed: list[bool] = []


def _to_logging(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s", text.decode("utf-8", "replace").rstrip("\n"))


_CALLBACK = llama_cpp.llama_log_callback(_to_logging)  # a ctypes function: kept alive by this module


def quiet() -> None:
    """Route llama.cpp's log to the ``llama.cpp`` logger (DEBUG) from now on; idempotent."""
    with _lock:
        if not _installed:
            llama_cpp.llama_log_set(_CALLBACK, ctypes.c_void_p(0))
            _installed.append(True)
