"""A fake Anthropic Messages API on 127.0.0.1 for tests that drive the real ``anthropic`` SDK.

The server records every request (path, headers, parsed JSON body) and answers ``POST /v1/messages``
from a script filled by the test::

    server.reply_text("spam", input_tokens=12, output_tokens=1)
    server.reply_json({"name": "Ada"})
    server.fail(429, times=1, retry_after=0.01)   # Anthropic error JSON, retry-after(-ms) headers
    server.hang(2.0)                              # bounded; released at shutdown
    server.drop()                                 # read the whole body, then close without answering
    server.redirect("http://127.0.0.1:9/v1/messages")   # 307 to another host
    server.malformed("json")                      # "json": broken body; "shape": wrong shape; "empty"

With an empty script it answers 400 (``x-should-retry: false``) so a missing reply fails loudly.
``POST /v1/messages/count_tokens`` answers a character-based count. Only loopback is ever bound.

Use the ``fake_anthropic`` fixture (``from tests.fake_anthropic import fake_anthropic  # noqa: F401``):
it starts a server, points ``ANTHROPIC_BASE_URL`` at it and shuts it down after the test.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

MAX_HANG_S = 30.0
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or None when it was not JSON
    raw: bytes = b""  # the body exactly as received


@dataclass
class _Action:
    kind: Literal["reply", "fail", "hang", "raw", "drop"]
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    reply: dict[str, Any] = field(default_factory=dict)


class FakeAnthropic:
    """The scripted server. Thread-safe: handlers run on server threads, the test on the main one."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.on_receive: Callable[[RecordedRequest], None] | None = None  # runs before any answer
        self._script: deque[_Action] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, name="fake-anthropic", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.02)

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def close(self) -> None:
        self._release.set()  # let any hanging handler finish at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- script ------------------------------------------------------------------------------
    def reply_text(
        self,
        text: str,
        *,
        input_tokens: int = 10,
        output_tokens: int = 5,
        stop_reason: str = "end_turn",
        model: str | None = None,
    ) -> None:
        block = {"type": "text", "text": text}
        self._push_message([block], input_tokens, output_tokens, stop_reason, model)

    def reply_json(self, obj: Any, *, input_tokens: int = 10, output_tokens: int = 5) -> None:
        """A structured-output answer: the JSON text of ``obj`` in one text block."""
        self.reply_text(json.dumps(obj), input_tokens=input_tokens, output_tokens=output_tokens)

    def reply_tool_use(
        self, name: str, tool_input: dict[str, Any], *, input_tokens: int = 10, output_tokens: int = 5
    ) -> None:
        block = {"type": "tool_use", "id": "toolu_fake", "name": name, "input": tool_input}
        self._push_message([block], input_tokens, output_tokens, "tool_use", None)

    def fail(
        self, status: int, *, times: int = 1, retry_after: float = 0, message: str | None = None
    ) -> None:
        """Answer ``status`` with an Anthropic error body ``times`` times (retry_after in seconds)."""
        error_type = ERROR_TYPES.get(status, "api_error")
        body = {
            "type": "error",
            "error": {"type": error_type, "message": message or f"fake {error_type}"},
        }
        headers: dict[str, str] = {}
        if retry_after > 0:
            headers["retry-after-ms"] = str(retry_after * 1000)
            headers["retry-after"] = str(retry_after)
        for _ in range(times):
            self._push(_Action("fail", status, json.dumps(body).encode(), dict(headers)))

    def hang(self, seconds: float) -> None:
        """Wait ``seconds`` (at most MAX_HANG_S; cut short at shutdown), then close without answering."""
        self._push(_Action("hang", seconds=min(seconds, MAX_HANG_S)))

    def drop(self) -> None:
        """Read the request body in full, then close the connection without a response."""
        self._push(_Action("drop"))

    def redirect(self, location: str, status: int = 307) -> None:
        """Answer with a redirect to ``location`` (a client must not follow it off the host)."""
        self._push(_Action("raw", status, b"", {"location": location}))

    def malformed(self, kind: Literal["json", "shape", "empty"] = "json") -> None:
        """A 200 whose body is broken JSON, valid JSON of the wrong shape, or a message with no content."""
        bodies = {
            "json": b'{"type": "message", "content": [{"type": "te',
            "shape": json.dumps({"type": "message", "content": "not a list", "usage": "none"}).encode(),
            "empty": json.dumps(_message([], 3, 0, "end_turn", "claude-haiku-4-5", "msg_empty")).encode(),
        }
        self._push(_Action("raw", 200, bodies[kind]))

    # -- internals ---------------------------------------------------------------------------
    def _push_message(
        self,
        content: list[dict[str, Any]],
        input_tokens: int,
        output_tokens: int,
        stop: str,
        model: str | None,
    ) -> None:
        reply = {"content": content, "in": input_tokens, "out": output_tokens, "stop": stop, "model": model}
        self._push(_Action("reply", reply=reply))

    def _push(self, action: _Action) -> None:
        with self._lock:
            self._script.append(action)

    def _next(self) -> _Action | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _record(self, request: RecordedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return len(self.requests)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)


def _message(
    content: list[dict[str, Any]], input_tokens: int, output_tokens: int, stop: str, model: str, msg_id: str
) -> dict[str, Any]:
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def _make_handler(server: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            return

        def do_GET(self) -> None:  # noqa: N802
            server._record(RecordedRequest("GET", self.path, dict(self.headers.items()), None))
            self._send_error_json(404, "not_found_error", "fake server: unknown path")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            recorded = RecordedRequest("POST", self.path, dict(self.headers.items()), body, raw)
            if server.on_receive is not None:
                server.on_receive(recorded)
            number = server._record(recorded)
            request_id = f"req_fake_{number}"
            path = self.path.split("?", 1)[0]
            if path == "/v1/messages/count_tokens":
                count = max(1, len(raw) // 4)
                self._send(200, json.dumps({"input_tokens": count}).encode(), {"request-id": request_id})
            elif path == "/v1/messages":
                self._answer_message(body, request_id)
            else:
                self._send_error_json(404, "not_found_error", "fake server: unknown path")

        def _answer_message(self, body: Any, request_id: str) -> None:
            action = server._next()
            headers = {"request-id": request_id}
            if action is None:
                headers["x-should-retry"] = "false"
                self._send_error_json(400, "invalid_request_error", "fake server: no scripted reply", headers)
            elif action.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)  # the body was read: delivered, and no answer comes back
            elif action.kind == "hang":
                server._release.wait(action.seconds)
                self.close_connection = True  # never answer: the client must time out
            elif action.kind == "reply":
                spec = action.reply
                model = spec["model"] or (body or {}).get("model", "claude-fake")
                msg = _message(
                    spec["content"], spec["in"], spec["out"], spec["stop"], model, f"msg_{request_id}"
                )
                self._send(200, json.dumps(msg).encode(), headers)
            else:
                self._send(action.status, action.body, {**headers, **action.headers})

        def _send_error_json(
            self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None
        ) -> None:
            body = {"type": "error", "error": {"type": error_type, "message": message}}
            self._send(status, json.dumps(body).encode(), headers or {})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout); nothing to do

    return Handler


@pytest.fixture
def fake_anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    """A started fake server with ``ANTHROPIC_BASE_URL`` pointing at it; shut down afterwards."""
    server = FakeAnthropic().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    try:
        yield server
    finally:
        server.close()
