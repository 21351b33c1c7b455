"""Settings: the tiers a request may walk, in order, each with where it goes, when it is used and on
whose authority; "Set by your administrator" where the admin file decides it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from app.assistant import Assistant
from app.policy import EffectivePolicy
from app.tiers import Tier, TierConsent, TierKind

LOCKED_TEXT = "Set by your administrator"
_CONSENT_WORDS = {
    TierConsent.LOCAL: "nothing leaves this device",
    TierConsent.ASK: "asks you each time (or for the session)",
    TierConsent.ADMIN_NO_CONSENT: "no consent needed (inside your organisation)",
    TierConsent.ADMIN_AUTO: "sent automatically",
}
_LOCK_KEYS = {TierKind.DEVICE: "thresholds.classify", TierKind.ORG: "org.endpoint", TierKind.CLOUD: "escalation.mode"}


def tier_summary(tier: Tier, last: bool) -> str:
    """One line: where it goes, how it is allowed, and when the walk goes on past it."""
    where = "this computer" if tier.kind is TierKind.DEVICE else f"{tier.host} · {tier.model or '(no model)'}"
    if tier.consent is TierConsent.OFF:
        return f"{where} — turned off: never asked"
    t = tier.thresholds
    onward = "its answer is kept" if last else (
        f"the next one is asked when its confidence is below {t.classify:.2f} (classify) · {t.extract:.2f} "
        f"(extract) · {t.summarize:.2f} (summarize)")
    return f"{where} — {_CONSENT_WORDS[tier.consent]} — {onward}"


class TiersBox(QFrame):
    """The ordered tiers of the effective policy (read-only: the admin's policy sets up the org server)."""

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.setObjectName("card")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(18, 14, 18, 14)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(8)
        heading = QLabel("Where answers come from, in order")
        heading.setObjectName("sectionTitle")
        self.grid.addWidget(heading, 0, 0, 1, 3)
        self.grid.setColumnStretch(1, 1)
        self.rows: list[tuple[str, str, bool]] = []  # (label, summary, locked) as shown
        self.refresh()

    def refresh(self) -> None:
        while self.grid.count() > 1:
            item = self.grid.takeAt(1)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        effective = self.assistant.effective
        walk = self.assistant.tiers()
        self.rows = []
        for row, tier in enumerate(walk, start=1):
            locked = _locked(effective, tier)
            summary = tier_summary(tier, row == len(walk))
            self.rows.append((tier.label, summary, locked))
            name = QLabel(f"{row}. {tier.label}")
            name.setObjectName("fieldTitle")
            text = QLabel(summary)
            text.setWordWrap(True)
            text.setAccessibleName(f"{tier.label}: {summary}")
            lock = QLabel(LOCKED_TEXT if locked else "")
            lock.setObjectName("caption")
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(text, row, 1)
            self.grid.addWidget(lock, row, 2)


def _locked(effective: EffectivePolicy, tier: Tier) -> bool:
    return effective.is_locked(_LOCK_KEYS[tier.kind])
