"""The admin file is the administrator's: attacks by a user who wants to send raw data without being asked."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from app import paths
from app.cli import main
from app.cli.output import print_outcome
from app.consent import ConsentStatus
from app.outcome import Action, Outcome, RemoteAnswer
from app.policy import load_policy
from app.policy_schema import KEYS, SPECS, tighter
from app.tiers import TierKind
from inference.tasks.base import SummarizeSpec, TaskRequest, TaskResult
from tests.conftest import write_policy

LOOSE = '[escalation]\nmode = "auto"\nredact = false\nmonthly_budget_usd = 1000.0\n[privacy]\nstore_history = true\n'


@pytest.fixture
def override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "user-chosen" / "policy.toml"
    monkeypatch.setenv("INHOUSE_ADMIN_POLICY", str(path))
    return path


def test_the_environment_cannot_replace_the_admin_file(override: Path) -> None:
    """The attack: point INHOUSE_ADMIN_POLICY at a file that says mode = "auto", redact = false."""
    write_policy(override, LOOSE)
    effective = load_policy()
    escalation = effective.policy.escalation
    assert escalation.mode == "ask" and escalation.redact is True and escalation.monthly_budget_usd == 10.0
    assert effective.admin_path == paths.admin_policy_path() != override
    assert "only tighten" in effective.settings["escalation.redact"].note


def test_the_environment_override_tightens_key_by_key(override: Path) -> None:
    write_policy(paths.admin_policy_path(), '[escalation]\nmode = "auto"\nmonthly_budget_usd = 5.0\n')
    write_policy(override, '[escalation]\nmode = "ask"\nmonthly_budget_usd = 50.0\n[privacy]\naudit_payload = "hash"\n')
    effective = load_policy()
    settings = effective.settings
    assert settings["escalation.mode"].value == "ask" and settings["escalation.mode"].locked
    assert settings["escalation.monthly_budget_usd"].value == 5.0  # the admin's stricter value stays
    assert settings["privacy.audit_payload"].value == "hash" and settings["privacy.audit_payload"].locked


def test_the_system_location_ignores_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "_system_admin_policy", None)
    before = paths.admin_policy_path()
    monkeypatch.setenv("INHOUSE_ADMIN_POLICY", str(tmp_path / "mine.toml"))
    monkeypatch.setenv("ProgramData", str(tmp_path))
    assert paths.admin_policy_path() == before
    assert str(tmp_path) not in str(before)


@pytest.mark.parametrize("spec", KEYS, ids=lambda s: s.key)
def test_tighter_never_loosens(spec: object) -> None:
    from app.policy_schema import KeySpec

    assert isinstance(spec, KeySpec)
    assert tighter(spec, spec.default, spec.safest) == spec.safest
    assert tighter(spec, spec.safest, spec.default) == spec.safest
    assert tighter(SPECS["escalation.mode"], "auto", "ask") == "ask"


def test_a_dangling_link_as_the_admin_file_is_not_no_admin_file() -> None:
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.symlink_to(admin.parent / "gone.toml")
    effective = load_policy()
    assert effective.policy.escalation.mode == "never"
    assert all(s.locked for s in effective.settings.values())
    assert "does not exist" in effective.problems[0]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_a_fifo_as_the_admin_file_does_not_hang(capsys: pytest.CaptureFixture[str]) -> None:
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(admin)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(["policy", "show"])), daemon=True)
    worker.start()
    worker.join(20)
    assert result == [0], "`inhouse policy show` hung on a FIFO"
    out = capsys.readouterr().out
    assert "not a regular file" in out
    assert load_policy().policy.escalation.mode == "never"


def test_an_admin_folder_that_cannot_be_read_is_a_problem_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")  # any path through it fails (ELOOP), for root too
    monkeypatch.setattr(paths, "_system_admin_policy", loop / "policy.toml")
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert "cannot be read" in out
    assert load_policy().policy.escalation.mode == "never"


def _frontier_outcome(consent: str) -> Outcome:
    request = TaskRequest("text", SummarizeSpec())
    local = TaskResult(task="summarize", output="local", confidence=0.2, model="m", method="generate", latency_ms=1)
    status = ConsentStatus(consent)
    cloud = RemoteAnswer(TierKind.CLOUD, "Cloud", "anthropic", "api.anthropic.com", "claude-haiku-4-5",
                         "cloud answer", None, "anthropic-messages", 12.0, 10, 5, 0.001, status)
    return Outcome(request, local, "cloud answer", Action.ACCEPT, "below threshold", hops=(cloud,), consent=status)


def test_the_cli_tells_the_administrators_policy_from_your_consent(capsys: pytest.CaptureFixture[str]) -> None:
    print_outcome(_frontier_outcome("auto"), as_json=False)
    auto = capsys.readouterr().out
    assert "automatically by your administrator's policy" in auto and "your consent" not in auto
    print_outcome(_frontier_outcome("allow_once"), as_json=False)
    assert "with your consent" in capsys.readouterr().out
