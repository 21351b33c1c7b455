"""What the result view says about an outcome: the badge (which tier answered) and the one sentence saying why.

Pure functions of ``app.outcome.Outcome`` (no widgets), so the wording is easy to check. They read the
outcome's typed ``action``, ``tier``, ``consent`` and ``decision`` (kind, deny reason), never the words of
the router's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from app.consent import ConsentStatus
from app.errors import (
    ChecksumMismatch,
    ClassifierFileInvalid,
    ClassifierLabelsDiffer,
    ClassifierMissing,
    ClassifierNotTrained,
    DownloadFailed,
    DownloadOffline,
    ExtractorFileInvalid,
    ExtractorMissing,
    ExtractorNotTrained,
    InhouseError,
    KeyMissing,
    KeyRejected,
    ModelCorrupt,
    ModelLoadFailed,
    ModelMissing,
    ModelUnknown,
    NotEnoughExamples,
    ProfileExists,
    ProviderUnavailable,
    RedactionExamplesInvalid,
    RedactionModelDamaged,
)
from app.outcome import Action, Outcome
from app.policy import PolicyError, PolicyLocked
from app.router import DenyReason
from app.tiers import TierKind
from ui.formatting import confidence_pair, task_title

BadgeKind = Literal["local", "org", "cloud"]

_DENIED = {
    DenyReason.POLICY_OFF: "sending to the cloud is turned off by your policy",
    DenyReason.MODEL_NOT_ALLOWED: "the model it would use is not allowed by your policy",
    DenyReason.OVER_BUDGET: "it would go over this month's budget",
    DenyReason.NO_KEY: "no API key is set for it",
    DenyReason.AUDIT_UNAVAILABLE: "the audit log is unavailable until the database is fixed",
    DenyReason.UNCALIBRATED: "its confidence is uncalibrated and your policy keeps such answers on this device",
}


@dataclass(frozen=True)
class Badge:
    text: str
    kind: BadgeKind


def badge(outcome: Outcome) -> Badge:
    """Where the answer shown was made ("On this device", "On Acme's server", "Cloud") and on whose authority."""
    remote = outcome.remote
    if remote is None:
        return Badge("On this device", "local")
    kind: BadgeKind = "org" if remote.tier is TierKind.ORG else "cloud"
    return Badge(f"{remote.tier_label} · {remote.model} · {remote.consent.describe()}", kind)


def next_tier_name(outcome: Outcome) -> str:
    """The tier the walk would go to next, in a sentence ("Acme's server", "the cloud model")."""
    decision = outcome.decision
    if decision is None or decision.next_tier is None:
        return "the next tier"
    return "the cloud model" if decision.next_tier is TierKind.CLOUD else decision.next_name


def _below(outcome: Outcome, threshold: float) -> str:
    task = task_title(outcome.request.task)
    if outcome.confidence is None:
        return f"The answer's confidence is unknown (counted as below the threshold for {task})"
    conf, thr = confidence_pair(outcome.confidence, threshold)
    return f"Confidence {conf} is below the {thr} threshold for {task}"


def _uncalibrated_stop(outcome: Outcome) -> bool:
    """The walk stopped on the device with an uncalibrated confidence (said instead of the threshold)."""
    return outcome.action in (Action.ASK, Action.QUEUE, Action.DENY)


def why(outcome: Outcome, threshold: float, *, key_missing: bool = False) -> str:
    """One sentence: how the confidence compares with the threshold, and what happened because of it.
    ``key_missing``: no API key is set (the window offers to add one)."""
    task = task_title(outcome.request.task)
    if outcome.action is Action.LOCAL_ONLY:
        conf, thr = confidence_pair(outcome.local.confidence, threshold)
        return f"Confidence {conf} (threshold {thr} for {task}); no other tier was offered for this run."
    remote, nxt = outcome.remote, next_tier_name(outcome)
    if outcome.action is Action.ACCEPT:
        if remote is None:
            conf, thr = confidence_pair(outcome.local.confidence, threshold)
            return f"Confidence {conf} meets the {thr} threshold for {task}, so the answer stayed on this device."
        where = remote.tier_label[0].lower() + remote.tier_label[1:] if remote.tier is TierKind.ORG else "the cloud"
        known = "its confidence is unknown" if remote.confidence is None else f"confidence {remote.confidence:.2f}"
        return f"The answer before it was not confident enough, so {remote.model} answered {where} ({known})."
    if remote is None and outcome.local.uncalibrated and _uncalibrated_stop(outcome):
        stays = f"It stays on this device: {nxt} can't be asked yet, no API key is set." if key_missing else \
            "It stays on this device, marked uncalibrated."
        then = {Action.ASK: f"You can ask {nxt}; nothing is sent without your consent.",
                Action.DENY: stays,
                Action.QUEUE: f"The request waits in the queue for {nxt}."}.get(outcome.action, "")
        conf = f"{outcome.local.confidence:.2f}"
        return f"Confidence {conf} is uncalibrated, so it is not treated as confident. {then}".strip()
    below = _below(outcome, threshold)
    if outcome.action is Action.DECLINED or outcome.consent is ConsentStatus.DENIED:
        return f"{below}; you chose not to send it to {nxt}, so this is the answer you had."
    if outcome.action is Action.ASK:
        return f"{below}. You can ask {nxt}; nothing is sent without your consent."
    if outcome.action is Action.QUEUE:
        return f"{below}; {nxt} cannot be reached, so the request waits in the queue."
    if outcome.action is Action.FAILED:
        return f"{below}; {nxt} failed, so this is the answer you had."
    deny = outcome.decision.deny if outcome.decision else None
    if deny is DenyReason.NO_KEY and key_missing:
        return f"{below}, but {nxt} can't be asked yet: no API key is set."
    words = _DENIED[deny] if deny else "your policy does not allow it"
    return f"{below}, but it was not sent to {nxt}: {words}."


def calibration_words(state: str, evidence: int) -> str:
    """What backs a classification's confidence, in words (the figures are in the sentence's tooltip).
    From the typed state and the number of confirmed answers, never from the CLI's sentence."""
    if state == "trained":
        return "Answered by a classifier trained on your examples."
    if state == "calibrated":
        return f"Its confidence is checked against {evidence} answers whose right label you confirmed."
    if evidence == 0:
        return ("No answer with these labels has been confirmed yet, so the confidence is the model's own guess. "
                "Correct a few answers (“This should be…”) or teach a classifier.")
    return (f"The confidence is the model's own guess until more answers are confirmed ({evidence} so far), or "
            "it does not yet tell right from wrong answers. Correct answers or teach a classifier.")


# What to do, said for the window: the errors' own hints name command-line commands (they are shared
# with the CLI); here the same step is a button or page of the app. First match wins (subclasses first).
# tests/test_gui_hints.py walks every InhouseError subclass (and every hint given where one is raised) and
# fails when the window's wording would still send someone to a terminal.
@cache
def gui_hints() -> tuple[tuple[type[InhouseError], str], ...]:
    """The table, built when an error is first explained: some errors live in modules the window must not
    import before it paints (#11: the send step, the keyring; tests/test_imports.py)."""
    from app.batch_output import NotBatchResults
    from app.documents.errors import NotARegularFile
    from app.egress import EgressBlocked
    from app.review_export import AggregateInvalid
    from app.secrets import KeyringUnavailable, PlaintextKeyringRefused
    from app.sending import OutcomeUnknown, RedirectRefused, ResendRefused

    return (
        (KeyMissing, "Add your API key in Settings (the “Add an API key…” button takes you there)."),
        (KeyRejected, "Check the key in your Anthropic console, then paste it again in Settings."),
        (ProviderUnavailable, "You seem to be offline. The request was kept in the queue: press “Send now” in the "
                              "status bar when you are online."),
        (OutcomeUnknown, "The Audit log page shows the request (outcome unknown). To send it again, ask again: that "
                         "needs a new consent."),
        (ResendRefused, "Ask for it again yourself (a new consent), or look it up on the Audit log page first."),
        (RedirectRefused, "Inhouse sends only to the host you agreed to, so the redirect was not followed. Ask your "
                          "administrator to check the server's address."),
        (EgressBlocked, "Inhouse only goes online for an escalation you approved or a model download you started. "
                        "If you did neither, this was a bug: please report it with what you did."),
        (KeyringUnavailable, "This computer has no keyring Inhouse can use, so a key can be kept for this session "
                             "only. To keep it, unlock or set up your desktop's keyring, then save the key again."),
        (PlaintextKeyringRefused, "The only keyring here keeps secrets unencrypted in a file, so the key was not "
                                  "stored. Set up your desktop's keyring to keep it; until then it lasts this "
                                  "session."),
        (ChecksumMismatch, ChecksumMismatch.hint),
        (DownloadOffline, "Check your internet connection (and any proxy), then press Download again."),
        (DownloadFailed, "Try again later; Settings shows the models already on this computer."),
        (ModelMissing, "Choose or download a model in Settings."),
        (ModelCorrupt, "Inhouse changed nothing. Choose another model in Settings (a catalog model can be downloaded "
                       "there again)."),
        (ModelLoadFailed, "Choose another model in Settings: this file may not be one this version can run."),
        (ModelUnknown, "Choose a model from the list in Settings, or a GGUF file."),
        (ClassifierMissing, "Create one on the Classifiers page."),
        (ClassifierNotTrained, "Train it on the Classifiers page."),
        (ClassifierLabelsDiffer, "Use the classifier's own labels, or choose no classifier."),
        (ProfileExists, "Remove the one already there first, or import again and choose to replace it."),
        (NotEnoughExamples, "Add examples (“Add examples from file…” on the Classifiers page, “Add examples…” on the "
                            "Extractors page, or correct answers), then train again."),
        (ClassifierFileInvalid, "Nothing was imported or changed. Ask for a fresh export of the classifier and "
                                "import that."),
        (ExtractorMissing, "Create one on the Extractors page (“New extractor…”)."),
        (ExtractorNotTrained, "Train it on the Extractors page: select it, then press “Train”."),
        (ExtractorFileInvalid, "Nothing was imported. Ask for a fresh export of the extractor (“Export…” on the "
                               "Extractors page) and import that."),
        (RedactionModelDamaged, "Delete the file named above: the shipped redaction model is used again, and yours is "
                                "trained again after your next redaction by hand. Nothing was sent."),
        (RedactionExamplesInvalid, "Delete the file named above (your own redaction examples): the shipped redaction "
                                   "model is used again. Nothing was sent."),
        (AggregateInvalid, "Give files saved with “Export aggregate…” on the Review page (one per person or device)."),
        (NotBatchResults, "Choose another file for the results, or delete that one to start over."),
        (NotARegularFile, "Save the text to a file and choose that file."),
        (PolicyLocked, PolicyLocked.hint),
        (PolicyError, "The value was not saved; the one shown is still in force. Hover over a setting to see what "
                      "it accepts."),
    )


def gui_hint(error: InhouseError) -> str:
    return next((hint for kind, hint in gui_hints() if isinstance(error, kind)), error.hint)


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
