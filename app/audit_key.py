"""The key that signs the audit log (see :mod:`app.audit`): 256 random bits in the OS keyring.

Service ``inhouse``, user ``audit-key``, stored as hex. Created the first time a row is written; read
when a row is written or the log is verified (never at start-up: on macOS a keyring read can prompt).
With no usable keyring (the fail/null backends, a plaintext backend, an error) there is no key: rows are
written unsigned and ``audit verify`` says so. The key never leaves the keyring except into this process.
"""

from __future__ import annotations

import logging
import secrets
import threading

log = logging.getLogger(__name__)

USERNAME = "audit-key"
KEY_BYTES = 32
_create_lock = threading.Lock()  # threads of one process never create two keys


def load(*, create: bool) -> bytes | None:
    """The audit key; with ``create``, make and store one when there is none. None without a keyring."""
    from app.secrets import is_plaintext, keyring_available  # keyring loads when a row is written (#11)

    if not keyring_available() or is_plaintext():
        return None
    with _create_lock:
        return _load(create)


def _load(create: bool) -> bytes | None:
    import keyring
    import keyring.errors

    from app.secrets import SERVICE

    try:
        stored = keyring.get_password(SERVICE, USERNAME)
        if stored:
            return bytes.fromhex(stored)
        if not create:
            return None
        keyring.set_password(SERVICE, USERNAME, secrets.token_hex(KEY_BYTES))
        stored = keyring.get_password(SERVICE, USERNAME)
        return bytes.fromhex(stored) if stored else None
    except (keyring.errors.KeyringError, RuntimeError, ValueError) as exc:
        log.warning("audit key unavailable (%s): rows are written unsigned", type(exc).__name__)
        return None
