"""What the consent dialog needs of redaction (re-exported for ``ui/``, which never imports
``inference/``): the spans found, the user's own additions, and invisible characters made visible."""

from __future__ import annotations

from inference.redact import USER as USER
from inference.redact import Redaction as Redaction
from inference.redact import Span as Span
from inference.redact import redact_more as redact_more
from inference.redact_text import INVISIBLE_MARK as INVISIBLE_MARK
from inference.redact_text import SPACE_MARK as SPACE_MARK
from inference.redact_text import mark_invisible as mark_invisible
