"""The routing decision between tiers: every rule, their precedence, and the reasons a user reads."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import pytest

from app.policy import Policy, default_policy, load_policy
from app.router import AllowedBy, DecisionKind, DenyReason, RouterState, decide, usd
from app.tiers import Tier, TierConsent, TierKind, cloud_tier, device_tier, tiers

OK = RouterState(spent_this_month_usd=1.0, estimated_cost_usd=0.01, has_api_key=True, online=True)
ORG_POLICY = """[org]
endpoint = "https://llm.acme.internal/v1"
name = "Acme"
model = "qwen2.5-7b"
allowed_models = ["qwen2.5-7b"]
"""


def policy(mode: str = "ask", **escalation: object) -> Policy:
    base = default_policy()
    return replace(base, escalation=replace(base.escalation, mode=mode, **escalation))  # type: ignore[arg-type]


def walk(task: str, confidence: float | None, p: Policy | None = None, state: RouterState = OK,
         model: str | None = None):  # type: ignore[no-untyped-def]
    """Decide on the device's answer with the cloud as the next tier (as without an org server)."""
    p = p or policy()
    cloud = cloud_tier(p)
    if model is not None:
        cloud = replace(cloud, model=model)
    return decide(task, confidence, device_tier(p), cloud, state)


def org_tiers(tmp_path: Path, consent: str = "ask") -> tuple[Tier, Tier, Tier]:
    admin = tmp_path / "admin.toml"
    admin.write_text(ORG_POLICY + f'consent = "{consent}"\n')
    device, org, cloud = tiers(load_policy(user_path=tmp_path / "none.toml", admin_path=admin).policy)
    return device, org, cloud


# --- 1-2. accept -----------------------------------------------------------------------------------


def test_accept_above_threshold_with_the_reason_spelled_out() -> None:
    d = walk("classify", 0.91)
    assert d.kind is DecisionKind.ACCEPT and d.tier is TierKind.DEVICE and d.next_tier is TierKind.CLOUD
    assert d.reason == "confidence 0.91 meets the 0.70 threshold for classify"
    assert (d.threshold, d.confidence) == (0.70, 0.91)


def test_accept_exactly_at_threshold() -> None:
    assert walk("extract", 0.80).kind is DecisionKind.ACCEPT


@pytest.mark.parametrize(("task", "confidence", "kind"), [
    ("classify", 0.69, DecisionKind.ASK), ("classify", 0.70, DecisionKind.ACCEPT),
    ("extract", 0.75, DecisionKind.ASK), ("extract", 0.85, DecisionKind.ACCEPT),
    ("summarize", 0.55, DecisionKind.ASK), ("summarize", 0.65, DecisionKind.ACCEPT),
])
def test_each_task_uses_its_own_threshold(task: str, confidence: float, kind: DecisionKind) -> None:
    assert walk(task, confidence).kind is kind


def test_accept_wins_over_every_refusal() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    for p in (policy("never"), policy(allowed_models=()), policy(monthly_budget_usd=0.0)):
        assert walk("classify", 0.95, p, broke).kind is DecisionKind.ACCEPT


def test_zero_threshold_accepts_everything_even_an_unknown_confidence() -> None:
    base = default_policy()
    zero = replace(base, thresholds=replace(base.thresholds, classify=0.0))
    assert walk("classify", 0.0, zero).kind is DecisionKind.ACCEPT
    assert walk("classify", None, zero).kind is DecisionKind.ACCEPT


def test_unknown_confidence_counts_as_low() -> None:
    d = walk("classify", None)
    assert d.kind is DecisionKind.ASK and d.confidence is None
    assert d.reason == "confidence unknown (counted as low) for classify"


def test_the_last_tier_keeps_its_answer_whatever_the_confidence() -> None:
    p = policy()
    d = decide("classify", None, cloud_tier(p), None, OK)
    assert d.kind is DecisionKind.ACCEPT and d.threshold is None and d.next_tier is None
    assert "last tier" in d.reason


# --- 3-7. refusals, in order -------------------------------------------------------------------------


def test_mode_never_denies_first() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    d = walk("classify", 0.41, policy("never", allowed_models=()), broke)
    assert d.kind is DecisionKind.DENY and d.deny is DenyReason.POLICY_OFF
    assert d.reason.startswith("sending to the cloud is turned off by policy")
    assert "confidence 0.41 below threshold 0.70 for classify" in d.reason


def test_model_not_allowed_denies_before_budget_key_and_network() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    d = walk("classify", 0.41, policy("auto"), broke, model="claude-opus-4-5")
    assert d.kind is DecisionKind.DENY and d.deny is DenyReason.MODEL_NOT_ALLOWED
    assert "claude-opus-4-5 is not allowed" in d.reason and "claude-haiku-4-5" in d.reason


def test_the_policy_model_is_checked() -> None:
    d = walk("classify", 0.41, policy(model="claude-sonnet-4-6"))
    assert d.deny is DenyReason.MODEL_NOT_ALLOWED and "claude-sonnet-4-6 is not allowed" in d.reason
    assert walk("classify", 0.41, policy(allowed_models=())).reason.startswith(
        "model claude-haiku-4-5 is not allowed by policy for the Anthropic API (allowed: none)")


def test_budget_denies_with_the_numbers() -> None:
    state = RouterState(9.999, estimated_cost_usd=0.0031, has_api_key=False, online=False)
    d = walk("summarize", 0.2, policy(), state)
    assert d.kind is DecisionKind.DENY and d.deny is DenyReason.OVER_BUDGET
    assert "$0.0031" in d.reason and "$9.999" in d.reason and "$10.00" in d.reason


def test_budget_may_be_reached_exactly_but_not_passed() -> None:
    exact = replace(OK, spent_this_month_usd=9.5, estimated_cost_usd=0.5)
    assert walk("classify", 0.1, policy(), exact).kind is DecisionKind.ASK
    over = replace(exact, estimated_cost_usd=0.5000001)
    assert walk("classify", 0.1, policy(), over).kind is DecisionKind.DENY


def test_zero_budget_allows_only_free_requests() -> None:
    free = replace(OK, spent_this_month_usd=0.0, estimated_cost_usd=0.0)
    assert walk("classify", 0.1, policy(monthly_budget_usd=0.0), free).kind is DecisionKind.ASK
    assert walk("classify", 0.1, policy(monthly_budget_usd=0.0), OK).kind is DecisionKind.DENY


def test_missing_key_denies_by_name_before_offline_and_the_reason_has_no_commands() -> None:
    d = walk("classify", 0.3, policy("auto"), replace(OK, has_api_key=False, online=False))
    assert d.kind is DecisionKind.DENY and d.deny is DenyReason.NO_KEY
    assert "no API key" in d.reason and "inhouse" not in d.reason and "ANTHROPIC_API_KEY" not in d.reason


def test_offline_queues_even_when_auto_or_allowed_for_the_session() -> None:
    offline = replace(OK, online=False, session_allowed_tasks=frozenset({"classify"}))
    for mode in ("ask", "auto"):
        d = walk("classify", 0.3, policy(mode), offline)
        assert d.kind is DecisionKind.QUEUE
        assert "cannot be reached" in d.reason and "consent" in d.reason


# --- 8-11. next tier or ask -------------------------------------------------------------------------------


def test_auto_goes_to_the_cloud_without_asking() -> None:
    d = walk("extract", 0.5, policy("auto"))
    assert d.kind is DecisionKind.NEXT_TIER and d.allowed_by is AllowedBy.ADMIN_AUTO
    assert "administrator's policy" in d.reason


def test_session_consent_goes_on_only_for_that_task() -> None:
    state = replace(OK, session_allowed_tasks=frozenset({"summarize"}))
    d = walk("summarize", 0.1, policy(), state)
    assert d.kind is DecisionKind.NEXT_TIER and d.allowed_by is AllowedBy.SESSION
    assert walk("classify", 0.1, policy(), state).kind is DecisionKind.ASK


def test_otherwise_ask_with_the_reason() -> None:
    d = walk("classify", 0.41)
    assert d.kind is DecisionKind.ASK and d.deny is None and d.allowed_by is None
    assert d.reason == "confidence 0.41 below threshold 0.70 for classify"
    assert (d.threshold, d.confidence) == (0.70, 0.41)


def test_a_user_auto_never_goes_on_without_asking(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('[escalation]\nmode = "auto"\n')
    effective = load_policy(user_path=user, admin_path=tmp_path / "none.toml")
    assert walk("classify", 0.2, effective.policy).kind is DecisionKind.ASK
    admin = tmp_path / "admin.toml"
    admin.write_text('[escalation]\nmode = "auto"\n')
    effective = load_policy(user_path=user, admin_path=admin)
    assert walk("classify", 0.2, effective.policy).kind is DecisionKind.NEXT_TIER


# --- the org tier ---------------------------------------------------------------------------------------


def test_device_to_org_uses_the_device_threshold_and_org_to_cloud_the_org_threshold(tmp_path: Path) -> None:
    device, org, cloud = org_tiers(tmp_path)
    to_org = decide("classify", 0.5, device, org, OK)
    assert to_org.kind is DecisionKind.ASK and to_org.next_tier is TierKind.ORG and to_org.threshold == 0.70
    assert to_org.next_name == "Acme's server"
    org_strict = replace(org, thresholds=replace(org.thresholds, classify=0.9))
    assert decide("classify", 0.8, org_strict, cloud, OK).kind is DecisionKind.ASK
    assert decide("classify", 0.95, org_strict, cloud, OK).kind is DecisionKind.ACCEPT


def test_an_admin_org_tier_needs_no_consent_needs_no_key_and_costs_nothing(tmp_path: Path) -> None:
    device, org, _ = org_tiers(tmp_path, consent="none")
    assert org.consent is TierConsent.ADMIN_NO_CONSENT and org.monthly_budget_usd is None
    broke = RouterState(spent_this_month_usd=1e6, estimated_cost_usd=5.0, has_api_key=False, online=True)
    d = decide("extract", 0.1, device, org, broke)
    assert d.kind is DecisionKind.NEXT_TIER and d.allowed_by is AllowedBy.ADMIN_NO_CONSENT
    assert "Acme's server without asking" in d.reason


def test_an_unreachable_org_server_queues(tmp_path: Path) -> None:
    device, org, _ = org_tiers(tmp_path, consent="none")
    d = decide("extract", 0.1, device, org, replace(OK, online=False))
    assert d.kind is DecisionKind.QUEUE and "Acme's server cannot be reached" in d.reason


def test_every_combination_follows_the_rules() -> None:
    """96 states below threshold; each outcome checked against the rules stated independently."""
    flags = (True, False)
    for mode, allowed, in_budget, key, online, session in itertools.product(
        ("never", "ask", "auto"), flags, flags, flags, flags, flags
    ):
        state = RouterState(
            spent_this_month_usd=0.0, estimated_cost_usd=0.01 if in_budget else 20.0, has_api_key=key,
            online=online, session_allowed_tasks=frozenset({"classify"} if session else ()),
        )
        p = policy(mode, allowed_models=("claude-haiku-4-5",) if allowed else ("other",))
        kind = walk("classify", 0.1, p, state).kind
        may_go = mode != "never" and allowed and in_budget and key
        assert (kind is DecisionKind.DENY) == (not may_go)
        assert (kind is DecisionKind.QUEUE) == (may_go and not online)
        assert (kind is DecisionKind.NEXT_TIER) == (may_go and online and (mode == "auto" or session))
        assert (kind is DecisionKind.ASK) == (may_go and online and mode == "ask" and not session)


# --- inputs and formatting ----------------------------------------------------------------------------


def test_numbers_near_the_threshold_are_never_shown_equal() -> None:
    d = walk("classify", 0.699)
    assert d.reason == "confidence 0.699 below threshold 0.700 for classify"


@pytest.mark.parametrize("confidence", [math.nan, -0.01, 1.01, math.inf])
def test_confidence_out_of_range_is_a_bug(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        walk("classify", confidence)


def test_negative_costs_and_unknown_tasks_are_bugs() -> None:
    with pytest.raises(ValueError, match="estimated_cost_usd"):
        walk("classify", 0.1, policy(), replace(OK, estimated_cost_usd=-1.0))
    with pytest.raises(ValueError, match="spent_this_month_usd"):
        walk("classify", 0.1, policy(), replace(OK, spent_this_month_usd=math.nan))
    with pytest.raises(ValueError, match="translate"):
        walk("translate", 0.1, policy(), OK)


@pytest.mark.parametrize(("amount", "text"), [
    (0.0, "$0.00"), (10.0, "$10.00"), (0.5, "$0.50"), (0.0031, "$0.0031"), (9.999, "$9.999"),
    (1234.5, "$1234.50"),
])
def test_usd(amount: float, text: str) -> None:
    assert usd(amount) == text


def test_kind_values_are_stable_strings() -> None:
    assert [k.value for k in DecisionKind] == ["accept", "next_tier", "ask", "deny", "queue"]
    assert [r.value for r in DenyReason] == [
        "policy_off", "model_not_allowed", "over_budget", "no_key", "audit_unavailable", "uncalibrated"]


def test_no_audit_log_means_nothing_leaves_even_when_automatic() -> None:
    broken = replace(OK, audit_available=False)
    for mode in ("ask", "auto"):
        d = walk("classify", 0.2, policy(mode), broken)
        assert d.kind is DecisionKind.DENY and d.deny is DenyReason.AUDIT_UNAVAILABLE
    assert walk("classify", 0.95, policy(), broken).kind is DecisionKind.ACCEPT
