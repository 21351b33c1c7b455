"""The process-wide egress guard: nothing leaves the device outside a permit.

``install()`` adds an audit hook (PEP 578) that sees every socket connect, send-to and name lookup
made through Python's ``socket`` module. Loopback (127.0.0.0/8, ::1, IPv4-mapped loopback,
"localhost") and AF_UNIX always pass. Anything else raises ``EgressBlocked`` unless the current
thread (or asyncio task: permits live in a ``ContextVar``) is inside ``permit(reason)``, which only a
consented escalation or a user-started model download opens. Attempts are logged on the
"inhouse.egress" logger and kept in memory for tests and ``inhouse doctor``.

Limits: traffic made by native code without Python's ``socket`` module (e.g. the Rust ``hf_xet``
downloader; set ``HF_HUB_DISABLE_XET=1``) and child processes are not seen by the hook.
Name lookups that asyncio runs in its executor threads do not inherit the permit: use sync clients.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from inference.errors import InhouseError, find_in_chain

log = logging.getLogger("inhouse.egress")

_HISTORY = 500  # attempts kept in memory, per kind
_AF_UNIX = getattr(socket, "AF_UNIX", None)
_INET = (socket.AF_INET, socket.AF_INET6)


class EgressBlocked(InhouseError, OSError):
    """A connection or name lookup to somewhere other than this device, outside a permit.

    Also an ``OSError``, so third-party code treats it like "network unreachable" and degrades
    gracefully; our code catches it by type.
    """

    hint = (
        "Inhouse only goes online for an escalation you approved or a model download you started. "
        "If you did neither, this was a bug: `inhouse doctor` lists blocked attempts."
    )


@dataclass(frozen=True)
class EgressAttempt:
    event: str  # the audit event, e.g. "socket.connect"
    target: str  # "192.0.2.1:443", "example.com"
    thread: str
    at: float  # time.time()
    permit: str = ""  # the permit's reason when allowed; "" when blocked


BlockedAttempt = EgressAttempt

_enabled = False
_hooked = False
_install_lock = threading.Lock()
_permits: ContextVar[tuple[str, ...]] = ContextVar("inhouse_egress_permits", default=())
_in_hook = threading.local()
_records_lock = threading.Lock()
_blocked: deque[EgressAttempt] = deque(maxlen=_HISTORY)
_allowed: deque[EgressAttempt] = deque(maxlen=_HISTORY)


# --- what is local -------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _is_loopback_host(host: str) -> bool:
    """True for "localhost" and loopback IP literals. Never resolves a name."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _host_text(host: object) -> str | None:
    if isinstance(host, bytes | bytearray):
        try:
            return bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return None
    return host if isinstance(host, str) else None


def _host_is_local(host: object) -> bool:
    text = _host_text(host)
    return text is not None and _is_loopback_host(text)


def _describe(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host = _host_text(address[0]) or repr(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return _host_text(address) or repr(address)


# --- per-event checks: return the target when it leaves the device, None when it is local ----------


def _socket_address(args: tuple[object, ...]) -> str | None:
    """socket.connect / sendto / sendmsg: (sock, address)."""
    sock, address = args[0], args[1]
    if address is None:  # sendmsg on a connected socket: its connect was already checked
        return None
    family = getattr(sock, "family", None)
    if _AF_UNIX is not None and family == _AF_UNIX:
        return None
    if family in _INET and isinstance(address, tuple) and address and _host_is_local(address[0]):
        return None
    return _describe(address)


def _lookup_host(args: tuple[object, ...]) -> str | None:
    """socket.getaddrinfo (host, port, ...), gethostbyname (name,), gethostbyaddr (ip,)."""
    host = args[0]
    if host is None or _host_is_local(host):
        return None
    return _host_text(host) or repr(host)


def _lookup_sockaddr(args: tuple[object, ...]) -> str | None:
    """socket.getnameinfo (sockaddr,)."""
    sockaddr = args[0]
    if isinstance(sockaddr, tuple) and sockaddr and _host_is_local(sockaddr[0]):
        return None
    return _describe(sockaddr)


_CHECKS: dict[str, Callable[[tuple[object, ...]], str | None]] = {
    "socket.connect": _socket_address,
    "socket.sendto": _socket_address,
    "socket.sendmsg": _socket_address,
    "socket.getaddrinfo": _lookup_host,
    "socket.gethostbyname": _lookup_host,  # also raised by gethostbyname_ex
    "socket.gethostbyaddr": _lookup_host,
    "socket.getnameinfo": _lookup_sockaddr,
}


# --- the hook ------------------------------------------------------------------------------------


def _record(event: str, target: str, reason: str) -> None:
    attempt = EgressAttempt(event, target, threading.current_thread().name, time.time(), reason)
    with _records_lock:
        (_allowed if reason else _blocked).append(attempt)
    if getattr(_in_hook, "logging", False):  # a log handler that itself goes online: do not recurse
        return
    _in_hook.logging = True
    try:
        if reason:
            log.info("allowed %s to %s (permit: %s)", event, target, reason)
        else:
            log.warning("blocked %s to %s: no egress permit", event, target)
    finally:
        _in_hook.logging = False


def _hook(event: str, args: tuple[object, ...]) -> None:
    check = _CHECKS.get(event)
    if check is None or not _enabled:
        return
    target = check(args)
    if target is None:
        return
    permits = _permits.get()
    _record(event, target, permits[-1] if permits else "")
    if not permits:
        raise EgressBlocked(f"Blocked a network attempt ({event}) to {target}: nothing leaves this device "
                            "without your consent.")


# --- public API ----------------------------------------------------------------------------------


def install() -> None:
    """Turn the guard on for this process (idempotent; the audit hook itself cannot be removed)."""
    global _enabled, _hooked
    with _install_lock:
        if not _hooked:
            sys.addaudithook(_hook)
            _hooked = True
        _enabled = True


def uninstall() -> None:
    """Let everything through again (the hook stays, switched off). For tests and embedding only."""
    global _enabled
    _enabled = False


def is_installed() -> bool:
    return _enabled


@contextmanager
def permit(reason: str) -> Iterator[None]:
    """Allow non-loopback traffic from this thread (or asyncio task) only, for the ``with`` block.

    Nestable; ``reason`` ("escalation to anthropic/claude-haiku-4-5", "model download ...") is logged
    with every connection it allows.
    """
    if not reason.strip():
        raise ValueError("an egress permit needs a reason")
    token = _permits.set((*_permits.get(), reason))
    log.info("egress permit opened: %s", reason)
    try:
        yield
    finally:
        _permits.reset(token)
        log.info("egress permit closed: %s", reason)


def is_permitted() -> bool:
    """Whether the current thread/task is inside a permit."""
    return bool(_permits.get())


def blocked_attempts() -> list[EgressAttempt]:
    with _records_lock:
        return list(_blocked)


def allowed_attempts() -> list[EgressAttempt]:
    with _records_lock:
        return list(_allowed)


def clear_attempts() -> None:
    with _records_lock:
        _blocked.clear()
        _allowed.clear()


def find_blocked(exc: BaseException) -> EgressBlocked | None:
    """The ``EgressBlocked`` behind ``exc`` (SDKs wrap it: APIConnectionError <- ConnectError <- ...)."""
    return find_in_chain(exc, EgressBlocked)
