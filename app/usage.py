"""What the monthly review counts, written where every answer passes (``Assistant._remember``).

``record_answer(store, outcome, policy)`` turns one outcome into a :class:`app.store_usage.UsageEvent` and
adds it to the month's aggregates: the task, the profile (the classifier a request named, the extraction
schema's ``title``), the tier that answered, how the run ended, the consent, the device's confidence (in
0.01 bins), what was actually spent, and what the message would have cost had it gone to the frontier
model: the tokens the provider counted when it did go, else :func:`frontier_equivalent` (an offline
character count of the request and of the answer Inhouse gave, see there), priced from the dated table
``resources/prices.toml`` at the policy's escalation model. No text and no label is kept.

``origin("rerun")`` / ``origin("queued")`` mark answers that are the same message again (the user asked
the cloud model for a past answer; a queued request sent later), so the volume counts each message once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from app.consent import ConsentStatus
from app.outcome import Outcome
from app.policy import Policy
from app.policy_schema import SPECS
from app.store import Store
from app.store_usage import UsageEvent
from app.tiers import TierKind
from inference.errors import InhouseError
from inference.prices import MESSAGE_OVERHEAD_TOKENS, PriceTable, estimate_tokens
from inference.tasks.base import ClassifySpec, ExtractSpec, TaskRequest
from inference.tasks.serialize import request_to_json

log = logging.getLogger(__name__)

ORIGINS = ("run", "rerun", "queued")
_ORIGIN: ContextVar[str] = ContextVar("inhouse_usage_origin", default="run")


@contextmanager
def origin(kind: str) -> Iterator[None]:
    """Answers recorded inside are counted as ``kind`` (rerun | queued) instead of a new run."""
    if kind not in ORIGINS:
        raise ValueError(f"unknown origin {kind!r}")
    token = _ORIGIN.set(kind)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def month_of(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m")


def profile_of(request: TaskRequest) -> str:
    """The classifier profile the request named, or the extraction schema's title ('' when none)."""
    spec = request.spec
    if isinstance(spec, ClassifySpec):
        return spec.classifier or ""
    if isinstance(spec, ExtractSpec):
        title = spec.schema.get("title")
        return title.strip()[:80] if isinstance(title, str) else ""
    return ""


@lru_cache(maxsize=1)
def _prices() -> PriceTable:
    return PriceTable.load()


def frontier_equivalent(request: TaskRequest, answer: Any, model: str, prices: PriceTable) -> tuple[int, int]:
    """Tokens the frontier model would have counted for this request and this answer, offline and without
    the provider's modules (the local path stays light, see tests/test_imports.py): the request as JSON
    (its text and what its spec carries: labels, descriptions, examples, schema) plus the message framing,
    and the answer Inhouse gave as JSON, in the price table's characters per token for ``model``. The
    provider's fixed instructions are not counted, so the frontier-only bill errs low: a saving is never
    overstated."""
    factor = prices.price(model).token_factor
    sent = json.dumps(request_to_json(request), ensure_ascii=False)
    answered = json.dumps(answer, ensure_ascii=False)
    return estimate_tokens(sent, factor) + MESSAGE_OVERHEAD_TOKENS, max(1, estimate_tokens(answered, factor))


def event_from_outcome(outcome: Outcome, policy: Policy, moment: datetime | None = None) -> UsageEvent:
    prices = _prices()
    spent_in = sum(h.input_tokens for h in outcome.hops)
    spent_out = sum(h.output_tokens for h in outcome.hops)
    spent_usd = sum(h.cost_usd for h in outcome.hops)
    cloud = next((h for h in reversed(outcome.hops) if h.tier is TierKind.CLOUD), None)
    if cloud is not None:
        model, frontier_in, frontier_out = cloud.model, cloud.input_tokens, cloud.output_tokens
    else:  # no frontier model chosen (escalation off, or an invalid policy at its safest): the default one's price
        model = policy.escalation.model or str(SPECS["escalation.model"].default)
        frontier_in, frontier_out = frontier_equivalent(outcome.request, outcome.answer, model, prices)
    return UsageEvent(
        month=month_of(moment), task=outcome.request.task, profile=profile_of(outcome.request),
        origin=_ORIGIN.get(), tier=outcome.tier.value, action=outcome.action.value, consent=_consent(outcome),
        priced_model=model, confidence=float(outcome.local.confidence),
        frontier_input_tokens=frontier_in, frontier_output_tokens=frontier_out,
        frontier_usd=prices.cost(model, frontier_in, frontier_out),
        spent_input_tokens=spent_in, spent_output_tokens=spent_out, spent_usd=spent_usd,
    )


def _consent(outcome: Outcome) -> str:
    """The last consent decision of the run: why it stopped (declined, queued after a yes), else how the
    answer shown left the device (one per message: a walk that asked twice counts its last answer)."""
    if outcome.consent is not ConsentStatus.NOT_ASKED or not outcome.hops:
        return outcome.consent.value
    return outcome.hops[-1].consent.value


def record_answer(store: Store, outcome: Outcome, policy: Policy) -> None:
    """Count the outcome in the review's aggregates; a failure here never costs the user the answer."""
    try:
        store.record_usage(event_from_outcome(outcome, policy))
    except InhouseError as err:
        log.warning("The review could not count this answer: %s", err)


def record_correction(store: Store, outcome: Outcome) -> None:
    """The user corrected this answer: counted in this month's bin of its device confidence."""
    try:
        store.record_usage_correction(month_of(), outcome.request.task, profile_of(outcome.request),
                                      float(outcome.local.confidence))
    except InhouseError as err:
        log.warning("The review could not count this correction: %s", err)
