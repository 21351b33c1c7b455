"""What a request looks like when it may leave the device, and its answer once back.

Personal data is replaced by placeholders before anything leaves (``inference.redact``). For a
classification the labels are user data too ("complaint from Jane Smith"): the labels, their descriptions
and the few-shot examples are redacted with the text's own placeholders (the same value, the same
placeholder), so the model answers with a redacted label and the device maps it back to the user's label
(``restore_value`` on the output, ``restored_answer`` on per-label probabilities). Redacting never merges
two labels: only detected values are replaced, each distinct value by its own placeholder.

A label is read for detection inside a neutral sentence (``LABEL_CONTEXT``: "The message is about
<label>."), because the name tagger learned on sentences: alone, a fragment such as "exchange_rate" or
"joy" looks like a name to it and would leave as "[ORG_1]", which no model can classify into. This is
a design choice, not a measured one: no held-out figure of label redaction exists yet.

Imported only when an answer may leave (the local path never loads redaction; tests/test_imports.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from inference import redact_people
from inference.providers import ProviderAnswer
from inference.redact import Redaction, pseudonymize, pseudonymize_more, restore
from inference.tasks.base import ClassifySpec, TaskRequest

LABEL_CONTEXT = ("The message is about ", ".")  # how a label is read for detection (pseudonymize_more)


def sendable_request(request: TaskRequest, *, redact: bool) -> tuple[Redaction, TaskRequest]:
    """``request`` as it may leave (unchanged when the tier does not redact) and the redaction whose mapping
    restores every placeholder it holds (the text's, the labels', the examples')."""
    if not redact:
        return Redaction(text=request.text, mapping={}, spans=()), request
    redact_people.activate()  # names read by the starter model too (RedactionUnavailable if it cannot run)
    redaction = pseudonymize(request.text)
    sendable = replace(request, text=redaction.text)
    spec = request.spec
    if not isinstance(spec, ClassifySpec):
        return redaction, sendable
    described = [label for label, _ in spec.descriptions if label not in spec.labels]  # refused later anyway
    labels = (*spec.labels, *described)
    out, redaction = pseudonymize_more(redaction, labels, context=LABEL_CONTEXT)
    as_sent = dict(zip(labels, out, strict=True))
    texts = (*(text for _, text in spec.descriptions), *(text for text, _ in spec.examples))
    more, redaction = pseudonymize_more(redaction, texts)
    d = len(spec.descriptions)
    descriptions = tuple((as_sent[label], text) for (label, _), text in zip(spec.descriptions, more[:d], strict=True))
    examples = tuple((text, as_sent.get(label, label)) for (_, label), text in zip(spec.examples, more[d:],
                                                                                   strict=True))
    spec = replace(spec, labels=tuple(as_sent[label] for label in spec.labels), descriptions=descriptions,
                   examples=examples)
    return redaction, replace(sendable, spec=spec)


def restored_answer(answer: ProviderAnswer, mapping: Mapping[str, str]) -> ProviderAnswer:
    """The answer's per-label probabilities keyed by the user's own labels again (a server that returns
    them saw the redacted labels)."""
    if not answer.probabilities or not mapping:
        return answer
    return replace(answer, probabilities={restore(label, mapping): p for label, p in answer.probabilities.items()})

