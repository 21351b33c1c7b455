"""The admin files in packaging/admin/: the template states every policy key as the schema declares it,
and the cloud-off policy turns escalation off for good, through the real policy loader."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from app.policy import check_file, load_policy
from app.policy_schema import KEYS

ADMIN = Path(__file__).resolve().parent.parent / "packaging" / "admin"
sys.path.insert(0, str(ADMIN))

import template  # noqa: E402  (packaging/admin/template.py)


def test_the_template_is_generated_from_the_schema() -> None:
    assert (ADMIN / "policy.toml").read_text(encoding="utf-8") == template.render(), (
        "packaging/admin/policy.toml is out of date: run .venv/bin/python packaging/admin/template.py"
    )


def test_the_template_as_shipped_is_valid_and_locks_nothing(tmp_path: Path) -> None:
    admin = ADMIN / "policy.toml"
    assert check_file(admin) == []
    effective = load_policy(user_path=tmp_path / "none.toml", admin_path=admin)
    assert [s.key for s in effective.settings.values() if s.locked] == []
    assert {k: s.value for k, s in effective.settings.items()} == {spec.key: spec.default for spec in KEYS}


def test_every_key_uncommented_is_valid_and_locked_at_its_default(tmp_path: Path) -> None:
    text = (ADMIN / "policy.toml").read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", text)
    admin = tmp_path / "policy.toml"
    admin.write_text(uncommented, encoding="utf-8")
    assert check_file(admin) == []
    doc = tomllib.loads(uncommented)
    assert {f"{section}.{name}" for section, body in doc.items() for name in body} == {s.key for s in KEYS}
    effective = load_policy(user_path=tmp_path / "none.toml", admin_path=admin)
    assert all(s.locked and s.source == "admin" for s in effective.settings.values())


@pytest.mark.parametrize("user_says", ['mode = "ask"', 'mode = "auto"'])
def test_cloud_off_cannot_be_turned_back_on_by_a_user(tmp_path: Path, user_says: str) -> None:
    admin = ADMIN / "policy-cloud-off.toml"
    assert check_file(admin) == []
    user = tmp_path / "user.toml"
    user.write_text(f'[escalation]\n{user_says}\nallowed_models = ["claude-haiku-4-5"]\nmonthly_budget_usd = 50\n',
                    encoding="utf-8")
    effective = load_policy(user_path=user, admin_path=admin)
    escalation = effective.policy.escalation
    assert (escalation.mode, escalation.allowed_models, escalation.monthly_budget_usd) == ("never", (), 0.0)
    assert all(effective.is_locked(k) for k in ("escalation.mode", "escalation.allowed_models",
                                                 "escalation.monthly_budget_usd", "escalation.redact"))
