"""The model catalog, what is installed, and which model suits this machine.

``load_catalog()`` reads ``resources/models.toml`` into typed ``CatalogEntry`` values (the file's
header says what each field means). ``installed_models(models_dir)`` lists the ``.gguf`` files in a
folder and names the catalog entry each one is. ``recommend(hardware, catalog)`` picks the largest
catalog model that fits this machine and stays usable on it, from total RAM, the CPU cores and whether
llama.cpp can offload to a GPU (a pure function of ``Hardware`` and the catalog):

* a model must need no more RAM than the machine has (``min_ram_gb``);
* its file must fit a share of RAM: a sixth on a CPU-only machine (the CPU reads every weight for
  every token, so a bigger file is proportionally slower), a third with a GPU (or Apple's unified
  memory), where the file is loaded once and the GPU does the reading;
* without GPU offload, its estimated generation speed on a quiet machine must be at least
  ``MIN_TOKENS_PER_S`` (20 tokens/s: a 100-word summary in about 7 s). The estimate scales the one speed
  measured here — the starter model (98 MB) at ~115 tokens/s with 2 threads on the 2-core development
  machine (``inference.threads``) — by file size (every weight is read per token) and by the threads the
  engine would use on a quiet machine (``threads.default_threads``: every core up to 4, else half). It is
  an estimate, not a measurement of the larger models; a busy machine is slower still.

With 8 GB, 2 cores and no GPU that is Qwen2.5 0.5B (~23 tokens/s estimated); with 8 GB and 4 cores,
Qwen2.5 1.5B (~20); Llama 3.2 3B needs a GPU, or 16 GB and at least 16 cores (8 threads). Unknown RAM
counts as 8 GB and unknown cores as 2 (both said "assumed"). Nothing fits → the starter model. The rule is
a starting point shown with its reason, never applied without the user.

Nothing here touches the network; the download lives in ``inference.download``.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import InhouseError, ModelUnknown
from inference.threads import default_threads, usable_cores

CATALOG_FILE = Path(__file__).resolve().parent.parent / "resources" / "models.toml"
GIB = 1024**3
CPU_SHARE = 6  # a CPU-only machine: the model file may take a sixth of RAM
GPU_SHARE = 3  # with GPU offload (or unified memory): a third
MIN_TOKENS_PER_S = 20.0  # CPU only: the slowest estimated generation speed still recommended
# the one measured point the CPU estimate scales from (inference/threads.py, ARCHITECTURE.md): the starter
# model's file, generating ~115 tokens/s with 2 threads on the quiet 2-core development machine
REF_BYTES, REF_TOKENS_PER_S, REF_THREADS = 98_362_432, 115.0, 2
ASSUMED_RAM, ASSUMED_CORES = 8 * GIB, 2  # what an unknown machine counts as: an ordinary laptop
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class CatalogInvalid(InhouseError):
    hint = "The model catalog (resources/models.toml) is damaged: reinstall Inhouse."


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    repo_id: str
    filename: str
    revision: str  # a commit hash, or "" for the repository's main branch
    size_bytes: int
    sha256: str  # lowercase hex; "" when unknown (the download then checks the size only)
    license: str
    context_length: int
    min_ram_gb: float
    params: str
    good_for: str
    bundled: bool = False

    @property
    def min_ram_bytes(self) -> int:
        return int(self.min_ram_gb * GIB)


@dataclass(frozen=True)
class InstalledModel:
    path: Path
    size_bytes: int
    entry_id: str | None  # the catalog entry this file is, by file name; None for other .gguf files


@dataclass(frozen=True)
class Hardware:
    ram_bytes: int | None  # None when the OS would not say
    gpu: str | None  # "CUDA (NVIDIA ...)", "Metal (...)"; None: CPU only (or llama.cpp not installed)
    cores: int | None = None  # the CPU cores this process may use; None when unknown

    def describe(self) -> str:
        ram = f"{self.ram_bytes / GIB:.0f} GB RAM" if self.ram_bytes else "unknown RAM"
        cores = f"{self.cores} CPU core{'' if self.cores == 1 else 's'}" if self.cores else "unknown CPU cores"
        return f"{ram}, {cores}, {'GPU: ' + self.gpu if self.gpu else 'no GPU offload'}"


@dataclass(frozen=True)
class Recommendation:
    entry: CatalogEntry
    reason: str


# --- the catalog ---------------------------------------------------------------------------------


def load_catalog(path: Path | None = None) -> tuple[CatalogEntry, ...]:
    """The catalog's entries in file order; ``CatalogInvalid`` when the file is missing or malformed."""
    path = path or CATALOG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogInvalid(f"Cannot read the model catalog {path}: {exc}") from exc
    rows = data.get("model")
    if not isinstance(rows, list) or not rows:
        raise CatalogInvalid(f"The model catalog {path} has no [[model]] entries.")
    entries = tuple(_entry(row, path) for row in rows)
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise CatalogInvalid(f"The model catalog {path} lists a model ID twice.")
    return entries


def _entry(row: Any, path: Path) -> CatalogEntry:
    if not isinstance(row, dict):
        raise CatalogInvalid(f"{path}: a [[model]] entry is not a table.")
    try:
        entry = CatalogEntry(
            id=_text(row, "id"), name=_text(row, "name"), repo_id=_text(row, "repo_id"),
            filename=_text(row, "filename"), revision=str(row.get("revision", "")),
            size_bytes=_integer(row, "size_bytes"), sha256=str(row.get("sha256", "")).lower(),
            license=_text(row, "license"), context_length=_integer(row, "context_length"),
            min_ram_gb=float(row["min_ram_gb"]), params=_text(row, "params"),
            good_for=_text(row, "good_for"), bundled=bool(row.get("bundled", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogInvalid(f"{path}: model {row.get('id', '?')!r} is malformed ({exc}).") from exc
    if not _ID.match(entry.id) or not entry.filename.endswith(".gguf") or "/" in entry.filename:
        raise CatalogInvalid(f"{path}: model {entry.id!r} has a bad id or file name.")
    if entry.sha256 and not _SHA256.match(entry.sha256):
        raise CatalogInvalid(f"{path}: model {entry.id!r} has a malformed sha256.")
    return entry


def _text(row: dict[str, Any], key: str) -> str:
    value = row[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _integer(row: dict[str, Any], key: str) -> int:
    value = row[key]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{key} must be a positive integer")
    return value


def find_entry(entry_id: str, catalog: Sequence[CatalogEntry] | None = None) -> CatalogEntry:
    for entry in catalog if catalog is not None else load_catalog():
        if entry.id == entry_id.strip().lower():
            return entry
    raise ModelUnknown(f"There is no model {entry_id!r} in the catalog.")


def bundled_entry(catalog: Sequence[CatalogEntry]) -> CatalogEntry | None:
    return next((e for e in catalog if e.bundled), None)


# --- what is installed ---------------------------------------------------------------------------


def installed_models(models_dir: Path, catalog: Sequence[CatalogEntry] = ()) -> list[InstalledModel]:
    """The .gguf files directly in ``models_dir`` (downloads in progress live in a hidden sub-folder)."""
    if not models_dir.is_dir():
        return []
    by_file = {e.filename: e.id for e in catalog}
    found = []
    for path in sorted(models_dir.glob("*.gguf")):
        if path.is_file():
            found.append(InstalledModel(path, path.stat().st_size, by_file.get(path.name)))
    return found


# --- this machine --------------------------------------------------------------------------------


def total_ram_bytes() -> int | None:
    """Physical memory from the OS (sysconf on Linux/macOS, GlobalMemoryStatusEx on Windows)."""
    if sys.platform == "win32":
        return _windows_ram()
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def _windows_ram() -> int | None:
    if sys.platform == "win32":  # the check mypy needs to type ctypes.windll
        import ctypes

        class MemoryStatus(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                        ("available", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                        ("page_available", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                        ("virtual_available", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

        status = MemoryStatus()
        status.length = ctypes.sizeof(MemoryStatus)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.total)
    return None


def detect_gpu() -> str | None:
    """The first GPU this llama.cpp build can offload to, or None (CPU build, or llama.cpp missing)."""
    try:
        from inference import backend

        if not backend.supports_gpu_offload():
            return None
        devices = backend.list_devices()
    except (ImportError, OSError, RuntimeError):
        return None
    gpus = [d for d in devices if d.kind in ("GPU", "IGPU", "ACCEL")]
    return f"{gpus[0].family} ({gpus[0].description or gpus[0].name})" if gpus else None


def detect_hardware(*, probe_gpu: bool = True) -> Hardware:
    return Hardware(total_ram_bytes(), detect_gpu() if probe_gpu else None, usable_cores())


# --- the recommendation --------------------------------------------------------------------------


def recommend(hardware: Hardware, catalog: Sequence[CatalogEntry]) -> Recommendation:
    """The largest model that fits this machine and stays usable on it (module docstring); the starter
    model when none does."""
    ram = hardware.ram_bytes if hardware.ram_bytes is not None else ASSUMED_RAM
    cores = hardware.cores if hardware.cores else ASSUMED_CORES
    share = GPU_SHARE if hardware.gpu else CPU_SHARE
    fitting = [e for e in catalog if e.min_ram_bytes <= ram and e.size_bytes <= ram // share]
    usable = fitting if hardware.gpu else [e for e in fitting if cpu_tokens_per_s(e, cores) >= MIN_TOKENS_PER_S]
    machine = f"{ram / GIB:.0f} GB RAM{' (assumed)' if hardware.ram_bytes is None else ''}"
    if hardware.gpu:
        machine += f" and {hardware.gpu}"
    else:
        machine += f", {cores} CPU core{'' if cores == 1 else 's'}{' (assumed)' if not hardware.cores else ''}, " \
                   "no GPU offload"
    best = _largest(usable)
    if best is not None and not best.bundled:
        size = f"{best.size_bytes / 1e9:.1f} GB file"
        if hardware.gpu:
            return Recommendation(best, f"{machine}: the largest model that fits here with GPU offload ({size}, "
                                        f"at most 1/{share} of RAM).")
        slower = (f" A larger model would be estimated below {MIN_TOKENS_PER_S:.0f} tokens/s here."
                  if len(usable) < len(fitting) else "")
        return Recommendation(best, f"{machine}: the largest model that fits and stays usable here ({size}; "
                                    f"about {cpu_tokens_per_s(best, cores):.0f} tokens/s estimated when the computer "
                                    f"is otherwise idle, slower when it is busy).{slower}")
    starter = bundled_entry(catalog) or _smallest(catalog)
    return Recommendation(starter, f"{machine}: the starter model; the others would be too slow or not fit.")


def cpu_tokens_per_s(entry: CatalogEntry, cores: int) -> float:
    """Estimated generation speed without GPU offload on a quiet machine with ``cores`` cores: the starter
    model's measured speed scaled by file size and by the engine's thread count (module docstring)."""
    threads = default_threads(max(1, cores))
    return REF_TOKENS_PER_S * (REF_BYTES / entry.size_bytes) * (threads / REF_THREADS)


def _largest(entries: Iterable[CatalogEntry]) -> CatalogEntry | None:
    return max(entries, key=lambda e: e.size_bytes, default=None)


def _smallest(entries: Sequence[CatalogEntry]) -> CatalogEntry:
    return min(entries, key=lambda e: e.size_bytes)
