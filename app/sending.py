"""The send step: one hop off the device, written ahead in the audit log, inside a host-bound permit.

Every tier that leaves the device (the cloud today, the organisation's server next) sends through
``transmit``; nothing else calls a provider's ``send``::

    hop = Hop(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
              host="api.anthropic.com", consent="allow_once")
    sent = transmit(store, provider, payload, request, hop, audit_payload="full", reserve_usd=0.01,
                    secret=api_key)                                       # -> Sent(answer, audit_id)

What it guarantees:
- **Write-ahead.** The provider's HTTP client (``provider.wire``, :mod:`inference.wire`) hands the exact
  request bytes to the send step before a connection is opened; the ``intent`` row (sha256 of those
  bytes, the bytes unless ``audit_payload = "hash"``, tier, host, consent) is committed then. If that
  write fails, nothing is sent. The ``outcome`` row follows: answered, error, not sent, or unknown.
- **Retries are ours and visible.** Providers run with SDK retries off. A connection that failed before
  any byte was written, and statuses that mean "not processed, try later" (408, 409, 429, 5xx, 529), are
  retried up to ``MAX_ATTEMPTS`` times (``retry-after`` honoured up to ``MAX_WAIT_S``); every attempt and
  its status is in the outcome row. Once bytes left and no answer came back (dropped connection, read
  timeout), the outcome is *unknown*: ``SendFailed(OutcomeUnknown)``, never retried, never queued; and
  the same bytes are not sent again on the administrator's policy alone (``consent`` "auto" or "admin_org", e.g. from
  the queue) while that outcome is unknown: ``SendFailed(ResendRefused)`` — only a person's yes resends.
- **One host.** The permit is bound to ``hop.host``; a request to any other host (or a redirect, which
  the client never follows) is refused and recorded.

Raises ``ProviderUnavailable`` when nothing left the device (the caller may queue the request), and
``SendFailed`` (the typed error and the outcome row's id) when it left but no usable answer came back.
Provider error text is scrubbed of the API key before it is written (``inference.scrub``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app import egress
from app.store import Store
from inference.errors import Cancelled, InhouseError, InsecureEndpoint, ProviderError, ProviderUnavailable
from inference.providers import Provider, ProviderAnswer
from inference.providers.base import origin_of, require_secure
from inference.scrub import scrub
from inference.tasks.base import TaskRequest
from inference.wire import Attempt, Wire

# How a hop was allowed: the user once / for the session, or the administrator's policy ("auto"; "admin_org":
# no consent needed for the organisation's server).
CONSENTS = ("allow_once", "allow_session", "auto", "admin_org")
ADMIN_CONSENTS = ("auto", "admin_org")  # sent on the administrator's policy alone, no person asked
MAX_ATTEMPTS = 3
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
BACKOFF_S = (0.5, 2.0)
MAX_WAIT_S = 20.0


@dataclass(frozen=True)
class Hop:
    """Where one request goes and on whose authority (what the audit row records)."""

    task: str
    tier: str  # "org" | "cloud"
    provider: str
    model: str
    host: str  # the destination host, with ":port" when the URL names one
    consent: str  # one of CONSENTS


@dataclass(frozen=True)
class Sent:
    answer: ProviderAnswer
    audit_id: int  # the outcome row


class SendFailed(Exception):
    """The request left the device (and was audited) but no usable answer came back."""

    def __init__(self, error: InhouseError, audit_id: int) -> None:
        super().__init__(str(error))
        self.error, self.audit_id = error, audit_id


class OutcomeUnknown(ProviderError):
    """The bytes left, then the connection ended without an answer."""

    hint = "`inhouse audit list` shows it. To send it again, ask again: that needs a new consent."


class RedirectRefused(ProviderError):
    hint = "Inhouse sends only to the host you agreed to. Check the provider address in `inhouse doctor`."


class ResendRefused(ProviderError):
    """The same bytes were sent before and their outcome is unknown: not resent without a person's yes."""

    hint = "Ask for it again yourself (a new consent), or check `inhouse audit list` first."


class _WriteAhead:
    """The wire watcher: commits the intent row before the first attempt's bytes leave."""

    def __init__(self, store: Store, hop: Hop, audit_payload: str, reserve_usd: float) -> None:
        self.store, self.hop, self.mode, self.reserve = store, hop, audit_payload, reserve_usd
        self.intent_id: int | None = None
        self.refused: int | None = None  # the earlier intent with an unknown outcome, when a resend was refused
        self.closed: int | None = None  # the outcome row, once written
        self.sha256 = ""
        self.error: BaseException | None = None

    def before_send(self, attempt: Attempt) -> None:
        try:
            self._check(attempt)
        except BaseException as exc:
            self.error = exc
            raise

    def _check(self, attempt: Attempt) -> None:
        digest = hashlib.sha256(attempt.body).hexdigest()
        if attempt.host != self.hop.host:
            raise egress.EgressBlocked(f"Refused to send to {attempt.host}: this request was agreed for "
                                       f"{self.hop.host} only.")
        if self.intent_id is None:
            hop = self.hop
            earlier = self.store.unknown_intent(digest) if hop.consent in ADMIN_CONSENTS else None
            if earlier is not None:
                self.refused = earlier
                raise ResendRefused(f"Not sent automatically: the same request (audit #{earlier}) was sent before "
                                    "and its outcome is unknown.")
            self.intent_id = self.store.append_intent(
                task=hop.task, tier=hop.tier, provider=hop.provider, model=hop.model, host=hop.host,
                consent=hop.consent, body=attempt.body, payload_mode=self.mode, reserved_usd=self.reserve)
            self.sha256 = digest
        elif digest != self.sha256:
            raise egress.EgressBlocked("Refused a retry whose bytes differ from what was agreed and audited.")


def transmit(
    store: Store, provider: Provider, payload: dict[str, Any], request: TaskRequest, hop: Hop, *,
    audit_payload: str, reserve_usd: float = 0.0, secret: str = "", sleep: Callable[[float], None] = time.sleep,
) -> Sent:
    """Send ``payload`` for ``hop``: intent row, attempts inside a permit for ``hop.host``, outcome row."""
    wire = getattr(provider, "wire", None)
    if not isinstance(wire, Wire):
        raise TypeError(f"provider {provider.name!r} has no Wire: its requests could leave unaudited")
    if hop.consent not in CONSENTS:
        raise ValueError(f"consent must be one of {CONSENTS}, not {hop.consent!r}")
    writer = _WriteAhead(store, hop, audit_payload, reserve_usd)
    attempts: list[Attempt] = []
    try:
        for number in range(1, MAX_ATTEMPTS + 1):
            answer, failure = _attempt(provider, wire, writer, payload, request, hop, attempts)
            if isinstance(writer.error, ResendRefused) and writer.refused is not None:
                raise SendFailed(writer.error, writer.refused)  # nothing was sent this time
            if writer.error is not None and writer.intent_id is None:
                raise writer.error  # the intent row could not be written: nothing was sent
            if failure is None:
                assert answer is not None
                return Sent(answer, _close(store, writer, attempts, "answered", answer, secret))
            wait = _retry_wait(attempts[-1] if attempts else None, failure, number)
            if wait is None:
                raise _final(store, writer, attempts, failure, hop, secret)
            sleep(wait)
        raise AssertionError("unreachable: the last attempt is never retried")
    except (KeyboardInterrupt, Cancelled) as stop:  # the user stopped it mid-send: say what is known
        if writer.intent_id is not None and writer.closed is None:
            _close(store, writer, attempts, _stopped(attempts, stop), None, secret)
        raise
    finally:
        close = getattr(provider, "close", None)
        if callable(close):
            close()


def _attempt(
    provider: Provider, wire: Wire, writer: _WriteAhead, payload: dict[str, Any], request: TaskRequest,
    hop: Hop, attempts: list[Attempt],
) -> tuple[ProviderAnswer | None, InhouseError | None]:
    reason = f"{hop.task} to {hop.tier} ({hop.provider}/{hop.model}), consent {hop.consent}"
    with egress.permit(reason, host=_hostname(hop.host)), wire.watching(writer) as seen:
        try:
            return provider.send(payload, request), None
        except InhouseError as err:
            return None, err
        finally:
            for attempt in seen:
                attempt.number = len(attempts) + 1
                attempts.append(attempt)


def _stopped(attempts: list[Attempt], stop: BaseException) -> str:
    why = f"stopped by the user ({type(stop).__name__})"
    last = attempts[-1] if attempts else None
    if last is not None and last.status is not None:
        return f"error: HTTP {last.status}, then {why}"
    return f"unknown: {why}" if any(a.bytes_left for a in attempts) else f"not sent: {why}"


def _retry_wait(last: Attempt | None, failure: InhouseError, number: int) -> float | None:
    """Seconds to wait before the next attempt, or None when this failure must not be retried."""
    if number >= MAX_ATTEMPTS or last is None:
        return None
    if last.status is None and not last.bytes_left and not isinstance(failure, egress.EgressBlocked):
        return BACKOFF_S[min(number - 1, len(BACKOFF_S) - 1)]  # nothing left: safe to try again
    if last.status in RETRY_STATUSES:
        wait = last.retry_after_s if last.retry_after_s is not None else BACKOFF_S[min(number - 1, 1)]
        return wait if wait <= MAX_WAIT_S else None
    return None


def _final(
    store: Store, writer: _WriteAhead, attempts: list[Attempt], failure: InhouseError, hop: Hop, secret: str,
) -> Exception:
    """The outcome row for a hop that got no answer, and the exception to raise for it."""
    if not any(a.bytes_left for a in attempts):
        text = scrub(str(failure), secret)
        if writer.intent_id is not None:
            _close(store, writer, attempts, f"not sent: {text}", None, secret)
        if isinstance(failure, ProviderUnavailable | egress.EgressBlocked):
            return failure
        return ProviderUnavailable(text)
    last = attempts[-1]
    error: InhouseError = failure
    if last.status is None:
        error = OutcomeUnknown(f"The request was sent to {hop.host} but no answer came back "
                               f"({scrub(str(failure), secret)}); whether it was received is unknown, so it "
                               "was not sent again.")
        outcome = f"unknown: {error}"
    elif last.location is not None:
        error = RedirectRefused(f"{hop.host} answered with a redirect (HTTP {last.status}) to "
                                f"{_hostname_of(last.location)}; it was not followed.")
        outcome = f"error: {error}"
    else:
        outcome = f"error: {failure}"
    return SendFailed(error, _close(store, writer, attempts, outcome, _spent(failure, hop), secret))


def _spent(err: InhouseError, hop: Hop) -> ProviderAnswer:
    """What a failed answer still cost (a malformed answer carries its usage)."""
    return ProviderAnswer(None, "", hop.model, getattr(err, "input_tokens", 0), getattr(err, "output_tokens", 0),
                          getattr(err, "cost_usd", 0.0), 0.0, getattr(err, "request_id", None))


def _close(
    store: Store, writer: _WriteAhead, attempts: list[Attempt], outcome: str, answer: ProviderAnswer | None,
    secret: str,
) -> int:
    assert writer.intent_id is not None
    rows = [_attempt_row(a) for a in attempts]
    audit_id = writer.closed = store.append_outcome(
        writer.intent_id, outcome=scrub(outcome, secret), attempts=rows,
        input_tokens=answer.input_tokens if answer else 0, output_tokens=answer.output_tokens if answer else 0,
        cost_usd=answer.cost_usd if answer else 0.0, model=answer.model if answer and answer.model else None,
    )
    if answer is not None and answer.cost_usd > 0:
        hop = writer.hop
        store.record_cost(provider=hop.provider, model=answer.model or hop.model, input_tokens=answer.input_tokens,
                          output_tokens=answer.output_tokens, cost_usd=answer.cost_usd, audit_id=audit_id)
    return audit_id


def _attempt_row(attempt: Attempt) -> dict[str, Any]:
    row: dict[str, Any] = {"n": attempt.number, "sent": attempt.bytes_left, "status": attempt.status}
    if attempt.location is not None:
        row["redirect_to"] = _hostname_of(attempt.location)
    return row


def _hostname(host: str) -> str:
    """``host`` without its port (the permit binds the name; ports are not names)."""
    return urlsplit(f"//{host}").hostname or host


def _hostname_of(url: str) -> str:
    return urlsplit(url).netloc or url


def destination_host(provider: Provider) -> str:
    """The host (``host`` or ``host:port``) a provider's requests go to, from its base URL."""
    url = str(getattr(provider, "base_url", "") or "")
    return urlsplit(url).netloc or url or provider.name


@dataclass(frozen=True)
class Destination:
    url: str
    host: str
    source: str  # "default" or "ANTHROPIC_BASE_URL"
    origin: str = ""  # scheme://host[:port]
    refused: str = ""  # why nothing would be sent there (clear text to another machine); "" when usable


DEFAULT_CLOUD_URL = "https://api.anthropic.com"


def cloud_destination() -> Destination:
    """Where the cloud tier sends (what ``inhouse doctor`` shows): the SDK's default, or
    ``ANTHROPIC_BASE_URL`` when set — shown, never silent: the consent question and the audit row name
    the host each request goes to."""
    env = os.environ.get("ANTHROPIC_BASE_URL", "").strip()
    url = env or DEFAULT_CLOUD_URL
    source = "ANTHROPIC_BASE_URL" if env else "default"
    try:
        require_secure(url, source)
        refused = ""
    except InsecureEndpoint as err:
        refused = str(err)
    return Destination(url, urlsplit(url).netloc or url, source, origin_of(url), refused)


def destination_label(provider: Provider) -> str:
    """Where a provider's requests go, for the consent question: ``scheme://host[:port]``, and
    "(from ANTHROPIC_BASE_URL)" when that variable moved the cloud tier away from its default."""
    url = str(getattr(provider, "base_url", "") or "")
    origin = origin_of(url) if url else provider.host
    env = os.environ.get("ANTHROPIC_BASE_URL", "").strip()
    moved = provider.name == "anthropic" and bool(env) and origin_of(env) == origin
    return f"{origin} (from ANTHROPIC_BASE_URL)" if moved else origin
