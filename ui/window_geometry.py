"""Where the main window opens, and how large: never larger than the screen it opens on.

The first window is the default size (1240×800) cut down to the screen's available geometry (the screen
less its panels and docks), less room for the title bar and borders the window manager adds (not known
before the window is shown), and centred there. A remembered geometry is used again only if it still fits
a screen it is on: a window last used on a large monitor opens at the default size on the laptop alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget

MINIMUM = QSize(900, 600)
DEFAULT = QSize(1240, 800)
FRAME = QSize(16, 48)  # room for the title bar and borders (most window managers: 20-40 px tall, 0-8 px sides)
TITLE_BAR_POINT = QPoint(40, 12)  # a point of the title bar, from the frame's corner (where a window is dragged)


def frame_of(geometry: QRect) -> QRect:
    """The room ``geometry`` (the frame's corner, the contents' size) takes with its frame."""
    return QRect(geometry.topLeft(), geometry.size() + FRAME)


def fitted_size(available: QRect) -> QSize:
    """The default size, made smaller to fit ``available`` with the frame; never below the minimum."""
    room = available.size() - FRAME
    return DEFAULT.boundedTo(room).expandedTo(MINIMUM)


def centred(size: QSize, available: QRect) -> QRect:
    """``size`` in the middle of ``available`` (its top left corner inside it, if it is too large)."""
    x = available.x() + max(0, (available.width() - size.width() - FRAME.width()) // 2)
    y = available.y() + max(0, (available.height() - size.height() - FRAME.height()) // 2)
    return QRect(QPoint(x, y), size)


def first_geometry(saved: QRect | None, screens: Sequence[QRect]) -> QRect:
    """Where the window opens: ``saved`` (the frame's corner and the contents' size, as last closed) if it
    fits the available geometry of a screen its title bar is on; else the fitted default, centred on that
    screen (or on the first, the primary, if it is on none). ``screens`` are available geometries."""
    if not screens:
        return QRect(QPoint(0, 0), DEFAULT)
    if saved is None or not saved.isValid():
        return centred(fitted_size(screens[0]), screens[0])
    home = next((s for s in screens if s.contains(saved.topLeft() + TITLE_BAR_POINT)), None)
    if home is not None and home.contains(frame_of(saved)):
        return saved
    screen = home or screens[0]
    fits = screen.size() - FRAME
    size = saved.size() if fits.width() >= saved.width() and fits.height() >= saved.height() else None
    return centred(size or fitted_size(screen), screen)


def bounded(size: QSize, widget: QWidget) -> QSize:
    """``size`` made smaller, if need be, to fit with its frame on the screen ``widget`` is on (a dialog:
    its parent's). The widget's layout still keeps it at least as large as its minimum."""
    return size.boundedTo(widget.screen().availableGeometry().size() - FRAME)
