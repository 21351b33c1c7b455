"""What the result view says about an outcome: the badge and the one sentence saying why.

Pure functions of ``app.outcome.Outcome`` (no widgets), so the wording is easy to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.outcome import Outcome
from app.policy import PolicyError, PolicyLocked
from inference.errors import (
    ClassifierFileInvalid,
    ClassifierMissing,
    ClassifierNotTrained,
    DownloadFailed,
    DownloadOffline,
    InhouseError,
    KeyMissing,
    KeyRejected,
    ModelLoadFailed,
    ModelMissing,
    ModelUnknown,
    NotEnoughExamples,
    ProviderUnavailable,
)
from ui.formatting import confidence_pair, task_title

BadgeKind = Literal["local", "cloud"]


@dataclass(frozen=True)
class Badge:
    text: str
    kind: BadgeKind


def badge(outcome: Outcome) -> Badge:
    """Where the answer shown was made: on this device, or by the cloud model (and under which consent)."""
    if outcome.tier != "frontier" or outcome.frontier is None:
        return Badge("On this device", "local")
    model = outcome.frontier.model
    if outcome.consent == "auto":
        return Badge(f"Sent to {model} automatically (set by your administrator)", "cloud")
    if outcome.consent == "allow_session":
        return Badge(f"Sent to {model} with your consent (this session)", "cloud")
    return Badge(f"Sent to {model} with your consent", "cloud")


def _policy_reason(reason: str) -> str:
    """The router's reason without its trailing ``(confidence x below threshold y for task)``."""
    head = reason.split(" (confidence ", 1)[0]
    return head.split("; you declined", 1)[0]


def why(outcome: Outcome, threshold: float, *, key_missing: bool = False) -> str:
    """One sentence: how the confidence compares with the threshold, and what happened because of it.
    ``key_missing``: no API key is set (the window offers to add one)."""
    task = task_title(outcome.request.task)
    conf, thr = confidence_pair(outcome.local.confidence, threshold)
    if outcome.tier == "frontier" and outcome.frontier is not None:
        return (f"The local answer's confidence {conf} was below the {thr} threshold for {task}, "
                f"so {outcome.frontier.model} answered instead.")
    if outcome.action == "local_only":
        return f"Confidence {conf} (threshold {thr} for {task}); escalation was not offered for this run."
    if outcome.local.uncalibrated and outcome.action != "accept":
        then = {"ask_consent": "You can ask the cloud model; nothing is sent without your consent.",
                "deny": "It stays on this device, marked uncalibrated.",
                "queue": "The request waits in the queue for the cloud model."}.get(outcome.action, "")
        return f"Confidence {conf} is uncalibrated, so it is not treated as confident. {then}".strip()
    if outcome.local.confidence >= threshold:
        return f"Confidence {conf} meets the {thr} threshold for {task}, so the answer stayed on this device."
    below = f"Confidence {conf} is below the {thr} threshold for {task}"
    if outcome.consent == "deny":
        return f"{below}; you chose not to send it, so this is the local answer."
    if outcome.action == "ask_consent":
        return f"{below}. You can ask the cloud model; nothing is sent without your consent."
    if outcome.action == "queue":
        return f"{below}; the cloud model cannot be reached, so the request waits in the queue."
    if outcome.notice:
        return f"{below}; the cloud model failed, so this is the local answer."
    if key_missing and outcome.action == "deny":
        return f"{below}, but the cloud model can't be asked yet: no API key is set."
    return f"{below}, but it was not sent: {_policy_reason(outcome.reason)}."


# What to do, said for the window: the errors' own hints name command-line commands (they are shared
# with the CLI); here the same step is a button or page of the app. First match wins (subclasses first).
GUI_HINTS: tuple[tuple[type[InhouseError], str], ...] = (
    (KeyMissing, "Add your API key in Settings (the “Add an API key…” button takes you there)."),
    (KeyRejected, "Check the key in your Anthropic console, then paste it again in Settings."),
    (ProviderUnavailable, "You seem to be offline. The request was kept in the queue: press “Send now” in the "
                          "status bar when you are online."),
    (DownloadOffline, "Check your internet connection (and any proxy), then press Download again."),
    (DownloadFailed, "Try again later; Settings shows the models already on this computer."),
    (ModelMissing, "Choose or download a model in Settings."),
    (ModelLoadFailed, "Choose another model in Settings: this file may not be one this version can run."),
    (ModelUnknown, "Choose a model from the list in Settings, or a GGUF file."),
    (ClassifierMissing, "Create one on the Classifiers page."),
    (ClassifierNotTrained, "Train it on the Classifiers page."),
    (NotEnoughExamples, "Add examples on the Classifiers page (a CSV with text,label columns, or JSONL), "
                        "then train again."),
    (ClassifierFileInvalid, "Nothing was imported or changed. Ask for a fresh export of the classifier and "
                            "import that."),
    (PolicyLocked, PolicyLocked.hint),
    (PolicyError, "The value was not saved; the one shown is still in force. Hover over a setting to see what "
                  "it accepts."),
)


def gui_hint(error: InhouseError) -> str:
    return next((hint for kind, hint in GUI_HINTS if isinstance(error, kind)), error.hint)


def error_text(error: BaseException) -> str:
    """What happened and what to do, on two lines."""
    message, hint = describe_error(error)
    return f"{message}\n{hint}" if hint else message


def describe_error(error: BaseException) -> tuple[str, str]:
    """``(what happened, what to do next)`` for any error a job delivered, worded for the window."""
    if isinstance(error, InhouseError):
        return str(error), gui_hint(error)
    return (f"Something went wrong: {type(error).__name__}: {error}",
            "This is a bug in Inhouse. Try again; if it keeps happening, please report it with what you did.")
