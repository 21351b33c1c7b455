"""The user's own redactions teach the redaction tagger, on this device only.

When the user hides more text in the consent dialog ("Redact selection") and then allows the send, the
text and what they hid become a training example in the data folder (``redaction_examples.jsonl``,
readable by the owner only). That file holds personal data: it is never sent, never logged, and
``inhouse redact forget`` deletes it. ``retrain`` (``inhouse redact train``, or the app in the
background) fits the tagger on the shipped training text plus these examples and writes
``redaction_tagger.json.gz`` beside it; from then on every redaction, in this process or the next,
uses it (``ensure_active`` checks the file before each redaction).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference.errors import RedactionModelDamaged, RedactionUnavailable

if TYPE_CHECKING:  # the redaction code loads only when it is used (#11: the local path stays light)
    from inference.redact_learn import Example

EXAMPLES_FILE = "redaction_examples.jsonl"
MODEL_FILE = "redaction_tagger.json.gz"


@dataclass
class RedactionLearning:
    data_dir: Path
    corpus: Path | None = None  # the training text (None: the shipped one; tests use a small one)
    params: dict[str, Any] | None = None  # CRF settings (None: those of the shipped tagger)
    _loaded: tuple[Path, int] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def examples_path(self) -> Path:
        return self.data_dir / EXAMPLES_FILE

    @property
    def model_path(self) -> Path:
        return self.data_dir / MODEL_FILE

    def record(self, original: str, hidden: Iterable[str], mapping: Mapping[str, str] | None = None) -> bool:
        """Keep ``original`` with the values the user hid in it (written with the automatic placeholders of
        ``mapping`` still in them, as the consent dialog saw them) as an example. False when none is found."""
        from inference.redact import restore
        from inference.redact_learn import append_example, correction_example

        values = [restore(v, mapping or {}) for v in hidden]
        example = correction_example(original, values)
        if example is None:
            return False
        try:
            with self._lock:
                append_example(self.examples_path, example)
        except OSError:  # a full or read-only disk: the send goes on, only the lesson is lost
            return False
        return True

    def examples(self) -> list[Example]:
        from inference.redact_learn import read_examples

        return read_examples(self.examples_path)

    def retrained(self) -> bool:
        """Is there a tagger trained with the user's examples?"""
        return self.model_path.exists()

    def due(self) -> bool:
        """Are there examples the tagger has not been trained with yet?"""
        if not self.examples_path.exists():
            return False
        return not self.retrained() or self.examples_path.stat().st_mtime_ns > self.model_path.stat().st_mtime_ns

    def retrain(self, stop: Callable[[], bool] | None = None) -> dict[str, int]:
        """Train on the shipped text plus the user's examples (minutes; run it off the GUI thread). When
        ``stop()`` turns True, ``RedactionTrainingStopped`` is raised and the tagger in use stays."""
        from inference.redact_learn import CORPUS_PATH, retrain

        examples = self.examples()
        stats = retrain(examples, self.model_path, corpus=self.corpus or CORPUS_PATH, params=self.params, stop=stop)
        self.ensure_active()
        return stats

    def forget(self) -> int:
        """Delete the examples and the tagger trained with them; the shipped tagger is used again."""
        count = len(self.examples()) if self.examples_path.exists() else 0
        with self._lock:
            self.examples_path.unlink(missing_ok=True)
            self.model_path.unlink(missing_ok=True)
        self.ensure_active()
        return count

    def ensure_active(self) -> None:
        """Redact with the user's retrained tagger when there is one, else with the shipped one."""
        from inference.redact_tagger import active_model, use_model

        with self._lock:
            try:
                stamp = self.model_path.stat().st_mtime_ns
            except FileNotFoundError:
                if self._loaded is not None or active_model() == self.model_path:
                    use_model(None)
                    self._loaded = None
                return
            if self._loaded == (self.model_path, stamp) and active_model() == self.model_path:
                return
            try:
                use_model(self.model_path)
            except RedactionUnavailable as err:
                raise RedactionModelDamaged(f"Your retrained redaction model is damaged: {self.model_path}.") from err
            self._loaded = (self.model_path, stamp)
