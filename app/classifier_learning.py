"""Using and improving classifier profiles: classify with a head, pick what to label next, learn from use.

- ``classify_text``: a ``TaskResult`` from a trained head (tier "local", method "trained"), with
  calibrated probabilities for every label; confidence is the top one.
- ``suggest_for_labelling``: the texts the classifier is least sure about come first.
- ``add_correction``: "this should be X" adds the message as an example of X to the matching profile.
- ``keep_frontier_candidate``: where policy allows (``[learning] keep_frontier_answers``), the label a
  frontier model gave an escalated message becomes a candidate example, pending the user's accept.
- ``escalation_rate``: per day, how many classify runs went to the frontier (from the history).
- ``read_examples``: labelled examples from a CSV (``text,label``) or JSONL (``{"text", "label"}``) file.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from app.classifier_files import Profile
from app.inputs import labelled_rows, read_text_file
from app.json_files import loads
from app.outcome import Outcome
from app.policy import Policy
from app.store import Store
from inference.embedding import Embedder
from inference.engine import CancelToken
from inference.errors import (
    ClassifierFileInvalid,
    ClassifierMissing,
    ClassifierNotTrained,
    InhouseError,
    InputInvalid,
    NotEnoughExamples,
)
from inference.tasks.base import Calibration, ClassifySpec, TaskResult, Usage
from inference.tasks.common import check_text, timed

if TYPE_CHECKING:
    from app.classifiers import ClassifierStore

log = logging.getLogger("inhouse.classifiers")
# outcomes other than "kept on the device" (older rows: ask_consent, escalate)
WANTED_ESCALATION = ("ask_consent", "escalate", "ask", "deny", "declined", "queue", "failed")


def classify_text(profile: Profile, embedder: Embedder, text: str, cancel: CancelToken | None = None) -> TaskResult:
    if profile.trained is None:
        raise ClassifierNotTrained(f"The classifier '{profile.name}' has not been trained yet.")
    text = check_text(text)
    head = profile.trained.head
    with timed() as timer:
        tokens = embedder.count_tokens(text)
        probs = head.probabilities(embedder.embed([text], cancel=cancel, remember=False))[0]
    ranked = np.argsort(-probs)
    top, second = float(probs[ranked[0]]), float(probs[ranked[1]])
    entropy = -sum(float(p) * math.log(float(p)) for p in probs if p > 0)
    signals = {
        "top_probability": top,
        "margin": top - second,
        "normalized_entropy": entropy / math.log(len(probs)),
        "input_kept": min(1.0, embedder.n_ctx / max(1, tokens)),
        "classifier_revision": float(profile.revision),
    }
    return TaskResult(
        task="classify", output=head.labels[int(ranked[0])], confidence=top, signals=signals,
        usage=Usage(prompt_tokens=tokens), latency_ms=timer.ms,
        model=f"{embedder.model.name} + classifier {profile.name}", tier="local", method="trained",
        probabilities={label: float(p) for label, p in zip(head.labels, probs, strict=True)},
        calibration=Calibration("trained", trained_basis(profile), profile.trained.report.examples),
    )  # fmt: skip


def trained_basis(profile: Profile) -> str:
    """ "Using classifier 'support', accuracy 0.82" (cross-validated when it was trained)."""
    if profile.trained is None:
        return f"Classifier '{profile.name}' is not trained yet."
    return f"Using classifier '{profile.name}', accuracy {profile.trained.report.cv_accuracy:.2f}"


class Suggestion(NamedTuple):
    text: str
    predicted: str
    confidence: float


def suggest_for_labelling(
    profile: Profile, texts: Sequence[str], embedder: Embedder, cancel: CancelToken | None = None,
) -> list[Suggestion]:
    """Unlabelled texts with the classifier's guess, least confident first (label these first)."""
    if profile.trained is None:
        raise ClassifierNotTrained(f"The classifier '{profile.name}' has not been trained yet.")
    known = {e.text for e in profile.examples}
    todo = list(dict.fromkeys(t.strip() for t in texts if t.strip() and t.strip() not in known))
    if not todo:
        return []
    head = profile.trained.head
    probs = head.probabilities(embedder.embed(todo, cancel=cancel, remember=False))
    best = probs.argmax(axis=1)
    found = [Suggestion(t, head.labels[int(b)], float(p[b])) for t, b, p in zip(todo, best, probs, strict=True)]
    return sorted(found, key=lambda s: s.confidence)


# -- learning from use --------------------------------------------------------------------------------

def profile_for_outcome(store: ClassifierStore, outcome: Outcome) -> Profile:
    """The profile a classify outcome belongs to: the one its spec names, else one with its label set."""
    spec = outcome.request.spec
    if not isinstance(spec, ClassifySpec):
        raise InputInvalid("Only classification results can be corrected.")
    if spec.classifier:
        return store.get(spec.classifier)
    matches = [(p.trained is not None, p.updated, p.name, p) for p in store.profiles()
               if set(p.labels) == set(spec.labels)]
    if not matches:
        raise ClassifierMissing(
            f"No classifier has the labels {', '.join(spec.labels)}.",
            hint=f"Create one: `inhouse classifiers create NAME --labels {','.join(spec.labels)}`.")
    return max(matches)[3]


def add_correction(store: ClassifierStore, outcome: Outcome, label: str) -> str:
    """Add the outcome's message as an example of ``label``; returns the profile's name."""
    profile = profile_for_outcome(store, outcome)
    if label not in profile.labels:
        raise InputInvalid(f"'{label}' is not a label of '{profile.name}' ({', '.join(profile.labels)}).")
    store.add_examples(profile.name, [(outcome.request.text, label)], source="correction")
    return profile.name


def keep_frontier_candidate(store: ClassifierStore, outcome: Outcome, policy: Policy) -> bool:
    """Keep a frontier label for an escalated message as a candidate example (if policy allows)."""
    if not policy.learning.keep_frontier_answers or outcome.remote is None:
        return False
    if outcome.request.task != "classify" or not isinstance(outcome.answer, str):
        return False
    try:
        profile = profile_for_outcome(store, outcome)
        return store.add_candidate(profile.name, outcome.request.text, outcome.answer)
    except (ClassifierMissing, ClassifierFileInvalid, InputInvalid, OSError):
        return False  # learning is a bonus: it must never cost the user the answer


@dataclass(frozen=True)
class RatePoint:
    day: str  # UTC date, YYYY-MM-DD
    runs: int
    wanted: int  # the router did not accept the local answer (asked, escalated, denied or queued)
    escalated: int  # answered by the frontier model
    trained: int  # answered locally by a trained classifier head

    @property
    def rate(self) -> float:
        return self.escalated / self.runs if self.runs else 0.0


def escalation_rate(
    store: Store, *, task: str = "classify", days: int = 30, limit: int = 10_000, now: datetime | None = None,
) -> list[RatePoint]:
    """Escalations per day over the last ``days`` days, oldest first (only what the history kept)."""
    since = ((now or datetime.now(UTC)) - timedelta(days=days)).date().isoformat()
    counts: dict[str, list[int]] = {}
    for entry in store.list_history(limit):
        day = entry.created[:10]
        if entry.task != task or day < since:
            continue
        row = counts.setdefault(day, [0, 0, 0, 0])
        row[0] += 1
        row[1] += entry.decision in WANTED_ESCALATION or entry.tier == "frontier"
        row[2] += entry.tier == "frontier"
        row[3] += entry.method == "trained"
    return [RatePoint(day, *row) for day, row in sorted(counts.items())]


class BackgroundTrainer:
    """Retrains a profile off the caller's thread after a correction (one training per profile at a time;
    a request during a training runs once more afterwards, so the newest examples always count).
    A profile with too few examples per label is simply not trained yet; other errors are logged."""

    def __init__(self, store: Callable[[], ClassifierStore], embedder: Callable[[], Embedder]) -> None:
        self._store, self._embedder = store, embedder
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}
        self._again: set[str] = set()
        self.last_error: dict[str, str] = {}

    def request(self, name: str) -> None:
        with self._lock:
            if name in self._running:
                self._again.add(name)
                return
            thread = threading.Thread(target=self._run, args=(name,), name=f"train-{name}", daemon=True)
            self._running[name] = thread
        thread.start()

    def _run(self, name: str) -> None:
        while True:
            try:
                self._store().train(name, self._embedder())
                self.last_error.pop(name, None)
            except NotEnoughExamples as err:
                self.last_error[name] = str(err)
            except (InhouseError, OSError) as err:
                self.last_error[name] = str(err)
                log.warning("retraining classifier %s failed: %s", name, err)
            with self._lock:
                if name not in self._again:
                    del self._running[name]
                    return
                self._again.discard(name)

    def wait(self, timeout: float | None = None) -> None:
        """Block until every training started so far has finished (for tests and shutdown)."""
        while True:
            with self._lock:
                threads = list(self._running.values())
            if not threads:
                return
            for thread in threads:
                thread.join(timeout)
            if timeout is not None:
                return


# -- reading examples ---------------------------------------------------------------------------------

def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs from CSV with a ``text,label`` header, or JSONL (``.jsonl`` / ``.ndjson``)."""
    path = Path(path)
    content = read_text_file(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        pairs = _read_jsonl(content, path.name)
        if not pairs:
            raise InputInvalid(f"{path.name} has no examples.",
                               hint="Give one {\"text\": ..., \"label\": ...} per line.")
        return pairs
    return list(labelled_rows(content, path.name))  # a row without a text or a label is an error, not skipped


def _read_jsonl(content: str, origin: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = loads(line, f"{origin}, line {number}")
        except json.JSONDecodeError as err:
            raise InputInvalid(f"{origin}, line {number}: not valid JSON ({err.msg}).") from err
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(
                item.get("label"), str):
            raise InputInvalid(f"{origin}, line {number}: expected an object with \"text\" and \"label\" strings.")
        pairs.append((item["text"].strip(), item["label"].strip()))
    return pairs
