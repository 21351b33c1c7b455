"""The one entry point the CLI and the UI both call: run on the device, then walk the tiers the policy names.

    device result -> for each next tier (app.tiers: device -> org server -> cloud):
        router.decide(answer's confidence, tier that answered, next tier) ->
            ACCEPT            keep this answer
            DENY / QUEUE      keep this answer; say why / queue it for the next tier
            ASK               ask the gate (a gate of None: don't ask now, the UI offers a button)
            NEXT_TIER / yes   redact (per tier) -> the exact payload -> app.sending.transmit (write-ahead
                              audit, a permit for the tier's host only) -> restore placeholders on the device
                              -> that tier's answer, judged in turn
    -> history row (per policy)

A tier that cannot be reached queues the request, or (``org.when_down = "next"``) is passed over for the
tier after it; a tier that failed (an error, an unusable answer) is passed over too — the next tier keeps
its own rules (consent, budget). ``escalate(outcome, gate)`` resumes a walk the user chose to continue; ``send_queued``
resumes queued ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app import paths
from app.classifier_learning import BackgroundTrainer, add_correction, keep_frontier_candidate
from app.consent import ConsentChoice, ConsentGate, ConsentStatus
from app.egress import EgressBlocked
from app.engine_host import EngineHost
from app.hops import consent_question, consent_without_asking, remote_answer
from app.outcome import Action, Outcome, RemoteAnswer
from app.policy import EffectivePolicy, load_policy
from app.redaction_learning import RedactionLearning
from app.router import Decision, DecisionKind, RouterState, decide
from app.store import Store, UnavailableStore, open_or_unavailable
from app.tiers import Tier, TierKind, tiers
from app.usage import origin, record_answer, record_correction
from inference.errors import InhouseError, InsecureEndpoint, ProviderUnavailable, RedactionTrainingStopped
from inference.providers import Provider, ProviderAnswer, build_provider, estimate
from inference.tasks.base import ClassifySpec, TaskRequest, TaskResult
from inference.tasks.serialize import request_from_json, request_to_json, result_from_json

if TYPE_CHECKING:  # the send step and redaction load only when an answer may leave the device (#11)
    from inference.engine import CancelToken
    from inference.redact import Redaction

ProviderFactory = Callable[[Tier, str], Provider]
KeySource = Callable[[TierKind], str | None]
log = logging.getLogger("inhouse.assistant")
_ENDS = {DecisionKind.ACCEPT: Action.ACCEPT, DecisionKind.DENY: Action.DENY, DecisionKind.ASK: Action.ASK}
# decisions after which the request may leave: only these need to know whether a key is set, so a request
# kept on the device (accepted, or denied by policy, budget or model) never loads the keyring
_LEAVES = frozenset({DecisionKind.ASK, DecisionKind.NEXT_TIER, DecisionKind.QUEUE})


def _settled(outcome: Outcome) -> bool:
    """A queued request is done once answered (on the device or by a tier off it) or sent and audited; one
    the user declined, or that policy, key or network stopped, stays queued for a later "send"."""
    if outcome.action is Action.QUEUE:
        return False
    return outcome.remote is not None or outcome.action is Action.ACCEPT or outcome.audit_id is not None


@dataclass(frozen=True)
class _Stop:
    """A hop that gave no answer: declined, unreachable (``down``) or failed after sending."""

    action: Action
    consent: ConsentStatus
    reason: str
    audit_id: int | None = None


def _passed_over(step: _Stop, tier: Tier) -> bool:
    """A tier that gave no answer is passed over for the next one (under that one's own rules) when it failed,
    or when it could not be reached and its policy says ``when_down = "next"``; never when the user declined."""
    return step.action is Action.FAILED or (step.action is Action.QUEUE and tier.when_down == "next")


def default_provider(tier: Tier, api_key: str) -> Provider:
    return build_provider(tier.provider_settings(api_key))


def _keyring_key(kind: TierKind) -> str | None:
    from app.secrets import get_api_key

    return get_api_key("org" if kind is TierKind.ORG else "cloud")


class Assistant:
    def __init__(
        self,
        *,
        host: EngineHost | None = None,
        store: Store | None = None,
        policy: EffectivePolicy | None = None,
        provider_factory: ProviderFactory = default_provider,
        key_source: KeySource = _keyring_key,
    ) -> None:
        self.host = host or EngineHost()
        self.store = store or open_or_unavailable()
        self.effective = policy or load_policy()
        self.provider_factory = provider_factory
        self.key_source = key_source
        self.unreachable: set[TierKind] = set()  # tiers that could not be reached; the user can retry
        self.trainer = BackgroundTrainer(lambda: self.host.classifiers, self.host.embedder)
        self.session_allowed: set[tuple[TierKind, str]] = set()  # (tier, task) the user allowed this session
        self._lock = threading.Lock()
        self.redaction_learning = RedactionLearning(paths.current().data_dir)
        self._retraining = threading.Lock()
        self._stop_retraining = threading.Event()
        self._prune()

    # -- public ----------------------------------------------------------------------------------
    @property
    def online(self) -> bool:
        """False once a tier could not be reached (until ``send_queued`` tries again)."""
        return not self.unreachable

    def tiers(self) -> tuple[Tier, ...]:
        return tiers(self.effective.policy)

    def tier(self, kind: TierKind) -> Tier | None:
        return next((t for t in self.tiers() if t.kind is kind), None)

    def run(
        self, request: TaskRequest, gate: ConsentGate | None, cancel: CancelToken | None = None, *,
        local_only: bool = False,
        defer: bool = False,
    ) -> Outcome:
        """``defer`` (batch runs): an answer that would need consent goes to the offline queue, unasked."""
        local = self.host.run(request, cancel)
        if local_only:
            return self._remember(Outcome(request, local, local.output, Action.LOCAL_ONLY,
                                          "no other tier was offered for this run"))
        return self._walk(request, local, gate, defer=defer)

    def escalate(self, outcome: Outcome, gate: ConsentGate) -> Outcome:
        """The user asked for the next tier on a past answer: decide again from that answer, then ask."""
        with origin("rerun"):
            return self._walk(outcome.request, outcome.local, gate, outcome.hops)

    def send_queued(self, gate: ConsentGate) -> list[Outcome]:
        """Try every queued request again (asking consent for each, as the policy says)."""
        self.unreachable.clear()
        results = []
        for item in self.store.list_queue():
            request = request_from_json(item.request["request"])
            local = result_from_json(item.request["local"])
            hops = tuple(RemoteAnswer.from_json(h) for h in item.request.get("hops", ()))
            with origin("queued"):
                outcome = self._walk(request, local, gate, hops, queue_id=item.id)
            if _settled(outcome):
                self.store.dequeue(item.id)
            results.append(outcome)
            if self.unreachable:
                break
        return results

    @property
    def store_problem(self) -> str:
        """Why history and the audit log are unavailable ("" when the database is fine)."""
        return str(self.store.error) if isinstance(self.store, UnavailableStore) else ""

    def reload_policy(self) -> None:
        self.effective = load_policy()

    def month_spend(self) -> float:
        return self.store.month_spend()

    def close(self) -> None:
        self.trainer.wait()
        self.host.close()
        self.store.close()

    # -- learning from use (classifier profiles, see app.classifiers) ----------------------------
    def add_correction(self, outcome: Outcome, label: str) -> str:
        """The user says "this should be ``label``": the message becomes evidence for the label set's
        zero-shot confidence (``app.label_calibration``) and an example of the matching profile, which is
        then retrained in the background (``trainer``).

        The profile is the one the request named, else one with the same label set (ClassifierMissing
        when there is none, after the evidence is kept). Returns the profile's name.
        """
        self._record_evidence(outcome, label, "correction")
        name = add_correction(self.host.classifiers, outcome, label)
        if not self.store_problem:
            record_correction(self.store, outcome)  # the monthly review counts it (app.usage)
        self.trainer.request(name)
        return name

    def _record_evidence(self, outcome: Outcome, label: str, source: str) -> None:
        """A zero-shot classify answer whose right label is now known becomes calibration evidence."""
        spec, calibration = outcome.request.spec, outcome.local.calibration
        if not isinstance(spec, ClassifySpec) or calibration is None or calibration.zero_shot is None:
            return
        if label not in spec.labels:
            return
        try:
            self.host.record_evidence(spec, [(outcome.request.text, label)], source, [calibration.zero_shot])
        except (InhouseError, OSError) as err:  # learning is a bonus: it must never cost the user the answer
            log.warning("calibration evidence not kept: %s", err)

    def retrain_redaction_if_due(self) -> bool:
        """Retrain the redaction tagger when the user hid text by hand since the last training (minutes:
        call it off the GUI thread). False when nothing was due or a retraining is already running."""
        if not self.redaction_learning.due() or not self._retraining.acquire(blocking=False):
            return False
        self._stop_retraining.clear()
        try:
            self.redaction_learning.retrain(stop=self._stop_retraining.is_set)
        except RedactionTrainingStopped:
            return False  # still due: the next answer from the frontier starts it again
        finally:
            self._retraining.release()
        return True

    def stop_redaction_training(self) -> None:
        """Stop a retraining of the redaction tagger that is running (the window is closing)."""
        self._stop_retraining.set()

    def add_extraction_correction(self, outcome: Outcome, field: str, value: Any) -> str:
        """"This field should be ...": the message becomes an example of the extractor profile for the
        request's schema (created when there is none); returns the profile's name (see app.extractors)."""
        from app.extractor_learning import add_correction as add_extraction

        return add_extraction(self.host.extractors, outcome, field, value)

    # -- the walk --------------------------------------------------------------------------------
    def _walk(
        self, request: TaskRequest, local: TaskResult, gate: ConsentGate | None,
        hops: tuple[RemoteAnswer, ...] = (), *, queue_id: int | None = None, defer: bool = False,
    ) -> Outcome:
        ladder = self.tiers()
        kinds = [t.kind for t in ladder]
        at = kinds.index(hops[-1].tier) if hops and hops[-1].tier in kinds else 0
        nxt_at, notices = at + 1, list[str]()
        while True:
            answered, nxt = ladder[at], ladder[nxt_at] if nxt_at < len(ladder) else None
            confidence = hops[-1].confidence if hops else local.confidence
            calibrated = bool(hops) or not local.uncalibrated  # other tiers' confidences are not zero-shot
            state = self._state(request, answered, nxt, confidence, calibrated)
            decision = decide(request.task, confidence, answered, nxt, state, calibrated=calibrated)
            if nxt is not None and nxt.needs_key and decision.kind in _LEAVES:  # only then is the key store read
                state = replace(state, has_api_key=bool(self.key_source(nxt.kind)))
                decision = decide(request.task, confidence, answered, nxt, state, calibrated=calibrated)
            answer = hops[-1].output if hops else local.output
            base = Outcome(request, local, answer, Action.ACCEPT, decision.reason, decision, hops,
                           audit_id=hops[-1].audit_id if hops else None, queue_id=queue_id, notice=" ".join(notices))
            if decision.kind is DecisionKind.QUEUE or (decision.kind is DecisionKind.ASK and gate is None and defer):
                return self._queue(base, decision.reason)
            if decision.kind in _ENDS and (decision.kind is not DecisionKind.ASK or gate is None):
                return self._remember(replace(base, action=_ENDS[decision.kind]))
            assert nxt is not None
            step = self._hop(request, nxt, decision, gate)
            if isinstance(step, RemoteAnswer):
                hops, at, nxt_at = (*hops, step), nxt_at, nxt_at + 1
                continue
            if nxt_at + 1 < len(ladder) and _passed_over(step, nxt):
                notices.append(f"{step.reason}; so the next tier was considered." if step.action is Action.FAILED
                               else f"{nxt.server_name} could not be reached, so the next tier was considered.")
                nxt_at += 1
                continue
            return self._stopped(base, step)

    def _state(self, request: TaskRequest, answered: Tier, nxt: Tier | None, confidence: float | None,
               calibrated: bool) -> RouterState:
        """What the router needs about the next tier. An answer that is kept needs nothing, so the price
        table, the keyring and the ledger are not read for it (a keyring read can prompt on macOS)."""
        rule = "accept" if calibrated else answered.thresholds.uncalibrated
        confident = confidence is not None and confidence >= answered.threshold(request.task)
        if nxt is None or rule == "keep" or (confident and rule == "accept"):
            return RouterState(0.0, 0.0, has_api_key=False, online=True)
        spent = cost = 0.0
        if nxt.monthly_budget_usd is not None and nxt.model and not self.store_problem:  # no model: nothing to price
            spent = self.store.month_spend()
            cost = estimate(nxt.provider, request, model=nxt.model, max_output_tokens=nxt.max_output_tokens).cost_usd
        return RouterState(
            spent_this_month_usd=spent, estimated_cost_usd=cost,
            has_api_key=True,  # read by _walk only for a decision that would leave (the key rule comes last)
            online=nxt.kind not in self.unreachable,
            session_allowed_tasks=frozenset(task for kind, task in self.session_allowed if kind is nxt.kind),
            audit_available=not self.store_problem,
        )

    def _hop(self, request: TaskRequest, tier: Tier, decision: Decision, gate: ConsentGate | None
             ) -> RemoteAnswer | _Stop:
        """Ask (if needed) and send to ``tier``: its answer restored on the device, or why there is none."""
        redaction, sendable = self._sendable(request, tier.redact)  # only now: redaction is slow
        try:
            provider = self.provider_factory(tier, self.key_source(tier.kind) or "")
        except InsecureEndpoint as err:  # clear text to another machine: refused before anyone is asked
            return _Stop(Action.FAILED, ConsentStatus.NOT_ASKED, f"Nothing was sent to {tier.server_name}: {err}")
        payload = provider.build_payload(sendable, model=tier.model, max_output_tokens=tier.max_output_tokens)
        user_mapping: Mapping[str, str] = {}
        if decision.kind is DecisionKind.ASK:
            assert gate is not None
            est = provider.estimate(sendable, model=tier.model, max_output_tokens=tier.max_output_tokens)
            answer = gate.ask(consent_question(tier, provider, sendable, payload, redaction, est, decision))
            if not answer.allowed:
                provider.close()
                return _Stop(Action.DECLINED, ConsentStatus.DENIED, f"{decision.reason}; you declined")
            if answer.choice is ConsentChoice.ALLOW_SESSION:
                self.session_allowed.add((tier.kind, sendable.task))
            consent, user_mapping = ConsentStatus(answer.choice.value), answer.added_mapping
            if user_mapping and tier.redact:  # "Redact selection": an example to learn
                self.redaction_learning.record(redaction.original(), user_mapping.values(), redaction.mapping)
            if answer.edited_text is not None and answer.edited_text != sendable.text:
                sendable = replace(sendable, text=answer.edited_text)
                payload = provider.build_payload(sendable, model=tier.model, max_output_tokens=tier.max_output_tokens)
        else:
            consent = consent_without_asking(decision)
        from app.sendable import restored_answer
        from app.sending import SendFailed
        from inference.redact import restore_value

        try:
            sent, audit_id = self._transmit(tier, provider, payload, sendable, consent)
        except ProviderUnavailable as err:
            self.unreachable.add(tier.kind)
            return _Stop(Action.QUEUE, consent, f"{tier.server_name} could not be reached: {err}")
        except SendFailed as failed:
            return _Stop(Action.FAILED, consent, f"{tier.server_name} failed, so the answer before it was kept: "
                         f"{failed.error}", failed.audit_id)
        except EgressBlocked as blocked:  # the request would have gone to another host than the tier's
            return _Stop(Action.FAILED, consent, f"Nothing was sent to {tier.server_name}: {blocked}")
        # the user's own redactions first: a selection they hid may contain our placeholders
        output = restore_value(restore_value(sent.output, user_mapping), redaction.mapping)
        return remote_answer(tier, provider, restored_answer(sent, redaction.mapping), output, consent, audit_id)

    def _stopped(self, base: Outcome, step: _Stop) -> Outcome:
        stopped = replace(base, consent=step.consent, audit_id=step.audit_id)
        if step.action is Action.QUEUE:
            return self._queue(stopped, step.reason)
        if step.action is Action.FAILED:
            return self._remember(replace(stopped, action=Action.FAILED, notice=step.reason))
        return self._remember(replace(stopped, action=step.action, reason=step.reason))

    def _transmit(self, tier: Tier, provider: Provider, payload: dict[str, Any], sendable: TaskRequest,
                  consent: ConsentStatus) -> tuple[ProviderAnswer, int]:
        """One hop through the send step (app.sending: write-ahead audit, a permit for the tier's host)."""
        from app.sending import Hop, transmit

        # the org tier's permit is for its configured host only; the cloud's for the provider's (shown in doctor)
        host = tier.host if tier.endpoint else provider.host
        hop = Hop(task=sendable.task, tier=tier.kind.value, provider=provider.name, model=tier.model, host=host,
                  consent=consent.value)
        reserve = provider.estimate(sendable, model=tier.model, max_output_tokens=tier.max_output_tokens).max_cost_usd
        sent = transmit(self.store, provider, payload, sendable, hop, reserve_usd=reserve,
                        audit_payload=self.effective.policy.privacy.audit_payload,
                        secret=self.key_source(tier.kind) or "")
        return sent.answer, sent.audit_id

    def ask_frontier(self, request: TaskRequest, consent: str) -> tuple[Any, RemoteAnswer]:
        """Send one request the user already agreed to (e.g. an eval set) to the cloud tier: redact, send,
        audit, restore. Raises ``ProviderUnavailable`` / the provider's typed error; nothing is queued."""
        tier = self.tiers()[-1]
        redaction, sendable = self._sendable(request, tier.redact)
        provider = self.provider_factory(tier, self.key_source(tier.kind) or "")
        payload = provider.build_payload(sendable, model=tier.model, max_output_tokens=tier.max_output_tokens)
        status = ConsentStatus(consent)
        from app.sendable import restored_answer
        from app.sending import SendFailed
        from inference.redact import restore_value

        try:
            answer, audit_id = self._transmit(tier, provider, payload, sendable, status)
        except SendFailed as failed:
            raise failed.error from None
        output = restore_value(answer.output, redaction.mapping)
        answer = restored_answer(answer, redaction.mapping)
        return output, remote_answer(tier, provider, answer, output, status, audit_id)

    # -- bookkeeping -----------------------------------------------------------------------------
    def _sendable(self, request: TaskRequest, redact: bool) -> tuple[Redaction, TaskRequest]:
        """The request as it may leave, redacted per the tier's policy (``app.sendable``)."""
        from app.sendable import sendable_request

        if redact:
            self.redaction_learning.ensure_active()  # the tagger retrained with the user's corrections
        return sendable_request(request, redact=redact)

    def _queue(self, base: Outcome, reason: str) -> Outcome:
        queue_id = base.queue_id
        if queue_id is None:
            item = {"request": request_to_json(base.request), "local": base.local.to_json(),
                    "hops": [hop.to_json() for hop in base.hops]}
            queue_id = self.store.enqueue(task=base.request.task, request=item, reason=reason)
        else:
            self.store.record_queue_failure(queue_id, reason)
        notice = " ".join(filter(None, (base.notice, "Kept in the queue: it will be sent when the next tier "
                                                     "can be reached and you agree.")))
        return self._remember(replace(base, action=Action.QUEUE, reason=reason, queue_id=queue_id, notice=notice))

    def _keep_frontier_candidate(self, outcome: Outcome) -> None:
        """Where policy allows (``[learning] keep_frontier_answers``), a label from another tier for an
        escalated message becomes a candidate example of the matching profile, pending the user's accept.
        Always, it becomes calibration evidence for the label set (a text hash and numbers only, no text)."""
        keep_frontier_candidate(self.host.classifiers, outcome, self.effective.policy)
        if outcome.remote is not None and isinstance(outcome.answer, str):
            self._record_evidence(outcome, outcome.answer, "frontier")

    def _remember(self, outcome: Outcome) -> Outcome:
        self._keep_frontier_candidate(outcome)
        if self.store_problem:
            notice = f"{outcome.notice} " if outcome.notice else ""
            return replace(outcome, notice=f"{notice}History and the audit log are unavailable, so this answer "
                                           f"was not saved: {self.store_problem}")
        record_answer(self.store, outcome, self.effective.policy)  # the review's aggregates (app.usage), no text
        if not self.effective.policy.privacy.store_history:
            return outcome
        local = outcome.local
        details: dict[str, Any] = {"local_output": local.output, "signals": local.signals,
                                   "answered_by": outcome.tier.value, "tier_label": outcome.tier_label,
                                   "hops": [hop.to_json() for hop in outcome.hops]}
        if local.probabilities is not None:
            details["probabilities"] = local.probabilities
        history_id = self.store.add_history(
            task=local.task, input_text=outcome.request.text, output=outcome.answer,
            confidence=local.confidence, tier="local" if outcome.tier is TierKind.DEVICE else "frontier",
            model=outcome.model, method=local.method, latency_ms=local.latency_ms,
            decision=outcome.action.value, reason=outcome.reason, audit_id=outcome.audit_id, details=details,
        )
        return replace(outcome, history_id=history_id)

    def _prune(self) -> None:
        days = self.effective.policy.privacy.retention_days
        if days > 0 and not self.store_problem and not self.effective.prune_paused:
            self.store.prune_history(days)

