"""The process-wide egress guard: nothing leaves the device outside a permit.

``install()`` adds an audit hook (PEP 578) that sees every socket connect, send-to and name lookup
made through Python's ``socket`` module. Loopback (127.0.0.0/8, ::1, IPv4-mapped loopback,
"localhost") and AF_UNIX always pass. Anything else raises ``EgressBlocked`` unless the current
thread (or asyncio task: permits live in a ``ContextVar``) is inside a permit for that host, which only
a consented (or admin-allowed) hop and a user-started model download open::

    with egress.permit("classify to cloud, consent allow_once", host="api.anthropic.com"):
        ...   # name lookups of api.anthropic.com, and connections to the addresses it resolves to
    with egress.permit("model download qwen", host=("huggingface.co", "*.hf.co")):
        ...   # "*.hf.co" matches any name under hf.co (a CDN the hub redirects to)

A permit is bound to its host names (IP literals allowed): a lookup of any other name, or a connection
to an address that is not one of the permitted names' addresses (as this machine resolves them), is
refused inside the permit too — a redirect or a proxy cannot take the bytes elsewhere. Each tier asks
for a permit for its own host (``app.sending`` does this per hop). Attempts are logged on the
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
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


@dataclass
class _Permit:
    reason: str
    patterns: tuple[str, ...]  # lower-case host names, IP literals, or "*.domain"
    resolved: dict[str, frozenset[str]] = field(default_factory=dict)  # permitted name -> its addresses
    seen: set[str] = field(default_factory=set)  # names looked up under this permit (wildcards included)

    def allows_name(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        return any(fnmatchcase(name, p) if p.startswith("*.") else name == p for p in self.patterns)

    def allows_address(self, address: str) -> bool:
        ip = _canonical_ip(address)
        if ip is None:
            return self.allows_name(address)
        if ip in {_canonical_ip(p) for p in self.patterns}:
            return True
        names = list(dict.fromkeys([p for p in self.patterns if not p.startswith("*.")] + sorted(self.seen)))
        if any(ip in self._addresses(name) for name in names):
            return True
        # DNS may answer with another subset of a name's addresses than a moment ago: ask once more
        return any(ip in self._addresses(name, fresh=True) for name in names)

    def _addresses(self, name: str, *, fresh: bool = False) -> frozenset[str]:
        if fresh or name not in self.resolved:
            self.resolved[name] = self.resolved.get(name, frozenset()) | _resolve(name)
        return self.resolved[name]


_permits: ContextVar[tuple[_Permit, ...]] = ContextVar("inhouse_egress_permits", default=())
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


def _canonical_ip(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _resolve(name: str) -> frozenset[str]:
    """The addresses ``name`` resolves to here (looked up by the guard itself, so not re-checked)."""
    _in_hook.resolving = True
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return frozenset()
    finally:
        _in_hook.resolving = False
    return frozenset(ip for info in infos if (ip := _canonical_ip(str(info[4][0]))) is not None)


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


_NAME_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname"})


def _host_of(target: str) -> str:
    """The host part of a target ("192.0.2.1:9", "[::1]:9", "example.com")."""
    if target.startswith("["):
        return target[1:].split("]", 1)[0]
    return target.rsplit(":", 1)[0] if target.count(":") == 1 else target


def _hook(event: str, args: tuple[object, ...]) -> None:
    check = _CHECKS.get(event)
    if check is None or not _enabled or getattr(_in_hook, "resolving", False):
        return
    target = check(args)
    if target is None:
        return
    permits = _permits.get()
    host = _host_of(target)
    name_event = event in _NAME_EVENTS
    permit = next((p for p in reversed(permits)
                   if (p.allows_name(host) if name_event else p.allows_address(host))), None)
    if permit is not None and name_event:
        permit.seen.add(host.lower().rstrip("."))
    _record(event, target, permit.reason if permit else "")
    if permit is None and permits:
        hosts = ", ".join(dict.fromkeys(p for q in permits for p in q.patterns))
        raise EgressBlocked(f"Blocked a network attempt ({event}) to {target}: the permit open here is for "
                            f"{hosts} only.")
    if permit is None:
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
def permit(reason: str, *, host: str | Sequence[str]) -> Iterator[None]:
    """Allow traffic to ``host`` (a name, an IP literal, "*.domain", or several) from this thread (or
    asyncio task) only, for the ``with`` block.

    Nestable; ``reason`` ("classify to cloud ...", "model download ...") is logged with every connection
    it allows.
    """
    if not reason.strip():
        raise ValueError("an egress permit needs a reason")
    hosts = (host,) if isinstance(host, str) else tuple(host)
    patterns = tuple(h.strip().lower().rstrip(".") for h in hosts if h.strip())
    if not patterns:
        raise ValueError("an egress permit needs the host it is for")
    token = _permits.set((*_permits.get(), _Permit(reason, patterns)))
    log.info("egress permit opened for %s: %s", ", ".join(patterns), reason)
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
