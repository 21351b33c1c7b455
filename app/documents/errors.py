"""Why a document could not be read, each with what to do next. All are ``InputInvalid`` (bad input)."""

from __future__ import annotations

from inference.errors import InputInvalid


class DocumentUnreadable(InputInvalid):
    """The file is damaged, truncated or not what its name says."""

    hint = "Open it in the program that made it and save it again (or export it as PDF), then try again."


class IsAFolder(DocumentUnreadable):
    """A folder where one file was expected (the command line adds how to run over a folder)."""

    hint = "Choose one file in it."


class NotARegularFile(DocumentUnreadable):
    """A named pipe, device or socket where a file was expected: refused before it is opened (reading one
    could wait for ever)."""

    hint = "Save the text to a file and give that, or pass it on standard input with -."


class DocumentLocked(InputInvalid):
    """The file is password-protected."""

    hint = "Remove the password (open it and save an unprotected copy), then try again."


class DocumentTooLarge(InputInvalid):
    """The file, its pages or what it unpacks to is beyond the limits Inhouse reads."""

    hint = "Split the document into smaller files and run the parts separately."


class DocumentIsImage(InputInvalid):
    """A PDF with no text layer (a scan) and no OCR available."""

    hint = (
        "Install Tesseract OCR (Debian/Ubuntu: `apt install tesseract-ocr`; macOS: `brew install tesseract`; "
        "Windows: the UB Mannheim installer) and open it again, or export the text from the scanner's software."
    )


class FormatUnsupported(InputInvalid):
    """No reader for this kind of file."""

    hint = "Open it in its own program, copy the text, and paste it here (or save it as PDF or plain text)."
