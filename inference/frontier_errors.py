"""SDK exceptions -> Inhouse's typed errors, at the provider boundary.

No ``anthropic.*`` exception leaves the provider: each becomes an ``InhouseError`` whose message says what
happened and whose hint says what to do. Messages never contain the API key (it is scrubbed from anything
taken from the server or the SDK), and the SDK exception is not chained (it holds the request headers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # an SDK exception to translate means the SDK is loaded already
    import anthropic

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


def translate(exc: anthropic.AnthropicError, *, secret: str, timeout: float, retries: int) -> InhouseError:
    """The Inhouse error for an SDK exception (``secret`` is scrubbed from every message)."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        tries = f" ({retries + 1} attempts)" if retries else ""
        return ProviderTimeout(f"The Anthropic API did not answer within {timeout:g} s{tries}.")
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderUnavailable(
            _scrub(f"Could not reach the Anthropic API at {_host(exc)}: {_cause(exc)}", secret)
        )
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc, secret, retries)
    if isinstance(exc, anthropic.APIResponseValidationError):
        return MalformedOutput("The provider's answer did not have the expected shape.")
    return ProviderError(_scrub(f"The Anthropic client failed ({type(exc).__name__}): {exc}", secret))


def _status_error(exc: anthropic.APIStatusError, secret: str, retries: int) -> InhouseError:
    status = exc.status_code
    detail = _scrub(_detail(exc), secret)
    after = f" after {retries} retries" if retries else ""
    if status == 401:
        return KeyRejected(f"The Anthropic API rejected the API key (HTTP 401){detail}.")
    if status == 403:
        return KeyRejected(f"The API key is not allowed to make this request (HTTP 403){detail}.")
    if status == 429:
        return RateLimited(f"The Anthropic API is rate-limiting this key (HTTP 429{after}){detail}.")
    if status == 529:
        return RateLimited(f"The Anthropic API is overloaded (HTTP 529{after}){detail}.")
    if status == 408:
        return ProviderTimeout(f"The Anthropic API timed out the request (HTTP 408{after}){detail}.")
    hint = _STATUS_HINTS.get(status, _SERVER_HINT if status >= 500 else "")
    return ProviderHTTPError(
        f"The Anthropic API answered HTTP {status}{detail}.",
        status=status,
        request_id=exc.request_id,
        hint=hint,
    )


def _detail(exc: anthropic.APIStatusError) -> str:
    message = exc.api_message
    if not isinstance(message, str) or not message.strip():
        return ""
    message = " ".join(message.split())
    if len(message) > _MAX_DETAIL:
        message = message[: _MAX_DETAIL - 1] + "…"
    return f": {message}"


def _host(exc: anthropic.APIConnectionError) -> str:
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
