"""Optional OCR for scanned pages: Tesseract (the user's own install) through pytesseract, on the device."""

from __future__ import annotations

import shutil
from typing import Any

from app.documents.errors import DocumentUnreadable

SECONDS_PER_IMAGE = 60


def tesseract_path() -> str | None:
    """Where the ``tesseract`` program is, or None when it is not installed."""
    return shutil.which("tesseract")


def available() -> bool:
    if tesseract_path() is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str | None:
    """Tesseract's version for ``inhouse doctor`` (None when it is not installed)."""
    if not available():
        return None
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except (OSError, RuntimeError, pytesseract.TesseractError):
        return None


def image_text(image: Any, name: str) -> str:
    """The text Tesseract reads in a PIL image (bounded in time)."""
    import pytesseract

    try:
        return str(pytesseract.image_to_string(image, timeout=SECONDS_PER_IMAGE))
    except RuntimeError as err:  # pytesseract raises RuntimeError on its timeout
        raise DocumentUnreadable(f"OCR of {name} took longer than {SECONDS_PER_IMAGE} s per image; it was stopped.",
                                 hint="Scan at a lower resolution, or export the text from the scanner's software.") \
            from err
    except (OSError, pytesseract.TesseractError) as err:
        raise DocumentUnreadable(f"Tesseract could not read the images of {name}: {err}") from err
