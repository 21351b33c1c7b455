"""A named store of profiles on disk, shared by classifiers (``app.classifiers``) and extractors
(``app.extractors``): one JSON file per profile under ``<data dir>/<folder>/NAME.json``, atomic writes,
a cache of parsed files keyed by mtime and size, list / get / remove / export / import, and saving a
trained model. What differs per kind (the file's fields, the model, the examples' shape, the summary line)
is the subclass's and its ``StoreKind``'s.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import Field, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from app import paths
from app.profile_files import MAX_FILE_BYTES, FileKind, atomic_write, check_name
from inference.errors import InhouseError, InputInvalid, ProfileExists

TrainProgress = Callable[[str, int, int], None]  # (stage, done, total); the stages are the kind's


class _Trained(Protocol):
    @property
    def trained(self) -> str: ...  # when it was trained (ISO time)

    @property
    def fingerprint(self) -> str: ...


class _Example(Protocol):
    @property
    def text(self) -> str: ...


class StoredProfile(Protocol):
    """What the store needs of a profile (a frozen dataclass of the kind's file module)."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def name(self) -> str: ...

    @property
    def revision(self) -> int: ...

    @property
    def created(self) -> str: ...

    @property
    def updated(self) -> str: ...

    @property
    def examples(self) -> tuple[_Example, ...]: ...

    @property
    def trained(self) -> _Trained | None: ...


class StoredSummary(Protocol):
    """What the CLI and the UI need of a kind's list line (``error`` set for a damaged file)."""

    @property
    def name(self) -> str: ...

    @property
    def revision(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def trained(self) -> bool: ...

    @property
    def stale(self) -> bool: ...

    @property
    def error(self) -> str | None: ...


P = TypeVar("P", bound=StoredProfile)
S = TypeVar("S", bound=StoredSummary)


@dataclass(frozen=True)
class StoreKind(Generic[P]):
    file: FileKind  # noun, format, error for a damaged file
    folder: str  # under the data dir, e.g. "classifiers"
    missing: type[InhouseError]  # no profile of that name
    parse: Callable[[bytes, str], P]
    to_json: Callable[..., dict[str, Any]]  # (profile, *, include_examples) -> the file's JSON


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ProfileStore(Generic[P, S]):
    """Profiles on disk. Safe to share between threads; every write replaces the file atomically.
    A subclass sets ``kind`` and says what one list line (``S``) is, for a good and a damaged file."""

    kind: StoreKind[P]

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._loaded: dict[str, tuple[tuple[int, int], P]] = {}

    @classmethod
    def open_default(cls) -> Self:
        return cls(paths.current().data_dir / cls.kind.folder)

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name, self.kind.file.noun)}.json"

    # -- reading ------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if p.is_file())

    def get(self, name: str) -> P:
        path, noun = self.path(name), self.kind.file.noun
        with self._lock:
            try:
                stat = path.stat()
            except FileNotFoundError:
                raise self.kind.missing(f"There is no {noun} named '{name}'.") from None
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._loaded.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
            profile = self.kind.parse(path.read_bytes(), path.name)
            if profile.name != name:
                raise self.kind.file.invalid(f"{path.name} holds the {noun} '{profile.name}', not '{name}'.")
            self._loaded[name] = (stamp, profile)
            return profile

    def profiles(self) -> list[P]:
        """Every profile that can be read; a damaged file is left out (``summaries`` shows it)."""
        out = []
        for name in self.names():
            try:
                out.append(self.get(name))
            except (self.kind.file.invalid, InputInvalid):
                continue  # a damaged file must not break a task; `… list` shows it
        return out

    def summaries(self) -> list[S]:
        """Every profile, damaged files included (with their error), for the list and the UI page."""
        result = []
        for name in self.names():
            try:
                profile = self.get(name)
            except (self.kind.file.invalid, InputInvalid) as err:
                result.append(self._damaged(name, str(err)))
                continue
            result.append(self._summary(profile))
        return result

    def latest_trained(self, usable: Callable[[P], bool]) -> P | None:
        """The most recently trained profile for which ``usable`` holds, or None."""
        found = [(p.trained.trained, p.name, p) for p in self.profiles() if p.trained is not None and usable(p)]
        return max(found, key=lambda item: item[:2])[2] if found else None

    def _summary(self, profile: P) -> S:
        raise NotImplementedError

    def _damaged(self, name: str, error: str) -> S:
        raise NotImplementedError

    # -- changing -----------------------------------------------------------------------------------
    def _check_free(self, name: str) -> None:
        if check_name(name, self.kind.file.noun).casefold() in {n.casefold() for n in self.names()}:
            raise InputInvalid(f"{self.kind.file.a_noun.capitalize()} named '{name}' already exists.",
                               hint="Choose another name, or remove it first.")

    def remove_examples(self, name: str, texts: Iterable[str]) -> int:
        drop = {t.strip() for t in texts}
        with self._lock:
            profile = self.get(name)
            kept = tuple(e for e in profile.examples if e.text not in drop)
            if len(kept) != len(profile.examples):
                self._write(replace(profile, examples=kept))
            return len(profile.examples) - len(kept)

    def remove(self, name: str) -> None:
        with self._lock:
            self.get(name)  # a clear error when it does not exist
            self.path(name).unlink()
            self._loaded.pop(name, None)

    def _save_trained(self, name: str, trained: object, same: Callable[[P], bool], what: str) -> P:
        """Save a model trained on ``name`` as it was; refused when ``same`` says its ``what`` changed since."""
        with self._lock:
            current = self.get(name)
            if not same(current):
                raise InputInvalid(f"The {what} of '{name}' changed during training.", hint="Train it again.")
            return self._write(replace(current, trained=trained))

    # -- sharing ------------------------------------------------------------------------------------
    def export(self, name: str, path: Path, *, include_examples: bool = True) -> Path:
        """Write the profile as one file; without examples the receiver can use it but not retrain."""
        profile = self.get(name)
        atomic_write(Path(path), self._dump(profile, include_examples=include_examples))
        return Path(path)

    def import_file(self, path: Path, *, name: str | None = None, replace_existing: bool = False) -> P:
        """Validate a profile file and add it (as ``name``, else under its own name)."""
        path, kind = Path(path), self.kind.file
        if not path.is_file():
            raise InputInvalid(f"No such file: {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise kind.invalid(f"{path.name} is too large to be {kind.a_noun} file.")
        profile = self.kind.parse(path.read_bytes(), path.name)
        if name is not None:
            profile = replace(profile, name=check_name(name, kind.noun))
        with self._lock:
            taken = {n.casefold(): n for n in self.names()}
            existing = taken.get(profile.name.casefold())
            if existing is not None and not replace_existing:
                raise ProfileExists(f"{kind.a_noun.capitalize()} named '{existing}' already exists.")
            if existing is not None and existing != profile.name:
                self.remove(existing)
            return self._write(profile, bump=False)

    # -- internals ----------------------------------------------------------------------------------
    def _write(self, profile: P, *, bump: bool = True) -> P:
        with self._lock:
            stamp = now()
            profile = replace(profile, revision=profile.revision + (1 if bump else 0), updated=stamp,
                              created=profile.created or stamp)
            path = self.path(profile.name)
            atomic_write(path, self._dump(profile))
            stat = path.stat()
            self._loaded[profile.name] = ((stat.st_mtime_ns, stat.st_size), profile)
            return profile

    def _dump(self, profile: P, *, include_examples: bool = True) -> bytes:
        data = self.kind.to_json(profile, include_examples=include_examples)
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
