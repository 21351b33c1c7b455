"""Tiers in the policy: device -> org -> cloud, read from real policy files; invalid never widens egress."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import paths
from app.policy import PolicyLocked, load_policy, save_user_setting
from app.tiers import TierConsent, TierKind, tiers
from tests.conftest import write_policy

ORG = """[org]
endpoint = "https://llm.acme.internal/v1/"
name = "Acme"
model = "qwen2.5-7b"
allowed_models = ["qwen2.5-7b"]
consent = "none"
classify_threshold = 0.5
"""


def admin_file() -> Path:
    return paths.admin_policy_path()


def test_without_an_org_server_the_tiers_are_device_then_cloud() -> None:
    walk = tiers(load_policy().policy)
    assert [t.kind for t in walk] == [TierKind.DEVICE, TierKind.CLOUD]
    assert walk[0].label == "On this device" and walk[-1].label == "Cloud" and walk[-1].host == "api.anthropic.com"
    assert walk[-1].consent is TierConsent.ASK and walk[-1].monthly_budget_usd == 10.0


def test_an_admin_org_tier_sits_between_and_may_need_no_consent() -> None:
    write_policy(admin_file(), ORG)
    effective = load_policy()
    device, org, cloud = tiers(effective.policy)
    assert org.kind is TierKind.ORG and org.label == "On Acme's server" and org.host == "llm.acme.internal"
    assert org.endpoint == "https://llm.acme.internal/v1" and org.model == "qwen2.5-7b"
    assert org.consent is TierConsent.ADMIN_NO_CONSENT and org.monthly_budget_usd is None
    assert org.threshold("classify") == 0.5 and org.threshold("extract") == 0.80
    assert org.redact and org.when_down == "queue"
    assert effective.is_locked("org.endpoint") and not effective.is_locked("org.timeout_s")
    assert cloud.kind is TierKind.CLOUD


def test_no_consent_from_the_user_file_acts_as_ask(inhouse_home: Path) -> None:
    write_policy(paths.current().user_policy, ORG)
    effective = load_policy()
    org = tiers(effective.policy)[1]
    assert org.consent is TierConsent.ASK
    assert "admin file" in effective.settings["org.consent"].note
    with pytest.raises(PolicyLocked):
        save_user_setting("org.consent", "none")


@pytest.mark.parametrize("endpoint", ["http://llm.acme.internal/v1", "ftp://x/v1", "https://user:pw@x/v1", "v1"])
def test_an_unsafe_endpoint_falls_back_to_no_org_tier(endpoint: str) -> None:
    write_policy(admin_file(), ORG.replace("https://llm.acme.internal/v1/", endpoint))
    effective = load_policy()
    assert [t.kind for t in tiers(effective.policy)] == [TierKind.DEVICE, TierKind.CLOUD]
    assert effective.settings["org.endpoint"].source == "safest" and effective.settings["org.endpoint"].locked
    assert any("org.endpoint" in problem for problem in effective.problems)


def test_plain_http_is_allowed_only_on_this_machine() -> None:
    write_policy(admin_file(), ORG.replace("https://llm.acme.internal/v1/", "http://127.0.0.1:8080/v1"))
    assert tiers(load_policy().policy)[1].host == "127.0.0.1:8080"


def test_an_invalid_org_consent_falls_back_to_ask_never_to_none() -> None:
    write_policy(admin_file(), ORG.replace('consent = "none"', 'consent = "nobody"'))
    effective = load_policy()
    assert tiers(effective.policy)[1].consent is TierConsent.ASK
    assert effective.settings["org.consent"].source == "safest"


def test_an_unknown_org_key_turns_the_org_tier_off() -> None:
    write_policy(admin_file(), ORG + 'endpont = "https://elsewhere.example/v1"\n')
    effective = load_policy()
    assert [t.kind for t in tiers(effective.policy)] == [TierKind.DEVICE, TierKind.CLOUD]


def test_a_model_outside_the_allowed_list_is_noted() -> None:
    write_policy(admin_file(), ORG.replace('allowed_models = ["qwen2.5-7b"]', "allowed_models = []"))
    assert "org.allowed_models" in load_policy().settings["org.model"].note


def test_old_policy_files_keep_working_escalation_is_the_cloud_tier() -> None:
    write_policy(admin_file(), '[escalation]\nmode = "auto"\nmodel = "claude-sonnet-4-6"\n'
                               'allowed_models = ["claude-sonnet-4-6"]\n')
    cloud = tiers(load_policy().policy)[-1]
    assert cloud.consent is TierConsent.ADMIN_AUTO and cloud.model == "claude-sonnet-4-6"
    write_policy(admin_file(), '[escalation]\nmode = "never"\n')
    assert tiers(load_policy().policy)[-1].consent is TierConsent.OFF
