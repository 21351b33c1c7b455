"""SDK exceptions -> Inhouse's typed errors, at the provider boundary.

The ``anthropic`` and ``openai`` SDKs are generated from the same template and raise the same exception
classes (``APITimeoutError``, ``APIConnectionError``, ``APIStatusError``, ``APIResponseValidationError``),
so one translation serves both: the caller passes the SDK module and the words for the service ("the
Anthropic API", "Acme's server"). No SDK exception leaves a provider: each becomes an ``InhouseError``
whose message says what happened and whose hint says what to do. Messages never contain the API key (it
is scrubbed from anything taken from the server or the SDK), and the SDK exception is not chained (it
holds the request headers). Neither SDK is imported here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from inference.errors import (
    InhouseError,
    KeyRejected,
    MalformedOutput,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from inference.scrub import scrub

_MAX_DETAIL = 300
_STATUS_HINTS = {
    400: "The provider refused the request as invalid. Check the model id and the task settings.",
    404: "The model id was not found. Choose another model in Settings.",
    413: "The text is too long for one request. Shorten it and try again.",
}
_SERVER_HINT = "The provider has a problem on its side. Try again later; nothing was lost."


class ProviderHTTPError(ProviderError):
    """The provider answered with an error status that retrying now will not fix."""

    def __init__(self, message: str, *, status: int, request_id: str | None = None, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.request_id = request_id


def translate(
    exc: BaseException, *, sdk: ModuleType, service: str, secret: str, timeout: float, retries: int,
    key_hint: str = "",
) -> InhouseError:
    """The Inhouse error for an SDK exception (``secret`` is scrubbed from every message).

    ``service`` names the other end in a sentence ("the Anthropic API"); ``key_hint`` says how to fix a
    rejected key for this provider.
    """
    name = service[:1].upper() + service[1:]
    if isinstance(exc, sdk.APITimeoutError):
        tries = f" ({retries + 1} attempts)" if retries else ""
        return ProviderTimeout(f"{name} did not answer within {timeout:g} s{tries}.")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderUnavailable(_scrub(f"Could not reach {service} at {_host(exc)}: {_cause(exc)}", secret))
    if isinstance(exc, sdk.APIStatusError):
        return _status_error(exc, name, secret, retries, key_hint)
    if isinstance(exc, sdk.APIResponseValidationError):
        return MalformedOutput("The provider's answer did not have the expected shape.")
    return ProviderError(_scrub(f"The client for {service} failed ({type(exc).__name__}): {exc}", secret))


def _status_error(exc: Any, name: str, secret: str, retries: int, key_hint: str) -> InhouseError:
    status = int(exc.status_code)
    detail = _scrub(_detail(exc), secret)
    after = f" after {retries} retries" if retries else ""
    if status in (401, 403):
        what = "rejected the API key" if status == 401 else "does not allow this key to make this request"
        error = KeyRejected(f"{name} {what} (HTTP {status}){detail}.")
        if key_hint:
            error.hint = key_hint
        return error
    if status == 429:
        return RateLimited(f"{name} is rate-limiting this key (HTTP 429{after}){detail}.")
    if status == 529:
        return RateLimited(f"{name} is overloaded (HTTP 529{after}){detail}.")
    if status == 408:
        return ProviderTimeout(f"{name} timed out the request (HTTP 408{after}){detail}.")
    hint = _STATUS_HINTS.get(status, _SERVER_HINT if status >= 500 else "")
    return ProviderHTTPError(
        f"{name} answered HTTP {status}{detail}.",
        status=status,
        request_id=getattr(exc, "request_id", None),
        hint=hint,
    )


def _detail(exc: Any) -> str:
    message = getattr(exc, "api_message", None) or _body_message(getattr(exc, "body", None))
    if not isinstance(message, str) or not message.strip():
        return ""
    message = " ".join(message.split())
    if len(message) > _MAX_DETAIL:
        message = message[: _MAX_DETAIL - 1] + "…"
    return f": {message}"


def _body_message(body: object) -> str | None:
    """``error.message`` (or ``message``) of an error body, as both SDKs' servers shape it."""
    if not isinstance(body, dict):
        return None
    inner = body.get("error", body)
    message = inner.get("message") if isinstance(inner, dict) else inner
    return message if isinstance(message, str) else None


def _host(exc: Any) -> str:
    try:
        url = exc.request.url
        return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
    except AttributeError:  # no request attached
        return "the configured address"


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__
    while cause is not None and cause.__cause__ is not None and not str(cause):
        cause = cause.__cause__
    text = str(cause) if cause is not None else ""
    return text or "the connection failed (offline, DNS failure or refused)"


def _scrub(text: str, secret: str) -> str:
    return scrub(text, secret)
