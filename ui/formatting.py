"""Small text helpers shared by the views: task titles, times, money, numbers, model names."""

from __future__ import annotations

from datetime import datetime

from app.router import usd
from app.task_types import TaskName

TASK_TITLES: dict[TaskName, str] = {"classify": "Classify", "extract": "Extract", "summarize": "Summarize"}

__all__ = ["TASK_TITLES", "confidence_pair", "local_time", "short_model", "snippet", "task_title", "usd"]


def task_title(task: str) -> str:
    for name, title in TASK_TITLES.items():
        if name == task:
            return title
    return task.capitalize()


def local_time(iso: str, *, short: bool = False) -> str:
    """A stored UTC timestamp as local time, ``2026-11-22 14:05`` (short: ``22 Nov 14:05``); the input
    unchanged if unreadable."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime(
            "%d %b %H:%M" if short else "%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def snippet(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters, with an ellipsis when cut."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def short_model(name: str) -> str:
    """``SmolLM2-135M-Instruct.Q4_1`` -> ``SmolLM2-135M``: the family and size people recognise."""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    for suffix in ("-Instruct", "-instruct", "-Chat", "-chat", "-it"):
        stem = stem.removesuffix(suffix)
    return stem or name


def confidence_pair(confidence: float, threshold: float) -> tuple[str, str]:
    """Both numbers with enough digits that they never look equal when they are not."""
    for digits in (2, 3, 4):
        a, b = f"{confidence:.{digits}f}", f"{threshold:.{digits}f}"
        if a != b or confidence == threshold:
            return a, b
    return repr(confidence), repr(threshold)


def money(amount: float) -> str:
    """Dollars to the cent for people: ``$3.20``; a non-zero amount under a cent is ``<$0.01``."""
    if 0 < amount < 0.005:
        return "<$0.01"
    return f"${amount:,.2f}"


def percent(value: float) -> str:
    """A probability as a percentage; tiny non-zero values are shown as ``<1%``, not ``0%``."""
    if 0 < value < 0.005:
        return "<1%"
    return f"{value * 100:.0f}%"
