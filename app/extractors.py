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

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from app.extractor_files import (
    KIND,
    SOURCES,
    Example,
    Profile,
    TrainedTagger,
    examples_digest,
    learnable_fields,
    parse_profile,
    profile_to_json,
)
from app.profile_store import ProfileStore, StoreKind, TrainProgress, now
from inference.engine import CancelToken
from inference.errors import Cancelled, ExtractorMissing, ExtractorNotTrained, InputInvalid
from inference.extractor_tagger import Example as TaggerExample
from inference.extractor_tagger import TaggerReport, check_examples, fit_tagger
from inference.tasks.base import ExtractSpec, FieldConfidence
from inference.tasks.extract_plan import plan_fields
from inference.token_features import TokenEncoder

__all__ = [  # what ui/ needs from below, so that it never imports inference/
    "AddedExamples", "CancelToken", "Cancelled", "ExtractorStore", "ExtractorSummary", "FieldConfidence",
    "TaggerReport", "signature",
]  # fmt: skip

# TrainProgress stages: "reading" | "fitting" | "done"


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


def signature(schema: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """What a schema asks for, for matching requests to profiles: (field, kind) pairs, in order."""
    return tuple((p.name, p.kind + ("[]" if p.array else "")) for p in plan_fields(schema))


class ExtractorStore(ProfileStore[Profile, ExtractorSummary]):
    """Extractor profiles on disk (``app.profile_store``: atomic writes, list, import, export)."""

    kind = StoreKind(KIND, "extractors", ExtractorMissing, parse_profile, profile_to_json)

    def _summary(self, p: Profile) -> ExtractorSummary:
        t = p.trained
        return ExtractorSummary(p.name, p.fields, p.counts(), len(p.examples), t is not None, p.stale, p.revision,
                                t.fingerprint if t else "", t.report if t else None)

    def _damaged(self, name: str, error: str) -> ExtractorSummary:
        return ExtractorSummary(name, error=error)

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
        return self.latest_trained(lambda p: p.trained is not None and p.trained.encoder.key == encoder_key
                                   and signature(p.schema) == wanted)

    def for_schema(self, schema: dict[str, Any]) -> Profile | None:
        """A profile (trained or not) with this schema's fields, the most recently changed first."""
        wanted = signature(schema)
        found = [(p.updated, p.name, p) for p in self.profiles() if signature(p.schema) == wanted]
        return max(found)[2] if found else None

    # -- changing -----------------------------------------------------------------------------------
    def create(self, name: str, schema: dict[str, Any]) -> Profile:
        _, fields = learnable_fields(schema)
        with self._lock:
            self._check_free(name)
            return self._write(Profile(name, schema, fields, created=now()), bump=False)

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
        trained = TrainedTagger(tagger, encoder.model, now(), examples_digest(profile.examples), report)
        saved = self._save_trained(name, trained, lambda current: current.fields == profile.fields, "fields")
        if progress:
            progress("done", 1, 1)
        return saved, report


def _check_usable(profile: Profile, encoder_key: str) -> None:
    if profile.trained is None:
        raise ExtractorNotTrained(f"The extractor '{profile.name}' has not been trained yet.")
    if profile.trained.encoder.key != encoder_key:
        raise ExtractorNotTrained(f"The extractor '{profile.name}' was trained with another model "
                                  f"({profile.trained.encoder.name}).", hint="Train it again with this model.")
