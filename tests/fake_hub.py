"""A fake Hugging Face Hub on 127.0.0.1 for tests that drive the real ``huggingface_hub`` (2.4).

It answers what ``hf_hub_download`` / ``get_hf_file_metadata`` ask for (``huggingface_hub/file_download.py``):

``HEAD|GET /{repo_id}/resolve/{revision}/{filename}``
    ``X-Repo-Commit`` (without it huggingface_hub refuses the server), the SHA-256 as ``ETag`` (and as
    ``X-Linked-Etag`` with ``X-Linked-Size`` when redirecting), ``Content-Length``, ``Accept-Ranges``;
    a ``Range: bytes=N-`` GET gets a 206 with ``Content-Range``.

    ``mode="direct"``: the file is served at that URL. ``mode="cdn"``: a 302 to
    ``http://localhost:{port}/cdn/{sha256}``, another host name as far as huggingface_hub can tell, so it
    takes the metadata from the redirect and downloads from ``Location`` like the real Hub's CDN.
    Unknown repo / revision / file: 404 with ``X-Error-Code`` ``RepoNotFound`` / ``RevisionNotFound`` /
    ``EntryNotFound``.

``add(repo_id, filename, path, etag=..., size=...)`` registers a file; ``etag``/``size`` default to the
file's real SHA-256 and size and can be set to lie (a tampered mirror). Every request is recorded
(``requests``). ``write_tiny_gguf`` writes a small valid GGUF (one F32 tensor) for fast tests.

Fixture: ``fake_hub`` (``from tests.fake_hub import fake_hub  # noqa: F401``) starts one, points
``HF_ENDPOINT`` at it and undoes the suite's ``HF_HUB_OFFLINE=1`` for that test only.
"""

from __future__ import annotations

import hashlib
import random
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

import pytest

COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class HubFile:
    path: Path
    etag: str  # advertised SHA-256
    size: int  # advertised size
    revisions: frozenset[str]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def write_tiny_gguf(path: Path, *, n_floats: int = 64 * 1024, name: str = "tiny-test", seed: int = 0) -> Path:
    """A valid GGUF v3: two metadata strings and one F32 tensor of ``n_floats`` seeded random bytes."""
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 2)
    for key, value in (("general.architecture", "llama"), ("general.name", name)):
        header += _gguf_string(key) + struct.pack("<I", 8) + _gguf_string(value)
    header += _gguf_string("weights") + struct.pack("<IQIQ", 1, n_floats, 0, 0)  # 1 dim, F32, offset 0
    header += b"\0" * (-len(header) % 32)
    path.write_bytes(header + random.Random(seed).randbytes(n_floats * 4))
    return path


class FakeHub:
    def __init__(self, mode: Literal["direct", "cdn"] = "direct") -> None:
        self.mode = mode
        self.files: dict[tuple[str, str], HubFile] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-hub", daemon=True)

    def add(self, repo_id: str, filename: str, path: Path, *, revision: str = COMMIT, etag: str | None = None,
            size: int | None = None) -> HubFile:
        hub_file = HubFile(path, etag or sha256_of(path), path.stat().st_size if size is None else size,
                           frozenset({"main", COMMIT, revision}))
        self.files[(repo_id, filename)] = hub_file
        return hub_file

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def gets(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "GET"]

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            """Quiet: the tests read ``hub.requests`` instead."""

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._serve(body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            hub.record(RecordedRequest(self.command, self.path, dict(self.headers.items())))
            path = unquote(self.path.split("?", 1)[0])
            if path.startswith("/cdn/"):
                found = next((f for f in hub.files.values() if f.etag == path[len("/cdn/"):]), None)
                if found is None:
                    return self._error(404, "EntryNotFound")
                return self._file(found, body)
            if "/resolve/" not in path:
                return self._error(404, "RepoNotFound")
            repo_id, rest = path.lstrip("/").split("/resolve/", 1)
            revision, _, filename = rest.partition("/")
            if not any(repo == repo_id for repo, _ in hub.files):
                return self._error(404, "RepoNotFound")
            found = hub.files.get((repo_id, filename))
            if found is None:
                return self._error(404, "EntryNotFound")
            if revision not in found.revisions:
                return self._error(404, "RevisionNotFound")
            if hub.mode == "cdn":
                return self._redirect(found)
            return self._file(found, body)

        def _error(self, status: int, code: str) -> None:
            payload = f'{{"error": "{code}"}}'.encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _redirect(self, found: HubFile) -> None:
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{hub.port}/cdn/{found.etag}")
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("X-Linked-Etag", f'"{found.etag}"')
            self.send_header("X-Linked-Size", str(found.size))
            self.send_header("ETag", '"0000000000000000000000000000000000000000"')  # the LFS pointer's git oid
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _file(self, found: HubFile, body: bool) -> None:
            actual = found.path.stat().st_size
            start = self._range_start()
            self.send_response(206 if start else 200)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{found.etag}"')
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str((actual if body else found.size) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{actual - 1}/{actual}")
            self.end_headers()
            if body:
                self._stream(found.path, start)

        def _range_start(self) -> int:
            header = self.headers.get("Range", "")
            if header.startswith("bytes=") and header.endswith("-"):
                return int(header[len("bytes="):-1])
            return 0

        def _stream(self, path: Path, start: int) -> None:
            try:
                with path.open("rb") as fh:
                    fh.seek(start)
                    while chunk := fh.read(CHUNK):
                        self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cancelled

    return Handler


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    from huggingface_hub import constants

    hub = FakeHub().start()
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    yield hub
    hub.stop()
