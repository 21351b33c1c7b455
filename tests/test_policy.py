"""The policy: layering, locking, safest fall-backs for invalid files, the user file writer and the CLI."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import egress, paths
from app.cli import main
from app.policy import (
    EffectivePolicy,
    PolicyError,
    PolicyLocked,
    check_file,
    default_policy,
    load_policy,
    remove_user_setting,
    safest_policy,
    save_user_setting,
)
from app.policy_schema import KEYS, SPECS, from_text

TEMPLATE = paths.RESOURCES / "policy.default.toml"


@pytest.fixture(autouse=True)
def _restore_egress_guard() -> Iterator[None]:
    """The CLI installs the egress guard; leave it as this test found it."""
    was_on = egress.is_installed()
    yield
    if not was_on:
        egress.uninstall()


@pytest.fixture
def user_file() -> Path:
    path = paths.current().user_policy
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def admin_file() -> Path:
    path = paths.admin_policy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def values(effective: EffectivePolicy) -> dict[str, object]:
    return {key: s.value for key, s in effective.settings.items()}


SAFEST = {spec.key: spec.safest for spec in KEYS}


# --- defaults ----------------------------------------------------------------------------------------


def test_no_files_gives_the_documented_defaults() -> None:
    effective = load_policy()
    assert effective.problems == ()
    assert {s.source for s in effective.settings.values()} == {"default"}
    assert not any(s.locked for s in effective.settings.values())
    esc = effective.policy.escalation
    assert (esc.mode, esc.provider, esc.model, esc.allowed_models) == (
        "ask", "anthropic", "claude-haiku-4-5", ("claude-haiku-4-5",))
    assert (esc.redact, esc.monthly_budget_usd, esc.max_output_tokens) == (True, 10.0, 1024)
    t = effective.policy.thresholds
    assert (t.for_task("classify"), t.for_task("extract"), t.for_task("summarize")) == (0.70, 0.80, 0.60)
    p = effective.policy.privacy
    assert (p.store_history, p.retention_days, p.audit_payload) == (True, 90, "full")
    assert effective.policy.learning.keep_frontier_answers is False
    assert effective.policy == default_policy()


def test_the_shipped_template_is_valid_and_matches_the_built_in_defaults() -> None:
    assert check_file(TEMPLATE) == []
    doc = tomllib.loads(TEMPLATE.read_text("utf-8"))
    flat = {f"{section}.{name}": value for section, body in doc.items() for name, value in body.items()}
    assert set(flat) == set(SPECS)
    for key, value in flat.items():
        assert SPECS[key].check(value) == SPECS[key].default, key


def test_safest_policy_lets_nothing_out_and_keeps_nothing() -> None:
    safe = safest_policy()
    assert safe.escalation.mode == "never" and safe.escalation.allowed_models == ()
    assert safe.escalation.redact is True and safe.escalation.monthly_budget_usd == 0.0
    assert (safe.escalation.provider, safe.escalation.model) == ("", "")
    assert (safe.thresholds.classify, safe.thresholds.extract, safe.thresholds.summarize) == (0.0, 0.0, 0.0)
    privacy = safe.privacy
    assert (privacy.store_history, privacy.retention_days, privacy.audit_payload) == (False, 1, "hash")
    assert safe.learning.keep_frontier_answers is False


def test_thresholds_for_an_unknown_task_is_a_bug() -> None:
    with pytest.raises(ValueError):
        default_policy().thresholds.for_task("translate")


# --- layering and locking -----------------------------------------------------------------------------


def test_user_file_overrides_defaults(user_file: Path) -> None:
    user_file.write_text('[escalation]\nmode = "never"\n[thresholds]\nclassify = 0.5\n')
    effective = load_policy()
    assert effective.policy.escalation.mode == "never" and effective.policy.thresholds.classify == 0.5
    assert effective.settings["thresholds.classify"].source == "user"
    assert not effective.is_locked("thresholds.classify")
    assert effective.settings["thresholds.extract"].source == "default"


def test_admin_keys_win_and_are_locked(user_file: Path, admin_file: Path) -> None:
    admin_file.write_text('[escalation]\nmode = "never"\n')
    user_file.write_text('[escalation]\nmode = "ask"\nredact = false\n')
    effective = load_policy()
    mode = effective.settings["escalation.mode"]
    assert (mode.value, mode.source, mode.locked) == ("never", "admin", True)
    assert "ignored" in mode.note
    assert effective.is_locked("escalation.mode") and not effective.is_locked("escalation.redact")
    assert effective.policy.escalation.redact is False  # left open by the admin: the user may loosen it


def test_user_auto_acts_as_ask_and_says_so(user_file: Path) -> None:
    user_file.write_text('[escalation]\nmode = "auto"\n')
    setting = load_policy().settings["escalation.mode"]
    assert setting.value == "ask" and setting.source == "user" and '"auto"' in setting.note


def test_admin_auto_takes_effect(admin_file: Path) -> None:
    admin_file.write_text('[escalation]\nmode = "auto"\n')
    effective = load_policy()
    assert effective.policy.escalation.mode == "auto" and effective.is_locked("escalation.mode")


def test_a_model_outside_the_allowed_list_is_flagged(user_file: Path) -> None:
    user_file.write_text('[escalation]\nmodel = "claude-sonnet-4-6"\n')
    assert "allowed_models" in load_policy().settings["escalation.model"].note


def test_explicit_paths_are_used() -> None:
    effective = load_policy(user_path=TEMPLATE, admin_path=TEMPLATE)
    assert all(s.locked and s.source == "admin" for s in effective.settings.values())
    assert effective.admin_path == TEMPLATE


# --- invalid files never widen --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", KEYS, ids=[s.key for s in KEYS])
def test_any_invalid_user_value_falls_back_to_that_keys_safest(user_file: Path, spec: object) -> None:
    key = spec.key  # type: ignore[attr-defined]
    section, name = key.split(".")
    user_file.write_text(f"[{section}]\n{name} = {{ bad = 1 }}\n")  # a table is never a valid value
    effective = load_policy()
    setting = effective.settings[key]
    turns_escalation_off = key in ("escalation.mode", "escalation.provider", "escalation.model")
    expected_mode = "never" if turns_escalation_off else "ask"
    assert (setting.value, setting.source, setting.locked) == (SAFEST[key], "safest", False)
    assert effective.policy.escalation.mode == expected_mode
    assert len(effective.problems) == 1
    assert str(user_file) in effective.problems[0] and key in effective.problems[0]
    others = {k: v for k, v in values(effective).items() if k not in (key, "escalation.mode")}
    assert others == {s.key: s.default for s in KEYS if s.key not in (key, "escalation.mode")}


@pytest.mark.parametrize(("line", "key", "fragment"), [
    ('mode = "sometimes"', "escalation.mode", '"never", "ask", "auto"'),
    ('provider = "openai"', "escalation.provider", '"anthropic"'),
    ('model = ""', "escalation.model", "model ID"),
    ('allowed_models = ["ok", 3]', "escalation.allowed_models", "model ID"),
    ('allowed_models = "claude-haiku-4-5"', "escalation.allowed_models", "list"),
    ("redact = 0", "escalation.redact", "true or false"),
    ("monthly_budget_usd = -1", "escalation.monthly_budget_usd", "at least 0"),
    ("monthly_budget_usd = inf", "escalation.monthly_budget_usd", "at least 0"),
    ("monthly_budget_usd = nan", "escalation.monthly_budget_usd", "at least 0"),
    ("monthly_budget_usd = true", "escalation.monthly_budget_usd", "got true"),
    ("max_output_tokens = 0", "escalation.max_output_tokens", "between 1 and 65536"),
    ("max_output_tokens = 512.0", "escalation.max_output_tokens", "whole number"),
])
def test_invalid_escalation_values_are_explained(user_file: Path, line: str, key: str, fragment: str) -> None:
    user_file.write_text(f"[escalation]\n{line}\n")
    [problem] = load_policy().problems
    assert problem.startswith(f"user policy {user_file}: {key}: ")
    assert fragment in problem and "safest value" in problem
    [error] = check_file(user_file)
    assert error.startswith(f"{user_file}: {key}: ") and fragment in error


@pytest.mark.parametrize(("text", "key"), [
    ("[thresholds]\nclassify = 1.5", "thresholds.classify"),
    ("[thresholds]\nextract = -0.1", "thresholds.extract"),
    ('[thresholds]\nsummarize = "0.6"', "thresholds.summarize"),
    ('[privacy]\nstore_history = "yes"', "privacy.store_history"),
    ("[privacy]\nretention_days = 0", "privacy.retention_days"),
    ("[privacy]\nretention_days = 3651", "privacy.retention_days"),
    ('[privacy]\naudit_payload = "none"', "privacy.audit_payload"),
    ("[learning]\nkeep_frontier_answers = 1", "learning.keep_frontier_answers"),
])
def test_out_of_range_and_wrong_types(user_file: Path, text: str, key: str) -> None:
    user_file.write_text(text + "\n")
    effective = load_policy()
    assert effective.settings[key].value == SAFEST[key]
    assert len(effective.problems) == 1 and key in effective.problems[0]


def test_valid_numbers_are_normalised(user_file: Path) -> None:
    user_file.write_text("[escalation]\nmonthly_budget_usd = 5\nallowed_models = ['a', 'b', 'a']\n"
                         "[thresholds]\nclassify = 1\n")
    effective = load_policy()
    assert effective.problems == ()
    assert effective.policy.escalation.monthly_budget_usd == 5.0
    assert isinstance(effective.policy.escalation.monthly_budget_usd, float)
    assert effective.policy.escalation.allowed_models == ("a", "b")
    assert effective.policy.thresholds.classify == 1.0


def test_an_unparsable_user_file_makes_everything_it_could_set_safest(
    user_file: Path, admin_file: Path
) -> None:
    admin_file.write_text("[thresholds]\nclassify = 0.9\n")
    user_file.write_text('[escalation\nmode = "auto"\n')
    effective = load_policy()
    assert effective.settings["thresholds.classify"].value == 0.9  # admin-locked keys keep the admin's value
    assert all(s.source == "safest" for k, s in effective.settings.items() if k != "thresholds.classify")
    esc = effective.policy.escalation
    assert (esc.mode, esc.redact, esc.monthly_budget_usd, esc.allowed_models) == ("never", True, 0.0, ())
    [problem] = effective.problems
    assert str(user_file) in problem and "not valid TOML" in problem and "line 1" in problem


def test_an_unparsable_admin_file_locks_everything_at_safest(user_file: Path, admin_file: Path) -> None:
    admin_file.write_text("this is not toml\n")
    user_file.write_text('[escalation]\nmode = "ask"\nmonthly_budget_usd = 50.0\n')
    effective = load_policy()
    assert effective.policy == safest_policy()
    assert all(s.locked and s.source == "safest" for s in effective.settings.values())
    assert "ignored" in effective.settings["escalation.monthly_budget_usd"].note
    assert "admin policy" in effective.problems[0] and "(locked)" in effective.problems[0]


def test_an_invalid_admin_key_is_locked_at_safest_and_the_user_cannot_override(
    user_file: Path, admin_file: Path
) -> None:
    admin_file.write_text('[escalation]\nmonthly_budget_usd = "lots"\n')
    user_file.write_text("[escalation]\nmonthly_budget_usd = 50.0\n")
    effective = load_policy()
    setting = effective.settings["escalation.monthly_budget_usd"]
    assert (setting.value, setting.source, setting.locked) == (0.0, "safest", True)
    assert effective.settings["escalation.redact"].source == "default"
    with pytest.raises(PolicyLocked):
        save_user_setting("escalation.monthly_budget_usd", 20.0)


def test_unreadable_and_non_utf8_files_fall_back_to_safest(user_file: Path) -> None:
    user_file.mkdir()
    assert "cannot be read" in load_policy().problems[0]
    assert load_policy().policy == safest_policy()
    user_file.rmdir()
    user_file.write_bytes(b'[escalation]\nmodel = "caf\xe9"\n')
    assert "UTF-8" in load_policy().problems[0]
    assert load_policy().policy == safest_policy()


def test_an_unknown_key_makes_the_rest_of_its_section_safest(user_file: Path) -> None:
    user_file.write_text('[escalation]\nmonthly_budget_usd = 5.0\nmoed = "auto"\n')
    effective = load_policy()
    assert effective.settings["escalation.monthly_budget_usd"].value == 5.0  # set validly in the same file
    assert effective.settings["escalation.monthly_budget_usd"].source == "user"
    assert effective.settings["escalation.mode"].value == "never"
    assert effective.settings["escalation.allowed_models"].value == ()
    assert effective.settings["thresholds.classify"].source == "default"  # other sections untouched
    [problem] = effective.problems
    assert "escalation.moed: unknown key" in problem and "[escalation]" in problem


def test_an_unknown_section_in_the_user_file_is_reported_and_ignored(user_file: Path) -> None:
    user_file.write_text('[escalaton]\nmode = "auto"\n[privacy]\nretention_days = 30\n')
    effective = load_policy()
    assert effective.settings["privacy.retention_days"].value == 30
    assert all(s.source == "default" for k, s in effective.settings.items() if k != "privacy.retention_days")
    assert "[escalaton]: unknown section" in effective.problems[0] and "ignored" in effective.problems[0]
    assert effective.prune_paused  # a typo may hide the retention the user meant: nothing is pruned


def test_an_unknown_section_in_the_admin_file_locks_everything_at_safest(user_file: Path) -> None:
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text('[escalaton]\nmode = "ask"\n')
    effective = load_policy()
    assert all(s.source == "safest" and s.locked for s in effective.settings.values())


def test_a_section_that_is_not_a_table(user_file: Path) -> None:
    user_file.write_text('privacy = "strict"\n')
    effective = load_policy()
    assert effective.policy.privacy.store_history is False
    assert effective.settings["escalation.mode"].source == "default"
    assert "[privacy]: must be a table" in effective.problems[0]


def test_check_file_lists_every_error(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[escalation]\nmode = "x"\nredact = "no"\n[thresholds]\nclassify = 2\n')
    errors = check_file(path)
    keys = [e.split(": ")[1] for e in errors]
    assert keys == ["escalation.mode", "escalation.redact", "thresholds.classify"]
    assert check_file(tmp_path / "missing.toml") == [f"{tmp_path / 'missing.toml'}: no such file"]


# --- writing the user file -----------------------------------------------------------------------------


def test_save_user_setting_round_trips_and_keeps_other_keys(user_file: Path) -> None:
    user_file.write_text("[privacy]\nretention_days = 30\n")
    save_user_setting("escalation.allowed_models", ("claude-haiku-4-5", "claude-sonnet-4-6"))
    save_user_setting("thresholds.extract", 0.9)
    effective = load_policy()
    assert effective.problems == ()
    assert effective.policy.escalation.allowed_models == ("claude-haiku-4-5", "claude-sonnet-4-6")
    assert effective.policy.thresholds.extract == 0.9 and effective.policy.privacy.retention_days == 30
    assert check_file(user_file) == []


def test_save_creates_the_config_folder() -> None:
    save_user_setting("privacy.store_history", False)
    assert load_policy().policy.privacy.store_history is False


@pytest.mark.parametrize(("key", "value", "error"), [
    ("escalation.mode", "auto", PolicyLocked),
    ("escalation.mode", "sometimes", PolicyError),
    ("thresholds.classify", 1.5, PolicyError),
    ("escalation.nope", 1, PolicyError),
])
def test_save_refuses_and_leaves_the_file_alone(
    user_file: Path, key: str, value: object, error: type[Exception]
) -> None:
    user_file.write_text("# mine\n[privacy]\nretention_days = 30\n")
    with pytest.raises(error):
        save_user_setting(key, value)
    assert user_file.read_text() == "# mine\n[privacy]\nretention_days = 30\n"


def test_save_refuses_a_locked_key(user_file: Path, admin_file: Path) -> None:
    admin_file.write_text('[escalation]\nmode = "never"\n')
    with pytest.raises(PolicyLocked, match="administrator"):
        save_user_setting("escalation.mode", "ask")
    assert not user_file.exists()


def test_save_refuses_to_overwrite_a_broken_file(user_file: Path) -> None:
    user_file.write_text("[broken\n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        save_user_setting("privacy.store_history", False)
    assert user_file.read_text() == "[broken\n"


def test_remove_user_setting(user_file: Path) -> None:
    save_user_setting("privacy.retention_days", 7)
    assert remove_user_setting("privacy.retention_days") is True
    assert remove_user_setting("privacy.retention_days") is False
    assert load_policy().settings["privacy.retention_days"].source == "default"
    assert "privacy" not in tomllib.loads(user_file.read_text())


@pytest.mark.parametrize(("key", "text", "value"), [
    ("escalation.redact", "off", False), ("escalation.mode", "never", "never"),
    ("escalation.monthly_budget_usd", "12", 12.0), ("privacy.retention_days", "30", 30),
    ("escalation.allowed_models", "a, b", ["a", "b"]), ("escalation.allowed_models", '["a","b"]', ["a", "b"]),
    ("escalation.model", '"x-1"', "x-1"), ("privacy.retention_days", "1.5", 1.5),
])
def test_from_text(key: str, text: str, value: object) -> None:
    assert from_text(SPECS[key], text) == value


# --- CLI ------------------------------------------------------------------------------------------------


def test_cli_show_json(user_file: Path, admin_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin_file.write_text('[escalation]\nmode = "never"\n')
    user_file.write_text("[privacy]\nretention_days = -5\n")
    assert main(["policy", "show", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    mode = {"value": "never", "source": "admin", "locked": True, "note": ""}
    assert out["settings"]["escalation.mode"] == mode
    assert out["settings"]["escalation.allowed_models"]["value"] == ["claude-haiku-4-5"]
    assert out["settings"]["privacy.retention_days"]["source"] == "safest"
    assert len(out["problems"]) == 1 and "privacy.retention_days" in out["problems"][0]
    assert out["files"] == {"user": str(user_file), "admin": str(admin_file), "admin_override": None}


def test_cli_show_text(user_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_file.write_text('[escalation]\nmode = "auto"\n')
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    assert "(not present)" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("escalation.mode"))
    assert line.split() == ["escalation.mode", '"ask"', "user"]
    assert 'acting as "ask"' in out


def test_cli_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("[privacy]\nretention_days = 30\n")
    bad.write_text('[privacy]\nretention_days = "30"\naudit_payload = "some"\n')
    assert main(["policy", "check", str(good)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["policy", "check", str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "privacy.retention_days" in lines[0] and "privacy.audit_payload" in lines[1]


def test_cli_set_unset_and_locked(admin_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "set", "thresholds.classify", "0.55"]) == 0
    assert load_policy().policy.thresholds.classify == 0.55
    assert main(["policy", "unset", "thresholds.classify"]) == 0
    assert load_policy().settings["thresholds.classify"].source == "default"
    admin_file.write_text("[escalation]\nredact = true\n")
    capsys.readouterr()
    assert main(["policy", "set", "escalation.redact", "false"]) == 1
    assert "administrator" in capsys.readouterr().err
    assert main(["policy", "path"]) == 0
    assert str(admin_file) in capsys.readouterr().out
