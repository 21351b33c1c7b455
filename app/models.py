"""Which local model Inhouse uses, and the downloads the user starts.

* ``download_model(entry_id, progress, cancel)``: fetch a catalog model into the models folder, inside
  an egress permit ("model download <id>") — the only way a download may leave the device.
* ``use_model(id_or_path)``: record the chosen model in ``settings.toml`` in the config folder
  (``model = "/path/to/file.gguf"``; not the policy file). ``configured_model()`` reads it back for
  ``EngineHost``; ``INHOUSE_MODEL`` still wins (``inference.catalog.resolve_model``). Choosing the
  bundled starter model removes the setting.
* ``remove_model(id_or_file)``: delete a downloaded model (only inside the models folder).
* ``overview()``: catalog + installed + active + recommendation, for ``inhouse models list`` and the UI.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from app import egress, paths
from inference.catalog import ModelChoice, resolve_model, starter_model_path
from inference.download import CancelSignal, ProgressFn, download
from inference.download import DownloadResult as DownloadResult  # re-exported for ui/
from inference.errors import InhouseError, ModelMissing, ModelUnknown
from inference.gguf import inspect_gguf
from inference.models import (
    CatalogEntry as CatalogEntry,  # re-exported for ui/
)
from inference.models import (
    Hardware,
    InstalledModel,
    Recommendation,
    find_entry,
    load_catalog,
)
from inference.models import (
    detect_hardware as detect_hardware,
)
from inference.models import installed_models as _installed_in
from inference.models import (
    recommend as recommend,
)

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.toml"
MODEL_KEY = "model"


class SettingsInvalid(InhouseError):
    hint = "Fix or delete settings.toml in the Inhouse config folder (it only holds the chosen model)."


@dataclass(frozen=True)
class Overview:
    catalog: tuple[CatalogEntry, ...]
    installed: tuple[InstalledModel, ...]
    starter: Path | None  # the bundled starter model's file, when its package is installed
    active: ModelChoice | None  # None: no model at all (no starter, nothing chosen)
    hardware: Hardware
    recommendation: Recommendation


# --- settings.toml -------------------------------------------------------------------------------


def settings_path() -> Path:
    return paths.current().config_dir / SETTINGS_FILE


def _read_settings() -> dict[str, Any]:
    path = settings_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsInvalid(f"Cannot read {path}: {exc}") from exc


def _write_settings(settings: dict[str, Any]) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(settings), encoding="utf-8")
    os.replace(tmp, path)


def configured_model() -> str | None:
    """The model file chosen with ``use_model``, or None (use the starter). Never raises.

    A setting whose file has since been deleted, or an unreadable settings file, is logged and
    ignored, so the app still starts (on the starter model).
    """
    try:
        value = _read_settings().get(MODEL_KEY)
    except SettingsInvalid as err:
        log.warning("%s; using the default model", err)
        return None
    if not isinstance(value, str) or not value:
        return None
    if not Path(value).is_file():
        log.warning("the chosen model %s no longer exists; using the default model", value)
        return None
    return value


def _set_configured(path: Path | None) -> None:
    settings = _read_settings()
    if path is None:
        settings.pop(MODEL_KEY, None)
    else:
        settings[MODEL_KEY] = str(path)
    _write_settings(settings)


# --- the operations ------------------------------------------------------------------------------


def catalog() -> tuple[CatalogEntry, ...]:
    return load_catalog()


def installed_models(entries: Sequence[CatalogEntry] | None = None) -> list[InstalledModel]:
    return _installed_in(paths.current().models_dir, catalog() if entries is None else entries)


def download_model(
    entry_id: str,
    progress: ProgressFn | None = None,
    cancel: CancelSignal | None = None,
    *,
    entries: Sequence[CatalogEntry] | None = None,
) -> DownloadResult:
    """Download a catalog model the user asked for; the network is allowed for this call only."""
    entry = find_entry(entry_id, entries)
    with egress.permit(f"model download {entry.id}", host=download_hosts()):
        return download(entry, paths.current().models_dir, progress=progress, cancel=cancel)


def download_hosts() -> tuple[str, ...]:
    """The hosts a model download may reach: the hub (or ``HF_ENDPOINT``) and the CDNs it redirects to."""
    endpoint = os.environ.get("HF_ENDPOINT", "").strip()
    hub = urlsplit(endpoint).hostname if endpoint else None
    return (hub or "huggingface.co", "*.huggingface.co", "*.hf.co")


def use_model(id_or_path: str, *, entries: Sequence[CatalogEntry] | None = None) -> ModelChoice:
    """Make a catalog model (by ID) or any GGUF file (by path) the one Inhouse loads from now on."""
    entries = catalog() if entries is None else entries
    target = _resolve_target(id_or_path, entries)
    if target is None:  # the bundled starter model: the default, so no setting
        _set_configured(None)
    else:
        inspect_gguf(target)  # ModelMissing / ModelCorrupt before it is recorded
        _set_configured(target)
    return resolve_model(configured_model())


def _resolve_target(id_or_path: str, entries: Sequence[CatalogEntry]) -> Path | None:
    """The file to record, or None for "the bundled starter model"."""
    try:
        entry = find_entry(id_or_path, entries)
    except ModelUnknown:
        path = Path(id_or_path).expanduser()
        if path.suffix.lower() != ".gguf" and not path.exists():
            raise
        return path.resolve()
    downloaded = paths.current().models_dir / entry.filename
    if downloaded.is_file():
        return downloaded.resolve() if not entry.bundled or starter_model_path() is None else None
    if entry.bundled and starter_model_path() is not None:
        return None
    raise ModelMissing(f"{entry.name} is not installed.",
                       hint=f"Download it first: `inhouse models download {entry.id}`.")


def remove_model(id_or_file: str, *, entries: Sequence[CatalogEntry] | None = None) -> Path:
    """Delete a downloaded model from the models folder; the setting is cleared if it was the chosen one."""
    entries = catalog() if entries is None else entries
    models_dir = paths.current().models_dir
    try:
        name = find_entry(id_or_file, entries).filename
    except ModelUnknown:
        name = Path(id_or_file).name
    path = models_dir / name
    if not name.endswith(".gguf") or not path.is_file():
        raise ModelMissing(f"No downloaded model {id_or_file!r} in {models_dir}.",
                           hint="`inhouse models list` shows the installed models. The bundled starter model "
                                "cannot be removed.")
    chosen = configured_model()
    was_chosen = chosen is not None and Path(chosen).resolve() == path.resolve()
    path.unlink()
    if was_chosen:
        _set_configured(None)
    return path


def active_model() -> ModelChoice | None:
    try:
        return resolve_model(configured_model())
    except ModelMissing:
        return None


def overview(*, probe_gpu: bool = True) -> Overview:
    entries = catalog()
    hardware = detect_hardware(probe_gpu=probe_gpu)
    return Overview(entries, tuple(installed_models(entries)), starter_model_path(), active_model(), hardware,
                    recommend(hardware, entries))
