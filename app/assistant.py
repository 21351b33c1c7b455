"""The one entry point the CLI and the UI both call: run locally, decide, ask, escalate, restore, store.

    local result -> router.decide -> ACCEPT | DENY | QUEUE | ASK_CONSENT | ESCALATE
    ASK_CONSENT / ESCALATE: redact -> build the exact payload -> ask the gate (unless already allowed)
                            -> send inside an egress permit -> restore placeholders on the device
                            -> audit row (hash-chained) + cost ledger + history
A gate of ``None`` means "do not ask now": the outcome says consent is needed, and the UI offers an
"Ask the cloud model" action that calls ``escalate`` later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeAlias

from app import paths
from app.classifier_learning import BackgroundTrainer, add_correction, keep_frontier_candidate
from app.consent import ConsentChoice, ConsentDecision, ConsentGate, ConsentRequest, Highlight
from app.engine_host import EngineHost
from app.outcome import FrontierSummary, Outcome
from app.policy import EffectivePolicy, load_policy
from app.redaction_learning import RedactionLearning
from app.router import Action, Decision, RouterState, decide
from app.store import Store, UnavailableStore, open_or_unavailable
from inference.errors import InhouseError, ProviderUnavailable, RedactionTrainingStopped
from inference.prices import Estimate
from inference.providers import Provider, ProviderAnswer, ProviderSettings, build_provider
from inference.redact import Redaction, pseudonymize, restore_value
from inference.tasks.base import ClassifySpec, TaskRequest, TaskResult
from inference.tasks.serialize import request_from_json, request_to_json, result_from_json

if TYPE_CHECKING:  # the send step, the cloud SDK and redaction load only when an answer may leave (#11)
    from inference.engine import CancelToken

ProviderFactory: TypeAlias = "Callable[[str], Provider]"
log = logging.getLogger("inhouse.assistant")


def _settled(outcome: Outcome) -> bool:
    """A queued request is done once answered (on the device or by the cloud) or sent and audited; one the
    user declined, or that policy, key or network stopped, stays queued for a later "send"."""
    return outcome.tier == "frontier" or outcome.action == Action.ACCEPT or outcome.audit_id is not None


def _anthropic(api_key: str) -> Provider:
    return build_provider(ProviderSettings("anthropic", api_key))


def _estimate(request: TaskRequest, model: str, max_output_tokens: int) -> Estimate:
    from inference.providers.anthropic import estimate  # the SDK only once an answer may leave the device

    return estimate(request, model, max_output_tokens)


class Assistant:
    def __init__(
        self,
        *,
        host: EngineHost | None = None,
        store: Store | None = None,
        policy: EffectivePolicy | None = None,
        provider_factory: ProviderFactory = _anthropic,
        key_source: Callable[[], str | None] | None = None,
    ) -> None:
        self.host = host or EngineHost()
        self.store = store or open_or_unavailable()
        self.effective = policy or load_policy()
        self.provider_factory = provider_factory
        self.key_source = key_source or _stored_api_key
        self.online = True  # flips to False when the provider cannot be reached; the user can retry
        self.session_allowed: set[str] = set()
        self.trainer = BackgroundTrainer(lambda: self.host.classifiers, self.host.embedder)
        self._lock = threading.Lock()
        self.redaction_learning = RedactionLearning(paths.current().data_dir)
        self._retraining = threading.Lock()
        self._stop_retraining = threading.Event()
        self._prune()

    # -- public ----------------------------------------------------------------------------------
    def run(
        self,
        request: TaskRequest,
        gate: ConsentGate | None,
        cancel: CancelToken | None = None,
        *,
        local_only: bool = False,
        defer: bool = False,
    ) -> Outcome:
        """``defer`` (batch runs): an answer that would need consent goes to the offline queue, unasked."""
        local = self.host.run(request, cancel)
        if local_only:
            outcome = Outcome(request, local, local.output, "local", "local_only", "escalation not offered")
            return self._remember(outcome)
        return self._decide_and_act(request, local, gate, defer=defer)

    def escalate(self, outcome: Outcome, gate: ConsentGate) -> Outcome:
        """The user asked for the cloud model on a past local answer: decide again, then ask."""
        return self._decide_and_act(outcome.request, outcome.local, gate)

    def send_queued(self, gate: ConsentGate) -> list[Outcome]:
        """Try every queued escalation again (asking consent for each, as the policy says)."""
        self.online = True
        results = []
        for item in self.store.list_queue():
            request = request_from_json(item.request["request"])
            local = result_from_json(item.request["local"])
            outcome = self._decide_and_act(request, local, gate, queue_id=item.id)
            if _settled(outcome):
                self.store.dequeue(item.id)
            results.append(outcome)
            if not self.online:
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

    def _keep_frontier_candidate(self, outcome: Outcome) -> None:
        """Where policy allows (``[learning] keep_frontier_answers``), a frontier label for an escalated
        message becomes a candidate example of the matching profile, pending the user's accept. Always, it
        becomes calibration evidence for the label set (a text hash and numbers only, no text)."""
        keep_frontier_candidate(self.host.classifiers, outcome, self.effective.policy)
        if outcome.tier == "frontier" and isinstance(outcome.answer, str):
            self._record_evidence(outcome, outcome.answer, "frontier")

    # -- steps -----------------------------------------------------------------------------------
    def _decide_and_act(
        self, request: TaskRequest, local: TaskResult, gate: ConsentGate | None, *, queue_id: int | None = None,
        defer: bool = False,
    ) -> Outcome:
        policy = self.effective.policy
        model = policy.escalation.model
        not_kept = local.confidence < policy.thresholds.for_task(local.task) or (
            local.uncalibrated and policy.thresholds.uncalibrated == "ask")
        if self.store_problem and not_kept:
            reason = "the audit log is unavailable, so nothing may leave this device until the database is fixed"
            return self._remember(Outcome(request, local, local.output, "local", Action.DENY.value, reason))
        decision = decide(request.task, local.confidence, policy, self._state(request, local), model,
                          calibrated=not local.uncalibrated)
        base = Outcome(request, local, local.output, "local", decision.action.value, decision.reason,
                       threshold=decision.threshold, queue_id=queue_id)
        if decision.action in (Action.ACCEPT, Action.DENY):
            return self._remember(base)
        if decision.action == Action.QUEUE:
            return self._queue(base, decision.reason)
        if decision.action == Action.ASK_CONSENT and gate is None:
            return self._queue(base, decision.reason) if defer else self._remember(base)
        redaction, sendable = self._sendable(request)  # only now: redaction is the slowest step before sending
        return self._consent_and_send(base, decision, redaction, sendable, gate)

    def _state(self, request: TaskRequest, local: TaskResult) -> RouterState:
        """What the router needs. Above the threshold it decides without it, so the price table, the
        keyring and the ledger are not read for answers that stay local (a keyring read can prompt the
        user on macOS)."""
        escalation = self.effective.policy.escalation
        thresholds = self.effective.policy.thresholds
        trusted = not local.uncalibrated or thresholds.uncalibrated == "accept"
        kept = local.uncalibrated and thresholds.uncalibrated == "keep"  # stays local whatever the state
        if (local.confidence >= thresholds.for_task(local.task) and trusted) or kept:
            return RouterState(0.0, 0.0, has_api_key=False, online=self.online)
        return RouterState(
            spent_this_month_usd=self.store.month_spend(),
            estimated_cost_usd=_estimate(request, escalation.model, escalation.max_output_tokens).cost_usd,
            has_api_key=bool(self.key_source()),
            online=self.online,
            session_allowed_tasks=frozenset(self.session_allowed),
        )

    def _consent_and_send(
        self, base: Outcome, decision: Decision, redaction: Redaction, sendable: TaskRequest,
        gate: ConsentGate | None,
    ) -> Outcome:
        from app.sending import destination_host

        policy = self.effective.policy
        model = policy.escalation.model
        provider = self.provider_factory(self.key_source() or "")
        payload = provider.build_payload(sendable, model=model, max_output_tokens=policy.escalation.max_output_tokens)
        consent = ConsentDecision(ConsentChoice.ALLOW_SESSION if decision.action == Action.ESCALATE else
                                  ConsentChoice.ALLOW_ONCE)
        label = "auto" if policy.escalation.mode == "auto" else "allow_session"
        if decision.action == Action.ASK_CONSENT:
            assert gate is not None
            est = provider.estimate(sendable, model=model, max_output_tokens=policy.escalation.max_output_tokens)
            ask = ConsentRequest(
                task=sendable.task, text=sendable.text, payload=payload,
                highlights=tuple(Highlight(s.start, s.end, s.kind, s.placeholder) for s in redaction.spans),
                provider=provider.name, model=model, destination=destination_host(provider),
                estimated_input_tokens=est.input_tokens,
                estimated_output_tokens=est.output_tokens, estimated_cost_usd=est.cost_usd,
                max_cost_usd=est.max_cost_usd,
                reason=decision.reason, allow_session=policy.escalation.mode == "ask",
            )
            consent = gate.ask(ask)
            if not consent.allowed:
                return self._remember(replace(base, consent="deny", reason=f"{decision.reason}; you declined"))
            if consent.choice == ConsentChoice.ALLOW_SESSION:
                self.session_allowed.add(sendable.task)
            label = consent.choice.value
            if consent.added_mapping and policy.escalation.redact:  # "Redact selection": an example to learn
                self.redaction_learning.record(redaction.original(), consent.added_mapping.values(),
                                               redaction.mapping)
            if consent.edited_text is not None and consent.edited_text != sendable.text:
                sendable = replace(sendable, text=consent.edited_text)
                payload = provider.build_payload(sendable, model=model,
                                                 max_output_tokens=policy.escalation.max_output_tokens)
        return self._send(base, provider, payload, sendable, redaction, label, consent.added_mapping)

    def _send(
        self, base: Outcome, provider: Provider, payload: dict[str, Any], sendable: TaskRequest,
        redaction: Redaction, consent: str, user_mapping: Mapping[str, str] | None = None,
    ) -> Outcome:
        from app.sending import SendFailed
        from inference.redact import restore_value

        try:
            answer, audit_id = self._transmit(provider, payload, sendable, consent)
        except ProviderUnavailable as err:
            self.online = False
            return self._queue(replace(base, consent=consent), f"provider unreachable: {err}")
        except SendFailed as failed:
            notice = f"The cloud model failed, so the local answer was kept: {failed.error}"
            return self._remember(replace(base, consent=consent, audit_id=failed.audit_id, notice=notice))
        # the user's own redactions first: a selection they hid may contain our placeholders
        restored = restore_value(restore_value(answer.output, user_mapping or {}), redaction.mapping)
        summary = FrontierSummary(provider.name, answer.model, answer.input_tokens, answer.output_tokens,
                                  answer.cost_usd, answer.latency_ms)
        return self._remember(replace(base, answer=restored, tier="frontier", consent=consent,
                                      frontier=summary, audit_id=audit_id))

    def _transmit(
        self, provider: Provider, payload: dict[str, Any], sendable: TaskRequest, consent: str
    ) -> tuple[ProviderAnswer, int]:
        """One hop to the cloud tier through the send step (app.sending: permit + audit)."""
        from app.sending import Hop, destination_host, transmit

        escalation = self.effective.policy.escalation
        hop = Hop(task=sendable.task, tier="cloud", provider=escalation.provider, model=escalation.model,
                  host=destination_host(provider), consent=consent)
        reserve = _estimate(sendable, escalation.model, escalation.max_output_tokens).max_cost_usd
        sent = transmit(self.store, provider, payload, sendable, hop, reserve_usd=reserve,
                        audit_payload=self.effective.policy.privacy.audit_payload, secret=self.key_source() or "")
        return sent.answer, sent.audit_id

    def ask_frontier(self, request: TaskRequest, consent: str) -> tuple[Any, FrontierSummary]:
        """Send one request the user already agreed to (e.g. an eval set): redact, send, audit, restore.

        Raises ``ProviderUnavailable`` / the provider's typed error; nothing is routed or queued here.
        """
        from app.sending import SendFailed
        from inference.redact import restore_value

        escalation = self.effective.policy.escalation
        redaction, sendable = self._sendable(request)
        provider = self.provider_factory(self.key_source() or "")
        payload = provider.build_payload(sendable, model=escalation.model,
                                         max_output_tokens=escalation.max_output_tokens)
        try:
            answer, _ = self._transmit(provider, payload, sendable, consent)
        except SendFailed as failed:
            raise failed.error from None
        summary = FrontierSummary(provider.name, answer.model, answer.input_tokens, answer.output_tokens,
                                  answer.cost_usd, answer.latency_ms)
        return restore_value(answer.output, redaction.mapping), summary

    # -- bookkeeping -----------------------------------------------------------------------------
    def _redact(self, text: str) -> Redaction:
        from inference.redact import Redaction, pseudonymize

        if self.effective.policy.escalation.redact:
            self.redaction_learning.ensure_active()  # the tagger retrained with the user's corrections
            return pseudonymize(text)
        return Redaction(text=text, mapping={}, spans=())

    def _sendable(self, request: TaskRequest) -> tuple[Redaction, TaskRequest]:
        """The request as it may leave: text redacted per policy, and few-shot examples too (user data as
        well; the answer is a label, so their placeholders never need restoring)."""
        from inference.redact import pseudonymize

        redaction = self._redact(request.text)
        sendable = replace(request, text=redaction.text)
        spec = request.spec
        if isinstance(spec, ClassifySpec) and spec.examples and self.effective.policy.escalation.redact:
            examples = tuple((pseudonymize(text).text, label) for text, label in spec.examples)
            sendable = replace(sendable, spec=replace(spec, examples=examples))
        return redaction, sendable

    def _queue(self, base: Outcome, reason: str) -> Outcome:
        queue_id = base.queue_id
        if queue_id is None:
            item = {"request": request_to_json(base.request), "local": base.local.to_json()}
            queue_id = self.store.enqueue(task=base.request.task, request=item, reason=reason)
        else:
            self.store.record_queue_failure(queue_id, reason)
        notice = "Kept in the queue: it will be sent when you are online and agree (`inhouse queue send`)."
        return self._remember(replace(base, action=Action.QUEUE.value, reason=reason, queue_id=queue_id,
                                      notice=notice))

    def _remember(self, outcome: Outcome) -> Outcome:
        self._keep_frontier_candidate(outcome)
        if self.store_problem:
            notice = f"{outcome.notice} " if outcome.notice else ""
            return replace(outcome, notice=f"{notice}History and the audit log are unavailable, so this answer "
                                           f"was not saved: {self.store_problem}")
        if not self.effective.policy.privacy.store_history:
            return outcome
        local = outcome.local
        details: dict[str, Any] = {"local_output": local.output, "signals": local.signals}
        if local.probabilities is not None:
            details["probabilities"] = local.probabilities
        if outcome.frontier is not None:
            details["frontier"] = {"model": outcome.frontier.model, "cost_usd": outcome.frontier.cost_usd}
        history_id = self.store.add_history(
            task=local.task, input_text=outcome.request.text, output=outcome.answer,
            confidence=local.confidence, tier=outcome.tier, model=outcome.model, method=local.method,
            latency_ms=local.latency_ms, decision=outcome.action, reason=outcome.reason,
            audit_id=outcome.audit_id, details=details,
        )
        return replace(outcome, history_id=history_id)

    def _prune(self) -> None:
        days = self.effective.policy.privacy.retention_days
        if days > 0 and not self.store_problem:
            self.store.prune_history(days)


def _stored_api_key() -> str | None:
    from app.secrets import get_api_key  # the keyring is read only when an answer may leave

    return get_api_key()
