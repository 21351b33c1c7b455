"""Bundled files the app reads: icons, the style sheet and the saved label sets."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from app.paths import RESOURCES

ICONS = RESOURCES / "icons"
LABEL_SETS = RESOURCES / "label_sets.json"
STYLE = Path(__file__).resolve().parent / "style.qss"

log = logging.getLogger("inhouse.ui")


@dataclass(frozen=True)
class LabelSet:
    name: str
    labels: tuple[str, ...]


def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` as an icon (an empty icon if the file is missing)."""
    return QIcon(str(ICONS / f"{name}.svg"))


def style_sheet() -> str:
    try:
        return STYLE.read_text(encoding="utf-8").replace("@ICONS@", ICONS.as_posix())
    except OSError as exc:  # the app still works, only plainer
        log.warning("style sheet not loaded: %s", exc)
        return ""


@cache
def label_sets() -> tuple[LabelSet, ...]:
    """The saved label sets (sentiment, support intent, urgency...); empty if the file is unusable."""
    try:
        data = json.loads(LABEL_SETS.read_text(encoding="utf-8"))
        return tuple(LabelSet(str(s["name"]), tuple(str(x) for x in s["labels"])) for s in data["sets"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("label sets not loaded from %s: %s", LABEL_SETS, exc)
        return ()
