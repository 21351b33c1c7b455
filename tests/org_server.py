"""The organisation's server in tests: llama-cpp-python's own OpenAI-compatible server with the starter model.

``org_server`` (session scope) starts ``python -m llama_cpp.server`` on a free port of 127.0.0.1 once,
waits until ``GET /v1/models`` answers, and always stops it. ``OrgProxy`` sits in front of it on another
loopback port: it records every request body and forwards it unchanged, and can be told to strip the
log-probabilities from the answers (a server that returns none), to answer an error status instead, or to
hold requests until several are in flight at once (``hold_until``; ``peak`` says how many were).

Use the fixtures with ``from tests.org_server import org_proxy, org_server  # noqa: F401``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

MODEL_ALIAS = "starter"
START_TIMEOUT_S = 180.0
HOLD_S = 120.0


@dataclass(frozen=True)
class OrgServer:
    url: str  # the base URL, ending in /v1
    model: str
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the org test server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    pytest.fail(f"the org test server did not start within {START_TIMEOUT_S:g} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def org_server(starter_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("org-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(starter_model_path), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048", "--model_alias", MODEL_ALIAS, "--n_threads", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, url, log)
        yield OrgServer(url, MODEL_ALIAS, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class OrgProxy:
    """Forwards to the real server; records bodies; may strip logprobs or answer an error instead."""

    upstream: str
    bodies: list[Any] = field(default_factory=list)
    strip_logprobs: bool = False
    fail_status: int | None = None
    hold_until: int = 0  # hold each request until this many are in flight at once (at most HOLD_S)
    peak: int = 0  # the most requests in flight at once
    _in_flight: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="org-proxy", daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def forward(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        target = self.upstream.removesuffix("/v1") + path
        request = urllib.request.Request(target, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def arrive(self) -> None:
        with self._changed:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._in_flight >= self.hold_until, timeout=HOLD_S)

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1

    def rewrite(self, payload: bytes) -> bytes:
        if not self.strip_logprobs:
            return payload
        data = json.loads(payload)
        for choice in data.get("choices", []):
            choice["logprobs"] = None
        return json.dumps(data).encode()


def _handler(proxy: OrgProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply(*proxy.forward("GET", self.path, None, {}))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            proxy.bodies.append(json.loads(body))
            if proxy.fail_status is not None:
                error = {"error": {"message": f"scripted failure {proxy.fail_status}", "type": "test"}}
                self._reply(proxy.fail_status, json.dumps(error).encode())
                return
            proxy.arrive()
            try:
                status, answer = proxy.forward("POST", self.path, body, {"content-type": "application/json"})
            finally:
                proxy.leave()
            self._reply(status, proxy.rewrite(answer) if status == 200 else answer)

    return Handler


@pytest.fixture
def org_proxy(org_server: OrgServer) -> Iterator[OrgProxy]:
    proxy = OrgProxy(org_server.url)
    proxy.start()
    yield proxy
    proxy.stop()
