"""API keys (the cloud's Anthropic key, the organisation server's key): in the OS keyring, with an
environment variable as the fallback (``ANTHROPIC_API_KEY``; ``INHOUSE_ORG_API_KEY``).

Each key is stored with the real ``keyring`` API (service ``inhouse``, user ``anthropic-api-key`` or
``org-api-key``; functions take ``tier="cloud" | "org"``): the macOS Keychain, Windows Credential Manager
or the Secret Service on Linux. When no keyring is available
(headless Linux without D-Bus: the ``fail`` backend, ``NoKeyringError``), reading falls back to the
environment and storing refuses with a message that says what to do; nothing is ever written to a file
by Inhouse. A plaintext backend (``keyrings.alt``) is refused unless explicitly allowed.

Nothing here prints or logs the key; ``key_status()`` only says whether one is set and where.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Literal

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from inference.errors import InhouseError, InputInvalid, KeyMissing

log = logging.getLogger(__name__)

SERVICE = "inhouse"
USERNAME = "anthropic-api-key"
ENV_VAR = "ANTHROPIC_API_KEY"
Tier = Literal["cloud", "org"]
USERNAMES: dict[str, str] = {"cloud": USERNAME, "org": "org-api-key"}
ENV_VARS: dict[str, str] = {"cloud": ENV_VAR, "org": "INHOUSE_ORG_API_KEY"}

KeySource = Literal["keyring", "session", "environment", "none"]
_UNAVAILABLE_BACKENDS = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")
_HEADLESS_HINT = (
    "No OS keyring is available (on headless Linux: run inside `dbus-run-session` with "
    "`gnome-keyring-daemon --unlock`, or install a Secret Service). Meanwhile set the "
    f"{ENV_VAR} environment variable for this session."
)


class KeyringUnavailable(InhouseError):
    hint = _HEADLESS_HINT


class PlaintextKeyringRefused(InhouseError):
    hint = (
        "The active keyring backend stores secrets unencrypted in a file. Configure a real keyring, "
        f"use the {ENV_VAR} variable, or pass --allow-plaintext if you accept this."
    )


@dataclass(frozen=True)
class KeyStatus:
    source: KeySource
    backend: str
    keyring_available: bool
    message: str

    @property
    def is_set(self) -> bool:
        return self.source != "none"


def backend_name(backend: KeyringBackend | None = None) -> str:
    kr = backend or keyring.get_keyring()
    return f"{type(kr).__module__}.{type(kr).__name__}"


def keyring_available(backend: KeyringBackend | None = None) -> bool:
    """False for the fail/null backends and for a chainer with nothing to chain."""
    kr = backend or keyring.get_keyring()
    if backend_name(kr) in _UNAVAILABLE_BACKENDS:
        return False
    chained = getattr(kr, "backends", None)
    return not (backend_name(kr).startswith("keyring.backends.chainer") and not chained)


def is_plaintext(backend: KeyringBackend | None = None) -> bool:
    """True when the backend (or one it chains to) writes secrets unencrypted, like keyrings.alt's."""
    kr = backend or keyring.get_keyring()
    chained = getattr(kr, "backends", None)
    parts = list(chained) if isinstance(chained, list | tuple) else [kr]
    return any(_plaintext_class(p) for p in parts)


_session_keys: dict[str, str] = {}  # keys the user chose to use until the app closes (no keyring here)


def use_for_session(key: str, tier: Tier = "cloud") -> None:
    """Keep ``key`` in this process's memory only, until it exits (where no OS keyring can store it)."""
    _session_keys[tier] = _checked(key)


def forget_session_key(tier: Tier = "cloud") -> bool:
    """Drop the tier's session-only key; True if there was one."""
    return _session_keys.pop(tier, None) is not None


def get_api_key(tier: Tier = "cloud") -> str | None:
    """The tier's key from the keyring, else its session-only key, else its environment variable, else None."""
    stored = _read_keyring(tier)
    if stored:
        return stored
    if tier in _session_keys:
        return _session_keys[tier]
    env = os.environ.get(ENV_VARS[tier], "").strip()
    return env or None


def require_api_key() -> str:
    """Like ``get_api_key`` but raises ``KeyMissing`` (with what to do) when there is none."""
    key = get_api_key()
    if key is None:
        raise KeyMissing("No Anthropic API key is set.")
    return key


def set_api_key(key: str, *, allow_plaintext: bool = False, tier: Tier = "cloud") -> None:
    """Store ``key`` in the OS keyring (never in a file of ours); verify it reads back."""
    key = _checked(key)
    if not keyring_available():
        raise KeyringUnavailable(f"Cannot store the key: no OS keyring is available ({backend_name()}).")
    if is_plaintext():
        if not allow_plaintext:
            raise PlaintextKeyringRefused(
                f"Not storing the key: the keyring backend {backend_name()} is plaintext"
            )
        log.warning("Storing the API key with %s, which keeps it unencrypted in a file", backend_name())
    try:
        keyring.set_password(SERVICE, USERNAMES[tier], key)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The keyring refused to store the key ({type(exc).__name__}).") from None
    if _read_keyring(tier) != key:
        raise KeyringUnavailable(f"The keyring ({backend_name()}) did not keep the key.")


def _checked(key: str) -> str:
    key = key.strip()
    if not key:
        raise InputInvalid("The API key is empty.", hint="Paste the key from your Anthropic console.")
    if any(ch.isspace() for ch in key) or not key.isprintable():
        raise InputInvalid("The API key contains spaces or control characters.", hint="Paste the key alone.")
    return key


def clear_api_key(tier: Tier = "cloud") -> bool:
    """Remove the stored key; True if one was removed. The environment variable is not touched."""
    if not keyring_available():
        raise KeyringUnavailable(f"Cannot clear the key: no OS keyring is available ({backend_name()}).")
    try:
        keyring.delete_password(SERVICE, USERNAMES[tier])
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The keyring refused to delete the key ({type(exc).__name__}).") from None
    return True


def key_status(tier: Tier = "cloud") -> KeyStatus:
    """Where the tier's key would come from, without revealing it."""
    name = backend_name()
    available = keyring_available()
    env_var = ENV_VARS[tier]
    in_keyring = bool(_read_keyring(tier))
    in_env = bool(os.environ.get(env_var, "").strip())
    if in_keyring:
        source: KeySource = "keyring"
        message = "An API key is stored in the OS keyring."
        if in_env:
            message += f" ({env_var} is also set; the keyring key is used.)"
    elif tier in _session_keys:
        source = "session"
        message = "An API key is kept for this session only: it is forgotten when Inhouse closes."
    elif in_env:
        source = "environment"
        message = f"Using the API key from the {env_var} environment variable."
    else:
        source = "none"
        message = "No API key is set. Store one with `inhouse key set`." if tier == "cloud" else (
            "No key is set for the organisation's server (it may need none). Store one with "
            "`inhouse key set --tier org`.")
    if not available:
        message += " " + _HEADLESS_HINT
    elif is_plaintext():
        message += " Warning: the keyring backend stores secrets unencrypted in a file."
    return KeyStatus(source=source, backend=name, keyring_available=available, message=message)


def _read_keyring(tier: Tier = "cloud") -> str | None:
    try:
        value = keyring.get_password(SERVICE, USERNAMES[tier])
    except (keyring.errors.KeyringError, RuntimeError) as exc:
        log.info("Keyring not readable (%s); falling back to %s", type(exc).__name__, ENV_VARS[tier])
        return None
    return value.strip() if value and value.strip() else None


def _plaintext_class(backend: object) -> bool:
    cls = type(backend)
    return cls.__module__.startswith("keyrings.alt") and "Plaintext" in cls.__name__
