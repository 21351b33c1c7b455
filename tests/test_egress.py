"""The egress guard: real sockets, a real loopback server, and a TEST-NET address the guard refuses.

192.0.2.1 (TEST-NET-1) is only ever contacted inside a permit, with a 0.2 s timeout: everywhere else
the guard refuses before anything is sent.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import egress
from app.egress import EgressBlocked
from inference.errors import InhouseError

TEST_NET = "192.0.2.1"


@pytest.fixture(autouse=True)
def _guard_on(guard: None) -> None:
    """Every test here runs with the guard on (the ``guard`` fixture is in conftest.py)."""


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, int]]:
    """An echo server on 127.0.0.1 answering one connection at a time."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # so the loop notices ``stop`` quickly
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                conn.sendall(conn.recv(64))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[:2]
    stop.set()
    thread.join(timeout=5)
    server.close()


def _connect_test_net() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        sock.connect((TEST_NET, 9))


def test_connect_to_a_remote_address_is_blocked_and_recorded() -> None:
    with pytest.raises(EgressBlocked) as info:
        _connect_test_net()
    assert isinstance(info.value, InhouseError) and isinstance(info.value, OSError)
    assert "192.0.2.1:9" in str(info.value) and "consent" in str(info.value)
    assert info.value.hint
    [attempt] = egress.blocked_attempts()
    assert (attempt.event, attempt.target, attempt.permit) == ("socket.connect", "192.0.2.1:9", "")
    assert attempt.thread == threading.current_thread().name
    assert egress.allowed_attempts() == []


def test_blocked_attempt_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inhouse.egress"), pytest.raises(EgressBlocked):
        _connect_test_net()
    assert any("192.0.2.1:9" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_create_connection_is_refused_before_any_packet() -> None:
    with pytest.raises(EgressBlocked):
        socket.create_connection((TEST_NET, 443), timeout=0.2)
    assert [a.event for a in egress.blocked_attempts()] == ["socket.getaddrinfo"]


@pytest.mark.parametrize(
    "lookup",
    [
        lambda: socket.getaddrinfo("example.com", 443),
        lambda: socket.getaddrinfo(b"example.com", 443),
        lambda: socket.gethostbyname("example.com"),
        lambda: socket.gethostbyname_ex("example.com"),
        lambda: socket.gethostbyaddr(TEST_NET),
        lambda: socket.getnameinfo((TEST_NET, 80), 0),
        lambda: socket.getaddrinfo("127.1", 80),  # not a loopback literal to us: names are never resolved
        lambda: socket.getaddrinfo("127.0.0.1.nip.io", 80),
        lambda: socket.getaddrinfo("::ffff:192.0.2.1", 80),
    ],
    ids=["getaddrinfo", "getaddrinfo-bytes", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
         "getnameinfo", "short-ip", "loopback-lookalike", "mapped-remote"],
)
def test_name_resolution_of_remote_names_is_blocked(lookup: object) -> None:
    with pytest.raises(EgressBlocked):
        lookup()  # type: ignore[operator]
    assert len(egress.blocked_attempts()) == 1


def test_udp_sendto_a_remote_address_is_blocked() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(EgressBlocked):
        sock.sendto(b"x", (TEST_NET, 9))
    assert egress.blocked_attempts()[0].event == "socket.sendto"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_loopback_connections_work(loopback_server: tuple[str, int], host: str) -> None:
    port = loopback_server[1]
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(b"ping")
        assert conn.recv(64) == b"ping"
    assert egress.blocked_attempts() == []


@pytest.mark.parametrize("host", ["127.5.5.5", "::1", "::ffff:127.0.0.1", "::1%1"])
def test_loopback_literals_pass_without_resolution(host: str) -> None:
    socket.getaddrinfo(host, 80, flags=socket.AI_NUMERICHOST)
    assert egress.blocked_attempts() == []


@pytest.mark.skipif(sys.platform == "win32", reason="AF_UNIX paths")
def test_unix_sockets_are_always_allowed(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
    assert egress.blocked_attempts() == []


def test_permit_lets_the_attempt_through_and_records_why() -> None:
    with egress.permit("escalation to anthropic/claude-haiku-4-5", host=TEST_NET):
        assert egress.is_permitted()
        try:
            _connect_test_net()
        except EgressBlocked:  # pragma: no cover - the assertion below explains the failure
            pytest.fail("a permitted connection was blocked")
        except OSError:
            pass  # no network here: timeout or unreachable, after the guard let it through
    assert not egress.is_permitted()
    [attempt] = egress.allowed_attempts()
    assert (attempt.target, attempt.permit) == ("192.0.2.1:9", "escalation to anthropic/claude-haiku-4-5")
    assert egress.blocked_attempts() == []


def test_permits_nest_and_close() -> None:
    with egress.permit("outer", host=TEST_NET):
        with egress.permit("inner", host=TEST_NET):
            socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)
        socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)
    with pytest.raises(EgressBlocked):
        socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)
    assert [a.permit for a in egress.allowed_attempts()] == ["inner", "outer"]


def test_a_permit_in_one_thread_does_not_open_another() -> None:
    inside = threading.Event()
    done = threading.Event()
    outcome: list[BaseException | None] = []

    def other_thread() -> None:
        inside.wait(5)
        try:
            socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        done.set()

    worker = threading.Thread(target=other_thread, name="not-permitted")
    worker.start()
    with egress.permit("main thread only", host=TEST_NET):
        inside.set()
        assert done.wait(5)
        socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)  # still open here
    worker.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], EgressBlocked)
    assert [a.thread for a in egress.blocked_attempts()] == ["not-permitted"]


def test_permit_needs_a_reason() -> None:
    with pytest.raises(ValueError), egress.permit("  ", host=TEST_NET):
        pass
    with pytest.raises(ValueError), egress.permit("no host", host=()):
        pass


# -- a permit is bound to its host --------------------------------------------------------------------


def test_a_permit_for_one_host_refuses_every_other_address_and_name() -> None:
    """The attack: a consented request redirected (or proxied) to a second host inside the permit."""
    with egress.permit("classify to cloud", host="192.0.2.1"):
        with pytest.raises(EgressBlocked, match="192.0.2.1 only"):
            socket.getaddrinfo("198.51.100.7", 443, flags=socket.AI_NUMERICHOST)
        with pytest.raises(EgressBlocked, match="192.0.2.1 only"):
            socket.getaddrinfo("attacker.example", 443)
        with pytest.raises(EgressBlocked):
            _connect("198.51.100.7")
        socket.getaddrinfo(TEST_NET, 443, flags=socket.AI_NUMERICHOST)  # the permitted host itself
    assert [a.target for a in egress.blocked_attempts()] == ["198.51.100.7", "attacker.example", "198.51.100.7:9"]


def test_a_named_permit_allows_only_the_addresses_that_name_resolves_to() -> None:
    with egress.permit("org server", host="localhost.test"), pytest.raises(EgressBlocked):  # resolves to nothing
        _connect(TEST_NET)
    with egress.permit("hub download", host=("*.hf.co",)):
        with pytest.raises(EgressBlocked):
            socket.getaddrinfo("hf.co.attacker.example", 443)
        with contextlib.suppress(OSError):  # allowed by the guard; no DNS here
            socket.getaddrinfo("cdn.hf.co", 443)
        assert egress.blocked_attempts()[-1].target == "hf.co.attacker.example"


def test_install_is_idempotent_and_uninstall_switches_it_off() -> None:
    egress.install()
    egress.install()
    with pytest.raises(EgressBlocked):
        socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)
    assert len(egress.blocked_attempts()) == 1  # one hook, not three
    egress.uninstall()
    assert not egress.is_installed()
    socket.getaddrinfo(TEST_NET, 9, flags=socket.AI_NUMERICHOST)  # numeric: nothing is sent
    assert len(egress.blocked_attempts()) == 1
    egress.install()
    assert egress.is_installed()


def test_a_log_handler_that_goes_online_does_not_recurse() -> None:
    emitted: list[str] = []

    class NetworkHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            emitted.append(record.getMessage())
            with contextlib.suppress(EgressBlocked):
                socket.getaddrinfo("logs.example.com", 514)

    handler = NetworkHandler()
    logger = logging.getLogger("inhouse.egress")
    logger.addHandler(handler)
    try:
        with pytest.raises(EgressBlocked):
            socket.gethostbyname("example.com")
    finally:
        logger.removeHandler(handler)
    assert len(emitted) == 1
    assert [a.target for a in egress.blocked_attempts()] == ["example.com", "logs.example.com"]


def _connect(address: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        sock.connect((address, 9))


def test_the_cli_installs_the_guard() -> None:
    from app.cli import main

    egress.uninstall()
    assert main(["policy", "path"]) == 0
    assert egress.is_installed()


def test_find_blocked_sees_through_wrapping_exceptions() -> None:
    class ConnectError(Exception):
        pass

    try:
        try:
            socket.getaddrinfo("api.example.com", 443)
        except OSError as exc:
            raise ConnectError("wrapped") from exc
    except ConnectError as wrapped:
        found = egress.find_blocked(wrapped)
        assert isinstance(found, EgressBlocked) and "api.example.com" in str(found)
    assert egress.find_blocked(ValueError("unrelated")) is None


def test_a_wildcard_permit_allows_the_addresses_of_the_names_looked_up_under_it() -> None:
    """A model download: the hub redirects to a CDN name under *.hf.co; its addresses pass, others not."""
    with egress.permit("hub download", host=("*.example.test",)):
        socket.getaddrinfo("localhost", 443)  # loopback: always allowed, not recorded
        with contextlib.suppress(OSError):
            socket.getaddrinfo("cdn.example.test", 443)  # allowed by the guard; resolves to nothing here
        with pytest.raises(EgressBlocked):
            _connect(TEST_NET)  # not an address of any permitted name
