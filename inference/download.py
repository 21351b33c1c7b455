"""Download a catalog model from the Hugging Face Hub, only when the user asks for it.

``download(entry, models_dir, progress=..., cancel=...)``:

1. An installed file that already has the catalog's size and SHA-256 is kept (no network).
2. ``HF_HUB_OFFLINE`` set, or too little disk space → refused before anything is sent.
3. One HEAD request (no retries, so being offline fails in seconds, not after huggingface_hub's
   ~25 s of back-off): the hub's size and SHA-256 (``X-Linked-Etag``) must match the catalog, or the
   download is refused before any byte is fetched.
4. ``hf_hub_download`` into a hidden staging folder (``models_dir/.downloading/<id>-*``), pinned to
   the catalog's revision, without any Hugging Face token. Progress arrives through a tqdm stand-in
   (``tqdm_class``) that calls ``progress(done_bytes, total_bytes)`` and raises ``Cancelled`` when
   ``cancel.cancelled`` is set (checked at every chunk huggingface_hub reads: 10 MB).
5. The file is hashed (SHA-256; huggingface_hub checks only the size) and its GGUF header read with
   ``inspect_gguf``; only then is it moved into ``models_dir``. Any failure deletes the staging
   folder (and folders this call created), so nothing is left behind.

No ``app`` import: the caller (``app.models.download_model``) opens the egress permit. The Rust
``hf_xet`` downloader would open sockets the egress guard cannot see, so it is switched off
(``HF_HUB_DISABLE_XET``) before huggingface_hub is imported and again on its constants.
The hub's pooled HTTP connections are closed afterwards, so none outlives the permit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from inference.errors import (
    Cancelled,
    ChecksumMismatch,
    DownloadFailed,
    DownloadOffline,
    InhouseError,
    find_in_chain,
)
from inference.gguf import GgufInfo, inspect_gguf
from inference.models import CatalogEntry

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]  # (done_bytes, total_bytes)
STAGING_DIR = ".downloading"
DISK_HEADROOM = 256 * 1024**2
HASH_CHUNK = 4 * 1024**2
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TRUE = {"1", "ON", "YES", "TRUE"}


class CancelSignal(Protocol):
    """Anything with a ``cancelled`` flag, e.g. ``inference.engine.CancelToken``."""

    @property
    def cancelled(self) -> bool: ...


@dataclass(frozen=True)
class DownloadResult:
    entry_id: str
    path: Path
    size_bytes: int
    sha256: str
    verified: Literal["sha256", "size"]  # "size": the catalog has no sha256 for this model
    downloaded: bool  # False: the file was already installed and verified
    info: GgufInfo


def download(
    entry: CatalogEntry,
    models_dir: Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelSignal | None = None,
    endpoint: str | None = None,
    timeout: float = 10.0,
) -> DownloadResult:
    """Fetch ``entry`` into ``models_dir`` and verify it (module docstring). Raises InhouseError subclasses."""
    dest = models_dir / entry.filename
    if dest.is_file():
        kept = _already_installed(entry, dest, cancel)
        if kept is not None:
            return kept
    _check_cancel(cancel)
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in _TRUE:
        raise DownloadOffline(f"Model downloads are turned off (HF_HUB_OFFLINE is set), so {entry.name} was "
                              "not downloaded. Nothing was changed.",
                              hint="Unset HF_HUB_OFFLINE to allow the download you asked for.")
    _check_disk(entry, models_dir)
    created = _missing_dirs(models_dir)
    (models_dir / STAGING_DIR).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{entry.id}-", dir=models_dir / STAGING_DIR))
    try:
        path = _fetch(entry, staging, _listening_bar(progress, cancel, entry.size_bytes), endpoint, timeout)
        digest = _verify(entry, path, cancel)
        info = inspect_gguf(path)
        os.replace(path, dest)
    finally:
        _cleanup(staging, created)
    verified: Literal["sha256", "size"] = "sha256" if entry.sha256 else "size"
    return DownloadResult(entry.id, dest, entry.size_bytes, digest, verified, True, replace(info, path=dest))


def sha256_file(path: Path, cancel: CancelSignal | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            _check_cancel(cancel)
            digest.update(chunk)
    return digest.hexdigest()


# --- before: what is already here, offline mode, disk space --------------------------------------


def _already_installed(entry: CatalogEntry, dest: Path, cancel: CancelSignal | None) -> DownloadResult | None:
    if dest.stat().st_size != entry.size_bytes:
        return None
    digest = sha256_file(dest, cancel)
    if entry.sha256 and digest != entry.sha256:
        return None
    verified: Literal["sha256", "size"] = "sha256" if entry.sha256 else "size"
    return DownloadResult(entry.id, dest, entry.size_bytes, digest, verified, False, inspect_gguf(dest))


def _check_cancel(cancel: CancelSignal | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise Cancelled("Download cancelled. Nothing was changed.")


def _check_disk(entry: CatalogEntry, models_dir: Path) -> None:
    probe = models_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < entry.size_bytes + DISK_HEADROOM:
        raise DownloadFailed(
            f"Not enough free disk space for {entry.name}: it needs {entry.size_bytes / 1e9:.2f} GB "
            f"plus some headroom, and {free / 1e9:.2f} GB is free in {probe}. Nothing was changed.",
            hint="Free some disk space (`inhouse models remove ID` deletes a model you no longer use) "
                 "and try again.",
        )


# --- the transfer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Listener:
    report: ProgressFn | None
    cancel: CancelSignal | None
    expected: int


class _ProgressBar:
    """The part of tqdm huggingface_hub uses: built with tqdm's keyword arguments, then ``update(n)``.

    Not a tqdm subclass, so huggingface_hub passes it no ``disable``/``name`` and nothing is drawn
    (``huggingface_hub/utils/tqdm.py::_create_progress_bar``).
    """

    listener: ClassVar[_Listener] = _Listener(None, None, 0)

    def __init__(self, *args: Any, total: float | None = None, initial: float = 0, **kwargs: Any) -> None:
        self.total = int(total) if total else self.listener.expected
        self.n = int(initial)

    def update(self, n: float | None = 1) -> None:
        self.n += int(n or 0)
        _check_cancel(self.listener.cancel)
        if self.listener.report is not None:
            self.listener.report(self.n, max(self.total, self.n))

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _listening_bar(report: ProgressFn | None, cancel: CancelSignal | None, expected: int) -> type[_ProgressBar]:
    """A tqdm stand-in class bound to this download's callback (huggingface_hub instantiates it)."""

    class DownloadProgress(_ProgressBar):
        pass

    DownloadProgress.listener = _Listener(report, cancel, expected)
    return DownloadProgress


def _prepare_hub() -> None:
    os.environ["HF_HUB_DISABLE_XET"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_XET = True  # in case huggingface_hub was imported before the line above


def _fetch(entry: CatalogEntry, staging: Path, bar: type[_ProgressBar], endpoint: str | None,
           timeout: float) -> Path:
    _prepare_hub()
    from huggingface_hub import close_session, hf_hub_download

    endpoint = endpoint or os.environ.get("HF_ENDPOINT", "").rstrip("/") or None
    try:
        _preflight(entry, endpoint, timeout)
        local = hf_hub_download(entry.repo_id, entry.filename, revision=entry.revision or None, local_dir=staging,
                                endpoint=endpoint, etag_timeout=timeout, token=False, tqdm_class=bar)
    except InhouseError:
        raise
    except Exception as exc:
        translated = _translate(exc, entry, endpoint)
        if translated is None:
            raise
        raise translated from exc
    finally:
        close_session()  # no pooled connection may outlive the caller's egress permit
    return Path(str(local))


def _preflight(entry: CatalogEntry, endpoint: str | None, timeout: float) -> None:
    """One HEAD, no retries: fail fast when offline, refuse a file that is not the catalog's."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(entry.repo_id, entry.filename, revision=entry.revision or None, endpoint=endpoint)
    meta = get_hf_file_metadata(url, timeout=timeout, token=False, endpoint=endpoint)
    if meta.commit_hash is None:
        raise DownloadFailed(f"{_host(endpoint)} did not answer like the Hugging Face Hub (no X-Repo-Commit "
                             "header). Nothing was changed.",
                             hint="Check HF_ENDPOINT and any proxy or captive portal between you and the hub.")
    if meta.size is not None and meta.size != entry.size_bytes:
        raise ChecksumMismatch(f"The hub's {entry.filename} is {meta.size:,} bytes but the catalog expects "
                               f"{entry.size_bytes:,}. Nothing was downloaded.")
    etag = (meta.etag or "").lower()
    if entry.sha256 and _SHA256.match(etag) and etag != entry.sha256:
        raise ChecksumMismatch(f"The hub's {entry.filename} has SHA-256 {etag[:16]}…, not the catalog's "
                               f"{entry.sha256[:16]}…. Nothing was downloaded.")


def _translate(exc: Exception, entry: CatalogEntry, endpoint: str | None) -> InhouseError | None:
    """A clear InhouseError for what went wrong; None for an error we did not expect (a bug)."""
    import httpx2
    from huggingface_hub import errors as hf

    inner = _inhouse_cause(exc)
    if inner is not None:  # e.g. EgressBlocked, wrapped by httpx2 as a ConnectError
        return inner
    where = f"{entry.repo_id}/{entry.filename}"
    if isinstance(exc, hf.OfflineModeIsEnabled | hf.LocalEntryNotFoundError | httpx2.TransportError
                  | ConnectionError | TimeoutError):
        return DownloadOffline(f"Could not reach the model hub ({_host(endpoint)}) to download {entry.name}: "
                               "you seem to be offline. Nothing was changed.")
    if isinstance(exc, hf.RepositoryNotFoundError | hf.RevisionNotFoundError | hf.RemoteEntryNotFoundError):
        return DownloadFailed(
            f"The model hub no longer has {where} at revision {entry.revision or 'main'}. Nothing was changed.",
            hint="The catalog is out of date: update Inhouse, or get the file yourself and run "
                 "`inhouse models use PATH`.",
        )
    if isinstance(exc, hf.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return DownloadFailed(f"The model hub answered HTTP {status} for {where}. Nothing was changed.")
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        return DownloadFailed(f"The download of {entry.filename} was cut short. Nothing was changed.",
                              hint="Run the download again; it starts over.")
    return None


def _inhouse_cause(exc: BaseException) -> InhouseError | None:
    return find_in_chain(exc, InhouseError)


def _host(endpoint: str | None) -> str:
    if endpoint:
        return urlsplit(endpoint).netloc or endpoint
    from huggingface_hub import constants

    return urlsplit(constants.ENDPOINT).netloc


# --- after: verify, clean up ---------------------------------------------------------------------


def _verify(entry: CatalogEntry, path: Path, cancel: CancelSignal | None) -> str:
    size = path.stat().st_size
    if size != entry.size_bytes:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"The downloaded {entry.filename} is {size:,} bytes, not {entry.size_bytes:,}: "
                               "it was deleted and nothing was installed.")
    digest = sha256_file(path, cancel)
    if entry.sha256 and digest != entry.sha256:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"The downloaded {entry.filename} failed its SHA-256 check (got {digest[:16]}…, "
                               f"expected {entry.sha256[:16]}…): it was deleted and nothing was installed.")
    if not entry.sha256:
        log.warning("%s: the catalog has no SHA-256 for this model; only its size was checked", entry.id)
    return digest


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first (removed again on failure)."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _cleanup(staging: Path, created: list[Path]) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    for folder in (staging.parent, *created):  # .downloading, then folders this call made, if empty
        try:
            folder.rmdir()
        except OSError:
            if folder != staging.parent:
                break
