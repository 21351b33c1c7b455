"""Classifier profiles: teach Inhouse a label set by example, train a head on the device, share it.

A profile (see :mod:`app.classifier_files` for the file format) lives in one JSON file under
``<data dir>/classifiers/NAME.json``; embeddings of examples are cached under ``classifiers/cache/``.
Every saved change bumps the profile's ``revision``; a trained head carries a SHA-256 fingerprint.
Changing the label set drops the trained head (it cannot predict a label it never saw): train again.

    store = ClassifierStore.open_default()
    store.create("support", ["billing", "bug", "feature"])
    store.add_examples("support", read_examples(Path("labelled.csv")))
    profile, report = store.train("support", host.embedder())
    store.export("support", Path("support.inhouse-classifier.json"))

Which classify requests use a trained head (``find_for_spec``, called by ``EngineHost.run``):
- a ``ClassifySpec`` that names a profile (``classifier="support"``) uses it, or fails with a clear error
  (no such profile, not trained, trained on another model's embeddings, different labels);
- otherwise a spec whose label set is exactly (same strings, any order) a trained profile's label set
  uses that profile (the most recently trained one if several match); few-shot examples and descriptions
  in the spec are then not used. Anything else is scored zero-shot by the local model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from app import paths
from app.classifier_files import (
    MAX_EXAMPLE_CHARS,
    MAX_LABEL_CHARS,
    MAX_LABELS,
    SOURCES,
    Candidate,
    Example,
    Profile,
    TrainedHead,
    check_name,
    examples_digest,
    parse_profile,
    profile_to_json,
)
from app.classifier_learning import (
    RatePoint,
    Suggestion,
    classify_text,
    escalation_rate,
    read_examples,
    suggest_for_labelling,
)
from app.profile_files import atomic_write
from inference.classifier_head import TrainReport, check_counts, fit_head
from inference.embedding import Embedder
from inference.engine import CancelToken
from inference.errors import ClassifierFileInvalid, ClassifierMissing, ClassifierNotTrained, InputInvalid
from inference.tasks.base import ClassifySpec

__all__ = [
    "AddedExamples", "ClassifierStore", "Profile", "ProfileSummary", "RatePoint", "Suggestion",
    "TrainProgress", "classify_text", "escalation_rate", "read_examples", "suggest_for_labelling",
]  # fmt: skip

TrainProgress = Callable[[str, int, int], None]  # (stage: "embedding" | "fitting" | "done", done, total)


@dataclass(frozen=True)
class ProfileSummary:
    """One line of the profile list; ``error`` is set (and the rest empty) for a damaged file."""

    name: str
    labels: tuple[str, ...] = ()
    counts: dict[str, int] | None = None
    trained: bool = False
    stale: bool = False
    revision: int = 0
    fingerprint: str = ""
    report: TrainReport | None = None
    candidates: int = 0
    error: str | None = None


@dataclass(frozen=True)
class AddedExamples:
    added: int
    relabelled: int  # the text was already an example, under another label: the new label wins
    unchanged: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ClassifierStore:
    """Profiles on disk. Safe to share between threads; every write replaces the file atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._loaded: dict[str, tuple[tuple[int, int], Profile]] = {}

    @classmethod
    def open_default(cls) -> ClassifierStore:
        return cls(paths.current().data_dir / "classifiers")

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.json"

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
                raise ClassifierMissing(f"There is no classifier named '{name}'.") from None
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._loaded.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
            profile = parse_profile(path.read_bytes(), path.name)
            if profile.name != name:
                raise ClassifierFileInvalid(f"{path.name} holds the classifier '{profile.name}', not '{name}'.")
            self._loaded[name] = (stamp, profile)
            return profile

    def summaries(self) -> list[ProfileSummary]:
        """Every profile, damaged files included (with their error), for the list and the UI page."""
        result = []
        for name in self.names():
            try:
                p = self.get(name)
            except (ClassifierFileInvalid, InputInvalid) as err:
                result.append(ProfileSummary(name, error=str(err)))
                continue
            t = p.trained
            result.append(ProfileSummary(
                p.name, p.labels, p.counts(), t is not None, p.stale, p.revision, t.fingerprint if t else "",
                t.report if t else None, len(p.candidates)))
        return result

    def find_for_spec(self, spec: ClassifySpec, model_key: str) -> Profile | None:
        """The trained profile a classify request should use, or None for zero-shot (see module doc)."""
        if spec.classifier:
            profile = self.get(spec.classifier)
            _check_usable(profile, model_key)
            if spec.labels and set(spec.labels) != set(profile.labels):
                raise InputInvalid(f"The classifier '{profile.name}' has the labels {', '.join(profile.labels)}, "
                                   f"not {', '.join(spec.labels)}.", hint="Leave out --labels, or match them.")
            return profile
        wanted = set(spec.labels)
        matches = []
        for name in self.names():
            try:
                profile = self.get(name)
            except (ClassifierFileInvalid, InputInvalid):
                continue  # a damaged file must not break classification; `classifiers list` shows it
            if profile.trained and set(profile.labels) == wanted and profile.trained.embedding.key == model_key:
                matches.append((profile.trained.trained, profile.name, profile))
        return max(matches)[2] if matches else None

    # -- changing -----------------------------------------------------------------------------------
    def create(self, name: str, labels: Iterable[str]) -> Profile:
        clean = _check_labels([label.strip() for label in labels])
        with self._lock:
            taken = {n.casefold() for n in self.names()}
            if check_name(name).casefold() in taken:
                raise InputInvalid(f"A classifier named '{name}' already exists.",
                                   hint="Choose another name, or remove it first.")
            return self._write(Profile(name, clean, created=_now()), bump=False)

    def add_examples(self, name: str, examples: Iterable[tuple[str, str]], source: str = "user") -> AddedExamples:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        new = [(t.strip(), label.strip()) for t, label in examples]
        too_long = [t[:40] for t, _ in new if len(t) > MAX_EXAMPLE_CHARS]
        if too_long:
            raise InputInvalid(f"An example is longer than {MAX_EXAMPLE_CHARS:,} characters: '{too_long[0]}...'.",
                               hint="Examples are single messages; shorten or split it.")
        with self._lock:
            profile = self.get(name)
            unknown = sorted({label for _, label in new} - set(profile.labels))
            if unknown:
                raise InputInvalid(f"Labels not in '{name}': {', '.join(unknown)}. Its labels are "
                                   f"{', '.join(profile.labels)}.", hint="Fix the labels, or add the label first.")
            by_text = {e.text: e for e in profile.examples}
            added = relabelled = unchanged = 0
            for text, label in new:
                if not text:
                    continue
                old = by_text.get(text)
                if old is not None and old.label == label:
                    unchanged += 1
                    continue
                added, relabelled = (added + 1, relabelled) if old is None else (added, relabelled + 1)
                by_text.pop(text, None)
                by_text[text] = Example(text, label, source)
            if added or relabelled:
                self._write(replace(profile, examples=tuple(by_text.values())))
            return AddedExamples(added, relabelled, unchanged)

    def remove_examples(self, name: str, texts: Iterable[str]) -> int:
        drop = {t.strip() for t in texts}
        with self._lock:
            profile = self.get(name)
            kept = tuple(e for e in profile.examples if e.text not in drop)
            if len(kept) != len(profile.examples):
                self._write(replace(profile, examples=kept))
            return len(profile.examples) - len(kept)

    def add_label(self, name: str, label: str) -> Profile:
        with self._lock:
            profile = self.get(name)
            labels = _check_labels([*profile.labels, label.strip()])
            return self._write(replace(profile, labels=labels, trained=None))

    def remove_label(self, name: str, label: str) -> Profile:
        """Drop a label and its examples (and candidates); the head must then be trained again."""
        with self._lock:
            profile = self.get(name)
            if label not in profile.labels:
                raise InputInvalid(f"'{name}' has no label '{label}'.")
            labels = _check_labels([x for x in profile.labels if x != label])
            return self._write(replace(
                profile, labels=labels, trained=None, examples=tuple(e for e in profile.examples if e.label != label),
                candidates=tuple(c for c in profile.candidates if c.label != label)))

    def remove(self, name: str) -> None:
        with self._lock:
            self.get(name)  # a clear error when it does not exist
            self.path(name).unlink()
            self._loaded.pop(name, None)

    # -- training -----------------------------------------------------------------------------------
    def train(
        self, name: str, embedder: Embedder, *, progress: TrainProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> tuple[Profile, TrainReport]:
        """Embed the examples (cached), fit and calibrate the head, save it; returns the figures."""
        profile = self.get(name)
        labels = profile.labels
        y = np.array([labels.index(e.label) for e in profile.examples], dtype=np.int64)
        check_counts(labels, y)  # refuse before spending time on embeddings
        texts = [e.text for e in profile.examples]
        on_embed = (lambda done, total: progress("embedding", done, total)) if progress else None
        vectors = embedder.embed(texts, cancel=cancel, progress=on_embed)
        embedder.save_cache()
        if progress:
            progress("fitting", 0, 1)
        head, report = fit_head(vectors, y, labels)
        trained = TrainedHead(head, embedder.model, _now(), examples_digest(profile.examples), report)
        with self._lock:
            current = self.get(name)
            if current.labels != labels:
                raise InputInvalid(f"The labels of '{name}' changed during training.", hint="Train it again.")
            saved = self._write(replace(current, trained=trained))
        if progress:
            progress("done", 1, 1)
        return saved, report

    # -- sharing ------------------------------------------------------------------------------------
    def export(self, name: str, path: Path, *, include_examples: bool = True) -> Path:
        """Write the profile as one file; without examples the receiver can classify but not retrain."""
        profile = self.get(name)
        atomic_write(Path(path), _dump(profile, include_examples=include_examples))
        return Path(path)

    def import_file(self, path: Path, *, name: str | None = None, replace_existing: bool = False) -> Profile:
        """Validate a classifier file and add it (as ``name``, else under its own name)."""
        path = Path(path)
        if not path.is_file():
            raise InputInvalid(f"No such file: {path}")
        if path.stat().st_size > 64 * 1024 * 1024:
            raise ClassifierFileInvalid(f"{path.name} is too large to be a classifier file.")
        profile = parse_profile(path.read_bytes(), path.name)
        if name is not None:
            profile = replace(profile, name=check_name(name))
        with self._lock:
            taken = {n.casefold(): n for n in self.names()}
            existing = taken.get(profile.name.casefold())
            if existing is not None and not replace_existing:
                raise InputInvalid(f"A classifier named '{existing}' already exists.",
                                   hint="Import it under another name (--name), or replace it (--replace).")
            if existing is not None and existing != profile.name:
                self.remove(existing)
            return self._write(profile, bump=False)

    # -- learning from use --------------------------------------------------------------------------
    def add_candidate(self, name: str, text: str, label: str, source: str = "frontier") -> bool:
        """Keep a (text, label) pair for the user to accept later; False if already known."""
        text = text.strip()
        with self._lock:
            profile = self.get(name)
            if label not in profile.labels or not text:
                return False
            if any(e.text == text for e in profile.examples) or any(c.text == text for c in profile.candidates):
                return False
            self._write(replace(profile, candidates=(*profile.candidates, Candidate(text, label, _now(), source))))
            return True

    def accept_candidates(self, name: str, texts: Iterable[str] | None = None) -> int:
        """Make candidates (all, or those with these texts) examples; returns how many."""
        with self._lock:
            profile = self.get(name)
            chosen = _pick(profile.candidates, texts)
            if chosen:
                self._write(replace(profile, candidates=tuple(c for c in profile.candidates if c not in chosen)))
                self.add_examples(name, [(c.text, c.label) for c in chosen], source=chosen[0].source)
            return len(chosen)

    def reject_candidates(self, name: str, texts: Iterable[str] | None = None) -> int:
        with self._lock:
            profile = self.get(name)
            chosen = _pick(profile.candidates, texts)
            if chosen:
                self._write(replace(profile, candidates=tuple(c for c in profile.candidates if c not in chosen)))
            return len(chosen)

    # -- internals ----------------------------------------------------------------------------------
    def _write(self, profile: Profile, *, bump: bool = True) -> Profile:
        if bump:
            profile = replace(profile, revision=profile.revision + 1)
        profile = replace(profile, updated=_now(), created=profile.created or _now())
        path = self.path(profile.name)
        atomic_write(path, _dump(profile))
        stat = path.stat()
        self._loaded[profile.name] = ((stat.st_mtime_ns, stat.st_size), profile)
        return profile


def _check_usable(profile: Profile, model_key: str) -> None:
    if profile.trained is None:
        raise ClassifierNotTrained(f"The classifier '{profile.name}' has not been trained yet.")
    if profile.trained.embedding.key != model_key:
        raise ClassifierNotTrained(
            f"The classifier '{profile.name}' was trained on embeddings of {profile.trained.embedding.name}, "
            "not of the model in use now.", hint=f"Train it again: `inhouse classifiers train {profile.name}`.")


def _check_labels(labels: list[str]) -> tuple[str, ...]:
    if len(labels) < 2:
        raise InputInvalid("A classifier needs at least two labels, e.g. --labels billing,bug,feature.")
    if any(not label for label in labels):
        raise InputInvalid("A label is empty; labels are separated by commas.")
    if any(len(label) > MAX_LABEL_CHARS for label in labels) or len(labels) > MAX_LABELS:
        raise InputInvalid(f"Labels are at most {MAX_LABEL_CHARS} characters, and at most {MAX_LABELS} labels.")
    if len({label.casefold() for label in labels}) != len(labels):
        raise InputInvalid("The labels contain a duplicate (labels are compared without case).")
    return tuple(labels)


def _pick(candidates: tuple[Candidate, ...], texts: Iterable[str] | None) -> list[Candidate]:
    if texts is None:
        return list(candidates)
    wanted = {t.strip() for t in texts}
    return [c for c in candidates if c.text in wanted]


def _dump(profile: Profile, *, include_examples: bool = True) -> bytes:
    import json

    data = profile_to_json(profile, include_examples=include_examples)
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
