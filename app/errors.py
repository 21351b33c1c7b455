"""The typed errors, for ``ui/``: the UI catches and explains them without importing ``inference/``."""

from __future__ import annotations

from inference.errors import *  # noqa: F403  (re-exported whole: every error the app can raise)
