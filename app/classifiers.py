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

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from app.classifier_files import (
    KIND,
    MAX_EXAMPLE_CHARS,
    SOURCES,
    Candidate,
    Example,
    Profile,
    TrainedHead,
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
from app.profile_store import ProfileStore, StoreKind, TrainProgress, now
from inference.classifier_head import TrainReport, check_counts, fit_head
from inference.embedding import Embedder
from inference.engine import CancelToken
from inference.errors import ClassifierLabelsDiffer, ClassifierMissing, ClassifierNotTrained, InputInvalid
from inference.tasks.base import ClassifySpec, check_labels

__all__ = [
    "AddedExamples", "ClassifierStore", "Profile", "ProfileSummary", "RatePoint", "Suggestion",
    "TrainProgress", "classify_text", "escalation_rate", "read_examples", "suggest_for_labelling",
]  # fmt: skip

# TrainProgress stages: "embedding" | "fitting" | "done"


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


class ClassifierStore(ProfileStore[Profile, ProfileSummary]):
    """Classifier profiles on disk (``app.profile_store``: atomic writes, list, import, export)."""

    kind = StoreKind(KIND, "classifiers", ClassifierMissing, parse_profile, profile_to_json)

    def _summary(self, p: Profile) -> ProfileSummary:
        t = p.trained
        return ProfileSummary(p.name, p.labels, p.counts(), t is not None, p.stale, p.revision,
                              t.fingerprint if t else "", t.report if t else None, len(p.candidates))

    def _damaged(self, name: str, error: str) -> ProfileSummary:
        return ProfileSummary(name, error=error)

    def find_for_spec(self, spec: ClassifySpec, model_key: str) -> Profile | None:
        """The trained profile a classify request should use, or None for zero-shot (see module doc)."""
        if spec.classifier:
            profile = self.get(spec.classifier)
            _check_usable(profile, model_key)
            if spec.labels and set(spec.labels) != set(profile.labels):
                raise ClassifierLabelsDiffer(f"The classifier '{profile.name}' has the labels "
                                             f"{', '.join(profile.labels)}, not {', '.join(spec.labels)}.")
            return profile
        wanted = set(spec.labels)
        return self.latest_trained(lambda p: set(p.labels) == wanted and p.trained is not None
                                   and p.trained.embedding.key == model_key)

    # -- changing -----------------------------------------------------------------------------------
    def create(self, name: str, labels: Iterable[str]) -> Profile:
        clean = _check_labels([label.strip() for label in labels])
        with self._lock:
            self._check_free(name)
            return self._write(Profile(name, clean, created=now()), bump=False)

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
        trained = TrainedHead(head, embedder.model, now(), examples_digest(profile.examples), report)
        saved = self._save_trained(name, trained, lambda current: current.labels == labels, "labels")
        if progress:
            progress("done", 1, 1)
        return saved, report

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
            self._write(replace(profile, candidates=(*profile.candidates, Candidate(text, label, now(), source))))
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
    check_labels(labels)
    if len({label.casefold() for label in labels}) != len(labels):
        raise InputInvalid("The labels contain a duplicate (labels are compared without case).")
    return tuple(labels)


def _pick(candidates: tuple[Candidate, ...], texts: Iterable[str] | None) -> list[Candidate]:
    if texts is None:
        return list(candidates)
    wanted = {t.strip() for t in texts}
    return [c for c in candidates if c.text in wanted]
