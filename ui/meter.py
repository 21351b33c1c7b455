"""Painted gauges: the confidence meter with the policy threshold marked, and a plain probability bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

TRACK = QColor("#e5e7eb")
GOOD = QColor("#16a34a")
LOW = QColor("#d97706")
UNCALIBRATED = QColor("#9ca3af")  # grey: a confidence with no evidence behind it is neither good nor low
BAR = QColor("#3b6fe0")
BAR_MUTED = QColor("#a5b8e8")
TICK = QColor("#111827")


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


class ConfidenceMeter(QWidget):
    """A bar filled to the confidence, green at or above the threshold and amber below, with a tick
    and a caption at the threshold; grey, captioned "uncalibrated", when no evidence backs it."""

    BAR_H = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confidence = 0.0
        self.threshold: float | None = None
        self.calibrated = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Confidence meter")

    def set_values(self, confidence: float, threshold: float | None, calibrated: bool = True) -> None:
        self.confidence = _clamp(confidence)
        self.threshold = None if threshold is None else _clamp(threshold)
        self.calibrated = calibrated
        text = f"confidence {self.confidence:.2f}" + ("" if calibrated else " (uncalibrated)")
        if self.threshold is not None:
            text += f", threshold {self.threshold:.2f}"
        self.setAccessibleDescription(text)
        self.setToolTip(text.capitalize())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, 34)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.width() - 2
        track = QRectF(1, 4, width, self.BAR_H)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(TRACK)
        p.drawRoundedRect(track, 5, 5)
        good = self.threshold is None or self.confidence >= self.threshold
        p.setBrush(UNCALIBRATED if not self.calibrated else GOOD if good else LOW)
        if self.confidence > 0:
            p.drawRoundedRect(QRectF(1, 4, max(self.BAR_H, width * self.confidence), self.BAR_H), 5, 5)
        if self.threshold is not None:
            self._draw_threshold(p, 1 + width * self.threshold)
        p.end()

    def _draw_threshold(self, p: QPainter, x: float) -> None:
        p.setPen(TICK)
        p.drawLine(int(x), 0, int(x), 4 + self.BAR_H + 4)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        caption = self.caption(p.fontMetrics().horizontalAdvance)
        text_w = p.fontMetrics().horizontalAdvance(caption)
        left = max(0.0, min(x - text_w / 2, self.width() - text_w))
        p.drawText(QRectF(left, 4 + self.BAR_H + 3, text_w + 2, 16), Qt.AlignmentFlag.AlignLeft, caption)


    def caption(self, width_of: Callable[[str], int]) -> str:
        """The longest caption that fits the meter's width (a narrow answer panel cut "threshold" to
        "reshold"); the tooltip and the sentence under the answer always say all of it."""
        t = f"{self.threshold or 0.0:.2f}"
        captions = [f"threshold {t}", t] if self.calibrated else [
            f"threshold {t} · uncalibrated", f"{t} · uncalibrated", f"threshold {t}", t]
        return next((c for c in captions if width_of(c) <= self.width()), captions[-1])


class Bar(QWidget):
    """A thin horizontal bar for one label's probability."""

    def __init__(self, value: float, strong: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = _clamp(value)
        self.strong = strong
        self.setMinimumWidth(80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(160, 12)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        h = 8.0
        top = (self.height() - h) / 2
        p.setBrush(TRACK)
        p.drawRoundedRect(QRectF(0, top, self.width(), h), 4, 4)
        if self.value > 0:
            p.setBrush(BAR if self.strong else BAR_MUTED)
            p.drawRoundedRect(QRectF(0, top, max(h, self.width() * self.value), h), 4, 4)
        p.end()
