"""What a provider's SDK actually puts on the wire, seen before it leaves (a network module).

A provider that leaves the device builds its SDK client with ``http_client=wire.client(...)`` and
``max_retries=0`` (the send step in ``app.sending`` retries, auditing every attempt). The client:

- shows every request to the current watcher *before* the transport opens a connection
  (``WireWatcher.before_send`` gets the exact body bytes, method, URL and host; raising there stops the
  request: nothing is sent);
- marks the moment the first byte of the request is written (httpcore's ``trace`` extension), so a
  failure afterwards is known to be "sent, outcome unknown" rather than "could not connect";
- records each response's status, ``retry-after`` and redirect ``location``;
- never follows redirects and ignores proxy settings from the environment (``HTTPS_PROXY`` ...):
  bytes go only to the host the request names.

``httpx2`` is the HTTP library of the ``anthropic`` SDK (and of the other Stainless-generated SDKs).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2


@dataclass
class Attempt:
    """One HTTP request a provider made, as seen on the wire."""

    number: int  # 1 for the first attempt of a send
    method: str
    url: str
    host: str  # host, with ":port" when the URL names one
    body: bytes
    started: float = field(default_factory=time.time)
    bytes_left: bool = False  # the transport began writing the request
    status: int | None = None
    retry_after_s: float | None = None
    location: str | None = None  # the redirect target of a 3xx answer


class WireWatcher(Protocol):
    def before_send(self, attempt: Attempt) -> None:
        """Called before the connection is opened; raise to stop the request (nothing is sent)."""


class Wire:
    """Watches the requests of one provider's HTTP client (see the module docstring)."""

    def __init__(self) -> None:
        self._watch: ContextVar[tuple[WireWatcher, list[Attempt]] | None] = ContextVar("wire_watch", default=None)

    def client(self, *, timeout: Any, limits: httpx2.Limits | None = None,
               verify: ssl.SSLContext | bool = True) -> httpx2.Client:
        """An ``httpx2.Client`` for the SDK: no redirects, no environment proxies, every request watched;
        ``verify`` is the TLS context (certificates are verified unless a caller passes False)."""
        transport = httpx2.HTTPTransport(trust_env=False, limits=limits or httpx2.Limits(max_connections=4),
                                         verify=verify)
        return httpx2.Client(
            timeout=timeout, transport=transport, follow_redirects=False, trust_env=False,
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )

    @contextmanager
    def watching(self, watcher: WireWatcher) -> Iterator[list[Attempt]]:
        """Within the block, requests on this thread/task go to ``watcher``; yields the attempts list.

        Outside any ``watching`` block requests pass unwatched (the provider's own tests); off the device,
        the egress guard then refuses them, since only the send step opens a permit for a provider.
        """
        attempts: list[Attempt] = []
        token = self._watch.set((watcher, attempts))
        try:
            yield attempts
        finally:
            self._watch.reset(token)

    def _on_request(self, request: httpx2.Request) -> None:
        current = self._watch.get()
        if current is None:
            return
        watcher, attempts = current
        attempt = Attempt(len(attempts) + 1, request.method, str(request.url), _host(request.url), request.read())
        attempts.append(attempt)
        watcher.before_send(attempt)  # may raise: then nothing is sent
        request.extensions["trace"] = _tracer(attempt, request.extensions.get("trace"))

    def _on_response(self, response: httpx2.Response) -> None:
        current = self._watch.get()
        if current is None or not current[1]:
            return
        attempt = current[1][-1]
        attempt.status = response.status_code
        attempt.retry_after_s = _retry_after(response.headers)
        if response.is_redirect:
            attempt.location = response.headers.get("location")


def _tracer(attempt: Attempt, inner: Callable[[str, dict[str, Any]], None] | None) -> Callable[..., None]:
    def trace(name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_headers.started"):
            attempt.bytes_left = True
        if inner is not None:
            inner(name, info)

    return trace


def _host(url: httpx2.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None
