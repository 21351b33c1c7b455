"""Extractor profiles: teach Inhouse a schema by example, train a span tagger on the device, share it.

A profile (file format: :mod:`app.extractor_files`) lives in ``<data dir>/extractors/NAME.json``; the
local model's token states for the examples are cached under ``extractors/cache/``. Every saved change
bumps ``revision``; a trained tagger carries a SHA-256 fingerprint.

    store = ExtractorStore.open_default()
    store.create("banking", schema)
    store.add_examples("banking", read_examples(Path("examples.jsonl"), store.get("banking")))
    profile, report = store.train("banking", host.token_encoder())     # per-field cross-validated F1
    store.export("banking", Path("banking.inhouse-extractor.json"))

Which extract requests a trained profile answers (``find_for_spec``, called by ``EngineHost.run``):
- an ``ExtractSpec`` naming a profile (``extractor="banking"``) uses it, or fails with a clear error (no
  such profile, not trained, trained with another model, a schema with other fields);
- otherwise a spec whose schema has exactly the profile's fields (same names and kinds; descriptions may
  differ) uses the most recently trained such profile. Anything else is extracted zero-shot.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import paths
from app.extractor_files import (
    SOURCES,
    Example,
    Profile,
    TrainedTagger,
    examples_digest,
    learnable_fields,
    parse_profile,
    profile_to_json,
)
from app.profile_files import atomic_write, check_name
from inference.engine import CancelToken
from inference.errors import Cancelled, ExtractorFileInvalid, ExtractorMissing, ExtractorNotTrained, InputInvalid
from inference.extractor_tagger import Example as TaggerExample
from inference.extractor_tagger import TaggerReport, check_examples, fit_tagger
from inference.tasks.base import ExtractSpec, FieldConfidence
from inference.tasks.extract_plan import plan_fields
from inference.token_features import TokenEncoder

__all__ = [  # what ui/ needs from below, so that it never imports inference/
    "AddedExamples", "CancelToken", "Cancelled", "ExtractorStore", "ExtractorSummary", "FieldConfidence",
    "TaggerReport", "signature",
]  # fmt: skip

TrainProgress = Callable[[str, int, int], None]  # (stage: "reading" | "fitting" | "done", done, total)
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ExtractorSummary:
    """One line of the profile list; ``error`` is set (and the rest empty) for a damaged file."""

    name: str
    fields: tuple[str, ...] = ()
    counts: dict[str, int] | None = None
    examples: int = 0
    trained: bool = False
    stale: bool = False
    revision: int = 0
    fingerprint: str = ""
    report: TaggerReport | None = None
    error: str | None = None


@dataclass(frozen=True)
class AddedExamples:
    added: int
    replaced: int  # the text was already an example: the new values win
    unchanged: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def signature(schema: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """What a schema asks for, for matching requests to profiles: (field, kind) pairs, in order."""
    return tuple((p.name, p.kind + ("[]" if p.array else "")) for p in plan_fields(schema))


class ExtractorStore:
    """Profiles on disk. Safe to share between threads; every write replaces the file atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._loaded: dict[str, tuple[tuple[int, int], Profile]] = {}

    @classmethod
    def open_default(cls) -> ExtractorStore:
        return cls(paths.current().data_dir / "extractors")

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name, 'extractor')}.json"

    # -- reading ------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if p.is_file())

    def get(self, name: str) -> Profile:
        path = self.path(name)
        with self._lock:
            try:
                stat = path.stat()
            except FileNotFoundError:
                raise ExtractorMissing(f"There is no extractor named '{name}'.") from None
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._loaded.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
            profile = parse_profile(path.read_bytes(), path.name)
            if profile.name != name:
                raise ExtractorFileInvalid(f"{path.name} holds the extractor '{profile.name}', not '{name}'.")
            self._loaded[name] = (stamp, profile)
            return profile

    def summaries(self) -> list[ExtractorSummary]:
        result = []
        for name in self.names():
            try:
                p = self.get(name)
            except (ExtractorFileInvalid, InputInvalid) as err:
                result.append(ExtractorSummary(name, error=str(err)))
                continue
            t = p.trained
            result.append(ExtractorSummary(p.name, p.fields, p.counts(), len(p.examples), t is not None, p.stale,
                                           p.revision, t.fingerprint if t else "", t.report if t else None))
        return result

    def find_for_spec(self, spec: ExtractSpec, encoder_key: str) -> Profile | None:
        """The trained profile an extract request should use, or None for zero-shot (see module doc)."""
        if spec.extractor:
            profile = self.get(spec.extractor)
            _check_usable(profile, encoder_key)
            if spec.schema and signature(spec.schema) != signature(profile.schema):
                raise InputInvalid(f"The extractor '{profile.name}' fills the fields {', '.join(profile.fields)}; "
                                   "the schema asks for others.", hint="Leave out the schema, or match it.")
            return profile
        wanted = signature(spec.schema)
        matches = []
        for profile in self._profiles():
            t = profile.trained
            if t and t.encoder.key == encoder_key and signature(profile.schema) == wanted:
                matches.append((t.trained, profile.name, profile))
        return max(matches)[2] if matches else None

    def for_schema(self, schema: dict[str, Any]) -> Profile | None:
        """A profile (trained or not) with this schema's fields, the most recently changed first."""
        wanted = signature(schema)
        found = [(p.updated, p.name, p) for p in self._profiles() if signature(p.schema) == wanted]
        return max(found)[2] if found else None

    def _profiles(self) -> list[Profile]:
        out = []
        for name in self.names():
            try:
                out.append(self.get(name))
            except (ExtractorFileInvalid, InputInvalid):
                continue  # a damaged file must not break extraction; `extractors list` shows it
        return out

    # -- changing -----------------------------------------------------------------------------------
    def create(self, name: str, schema: dict[str, Any]) -> Profile:
        _, fields = learnable_fields(schema)
        with self._lock:
            if check_name(name, "extractor").casefold() in {n.casefold() for n in self.names()}:
                raise InputInvalid(f"An extractor named '{name}' already exists.",
                                   hint="Choose another name, or remove it first.")
            return self._write(Profile(name, schema, fields, created=_now()), bump=False)

    def add_examples(self, name: str, examples: Iterable[Example]) -> AddedExamples:
        new = list(examples)
        if any(e.source not in SOURCES for e in new):
            raise ValueError(f"source must be one of {SOURCES}")
        with self._lock:
            profile = self.get(name)
            by_text = {e.text: e for e in profile.examples}
            added = replaced = unchanged = 0
            for example in new:
                unknown = set(example.values) - set(profile.fields)
                if unknown:
                    raise InputInvalid(f"Fields not in '{name}': {', '.join(sorted(unknown))}. Its fields are "
                                       f"{', '.join(profile.fields)}.")
                example = replace(example, values={f: example.values.get(f) for f in profile.fields})
                old = by_text.get(example.text)
                if old is not None and old.values == example.values:
                    unchanged += 1
                    continue
                added, replaced = (added + 1, replaced) if old is None else (added, replaced + 1)
                by_text.pop(example.text, None)
                by_text[example.text] = example
            if added or replaced:
                self._write(replace(profile, examples=tuple(by_text.values())))
            return AddedExamples(added, replaced, unchanged)

    def remove_examples(self, name: str, texts: Iterable[str]) -> int:
        drop = set(texts)
        with self._lock:
            profile = self.get(name)
            kept = tuple(e for e in profile.examples if e.text not in drop)
            if len(kept) != len(profile.examples):
                self._write(replace(profile, examples=kept))
            return len(profile.examples) - len(kept)

    def remove(self, name: str) -> None:
        with self._lock:
            self.get(name)
            self.path(name).unlink()
            self._loaded.pop(name, None)

    # -- training -----------------------------------------------------------------------------------
    def train(self, name: str, encoder: TokenEncoder, *, progress: TrainProgress | None = None,
              cancel: CancelToken | None = None) -> tuple[Profile, TaggerReport]:
        """Read the examples with the local model (cached), fit and calibrate the tagger, save it."""
        profile = self.get(name)
        examples = [TaggerExample(e.text, dict(e.values)) for e in profile.examples]
        check_examples(examples, profile.fields)  # refuse before spending time on the model
        on_read = (lambda done, total: progress("reading", done, total)) if progress else None
        states = encoder.encode([e.text for e in examples], cancel=cancel, progress=on_read)
        encoder.save_cache()
        if progress:
            progress("fitting", 0, 1)
        if cancel:
            cancel.check()
        tagger, report = fit_tagger(examples, states, profile.fields)
        trained = TrainedTagger(tagger, encoder.model, _now(), examples_digest(profile.examples), report)
        with self._lock:
            current = self.get(name)
            if current.fields != profile.fields:
                raise InputInvalid(f"The fields of '{name}' changed during training.", hint="Train it again.")
            saved = self._write(replace(current, trained=trained))
        if progress:
            progress("done", 1, 1)
        return saved, report

    # -- sharing ------------------------------------------------------------------------------------
    def export(self, name: str, path: Path, *, include_examples: bool = True) -> Path:
        profile = self.get(name)
        atomic_write(Path(path), _dump(profile, include_examples))
        return Path(path)

    def import_file(self, path: Path, *, name: str | None = None, replace_existing: bool = False) -> Profile:
        path = Path(path)
        if not path.is_file():
            raise InputInvalid(f"No such file: {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExtractorFileInvalid(f"{path.name} is too large to be an extractor file.")
        profile = parse_profile(path.read_bytes(), path.name)
        if name is not None:
            profile = replace(profile, name=check_name(name, "extractor"))
        with self._lock:
            taken = {n.casefold(): n for n in self.names()}
            existing = taken.get(profile.name.casefold())
            if existing is not None and not replace_existing:
                raise InputInvalid(f"An extractor named '{existing}' already exists.",
                                   hint="Import it under another name (--name), or replace it (--replace).")
            if existing is not None and existing != profile.name:
                self.remove(existing)
            return self._write(profile, bump=False)

    def _write(self, profile: Profile, *, bump: bool = True) -> Profile:
        with self._lock:
            now = _now()
            profile = replace(profile, revision=profile.revision + (1 if bump else 0), updated=now,
                              created=profile.created or now)
            atomic_write(self.path(profile.name), _dump(profile, True))
            self._loaded.pop(profile.name, None)
            return profile


def _check_usable(profile: Profile, encoder_key: str) -> None:
    if profile.trained is None:
        raise ExtractorNotTrained(f"The extractor '{profile.name}' has not been trained yet.")
    if profile.trained.encoder.key != encoder_key:
        raise ExtractorNotTrained(f"The extractor '{profile.name}' was trained with another model "
                                  f"({profile.trained.encoder.name}).", hint="Train it again with this model.")


def _dump(profile: Profile, include_examples: bool) -> bytes:
    return json.dumps(profile_to_json(profile, include_examples=include_examples), ensure_ascii=False,
                      indent=1).encode("utf-8")
