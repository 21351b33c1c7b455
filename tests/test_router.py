"""The routing decision: every rule, their precedence, and the reasons a user reads."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import pytest

from app.policy import Policy, default_policy, load_policy
from app.router import Action, RouterState, decide, usd

OK = RouterState(spent_this_month_usd=1.0, estimated_cost_usd=0.01, has_api_key=True, online=True)


def policy(mode: str = "ask", **escalation: object) -> Policy:
    base = default_policy()
    return replace(base, escalation=replace(base.escalation, mode=mode, **escalation))  # type: ignore[arg-type]


# --- 1. accept -------------------------------------------------------------------------------------


def test_accept_above_threshold_with_the_reason_spelled_out() -> None:
    d = decide("classify", 0.91, policy(), OK)
    assert d.action is Action.ACCEPT
    assert d.reason == "confidence 0.91 meets the 0.70 threshold for classify"
    assert (d.threshold, d.confidence) == (0.70, 0.91)


def test_accept_exactly_at_threshold() -> None:
    assert decide("extract", 0.80, policy(), OK).action is Action.ACCEPT


@pytest.mark.parametrize(("task", "confidence", "action"), [
    ("classify", 0.69, Action.ASK_CONSENT), ("classify", 0.70, Action.ACCEPT),
    ("extract", 0.75, Action.ASK_CONSENT), ("extract", 0.85, Action.ACCEPT),
    ("summarize", 0.55, Action.ASK_CONSENT), ("summarize", 0.65, Action.ACCEPT),
])
def test_each_task_uses_its_own_threshold(task: str, confidence: float, action: Action) -> None:
    assert decide(task, confidence, policy(), OK).action is action


def test_accept_wins_over_every_refusal() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    for p in (policy("never"), policy(allowed_models=()), policy(monthly_budget_usd=0.0)):
        assert decide("classify", 0.95, p, broke).action is Action.ACCEPT


def test_zero_threshold_accepts_everything() -> None:
    base = default_policy()
    zero = replace(base, thresholds=replace(base.thresholds, classify=0.0))
    assert decide("classify", 0.0, zero, OK).action is Action.ACCEPT


# --- 2-6. refusals, in order -------------------------------------------------------------------------


def test_mode_never_denies_first() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    d = decide("classify", 0.41, policy("never", allowed_models=()), broke)
    assert d.action is Action.DENY
    assert d.reason.startswith("escalation is turned off by policy")
    assert "confidence 0.41 below threshold 0.70 for classify" in d.reason


def test_model_not_allowed_denies_before_budget_key_and_network() -> None:
    broke = RouterState(spent_this_month_usd=99, estimated_cost_usd=1, has_api_key=False, online=False)
    d = decide("classify", 0.41, policy("auto"), broke, model="claude-opus-4-5")
    assert d.action is Action.DENY
    assert "claude-opus-4-5 is not allowed" in d.reason and "claude-haiku-4-5" in d.reason


def test_the_policy_model_is_checked_when_none_is_given() -> None:
    d = decide("classify", 0.41, policy(model="claude-sonnet-4-6"), OK)
    assert d.action is Action.DENY and "claude-sonnet-4-6 is not allowed" in d.reason
    assert decide("classify", 0.41, policy(allowed_models=()), OK).reason.startswith(
        "model claude-haiku-4-5 is not allowed by policy (allowed: none)")


def test_budget_denies_with_the_numbers() -> None:
    state = RouterState(9.999, estimated_cost_usd=0.0031, has_api_key=False, online=False)
    d = decide("summarize", 0.2, policy(), state)
    assert d.action is Action.DENY
    assert "$0.0031" in d.reason and "$9.999" in d.reason and "$10.00" in d.reason


def test_budget_may_be_reached_exactly_but_not_passed() -> None:
    exact = replace(OK, spent_this_month_usd=9.5, estimated_cost_usd=0.5)
    assert decide("classify", 0.1, policy(), exact).action is Action.ASK_CONSENT
    over = replace(exact, estimated_cost_usd=0.5000001)
    assert decide("classify", 0.1, policy(), over).action is Action.DENY


def test_zero_budget_allows_only_free_requests() -> None:
    free = replace(OK, spent_this_month_usd=0.0, estimated_cost_usd=0.0)
    assert decide("classify", 0.1, policy(monthly_budget_usd=0.0), free).action is Action.ASK_CONSENT
    assert decide("classify", 0.1, policy(monthly_budget_usd=0.0), OK).action is Action.DENY


def test_missing_key_denies_and_says_how_to_set_one_before_offline() -> None:
    d = decide("classify", 0.3, policy("auto"), replace(OK, has_api_key=False, online=False))
    assert d.action is Action.DENY
    assert "no API key" in d.reason and "inhouse key set" in d.reason and "ANTHROPIC_API_KEY" in d.reason


def test_offline_queues_even_when_auto_or_allowed_for_the_session() -> None:
    offline = replace(OK, online=False, session_allowed_tasks=frozenset({"classify"}))
    for mode in ("ask", "auto"):
        d = decide("classify", 0.3, policy(mode), offline)
        assert d.action is Action.QUEUE
        assert "offline" in d.reason and "consent" in d.reason


# --- 7-9. escalate or ask -----------------------------------------------------------------------------


def test_auto_escalates() -> None:
    d = decide("extract", 0.5, policy("auto"), OK)
    assert d.action is Action.ESCALATE and "admin policy" in d.reason


def test_session_consent_escalates_only_that_task() -> None:
    state = replace(OK, session_allowed_tasks=frozenset({"summarize"}))
    assert decide("summarize", 0.1, policy(), state).action is Action.ESCALATE
    assert decide("classify", 0.1, policy(), state).action is Action.ASK_CONSENT


def test_otherwise_ask_consent_with_the_reason() -> None:
    d = decide("classify", 0.41, policy(), OK)
    assert d.action is Action.ASK_CONSENT
    assert d.reason == "confidence 0.41 below threshold 0.70 for classify"
    assert (d.threshold, d.confidence) == (0.70, 0.41)


def test_a_user_auto_never_escalates_without_asking(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('[escalation]\nmode = "auto"\n')
    effective = load_policy(user_path=user, admin_path=tmp_path / "none.toml")
    assert decide("classify", 0.2, effective.policy, OK).action is Action.ASK_CONSENT
    admin = tmp_path / "admin.toml"
    admin.write_text('[escalation]\nmode = "auto"\n')
    effective = load_policy(user_path=user, admin_path=admin)
    assert decide("classify", 0.2, effective.policy, OK).action is Action.ESCALATE


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
        action = decide("classify", 0.1, p, state).action
        may_go = mode != "never" and allowed and in_budget and key
        assert (action is Action.DENY) == (not may_go)
        assert (action is Action.QUEUE) == (may_go and not online)
        assert (action is Action.ESCALATE) == (may_go and online and (mode == "auto" or session))
        assert (action is Action.ASK_CONSENT) == (may_go and online and mode == "ask" and not session)


# --- inputs and formatting ----------------------------------------------------------------------------


def test_numbers_near_the_threshold_are_never_shown_equal() -> None:
    d = decide("classify", 0.699, policy(), OK)
    assert d.reason == "confidence 0.699 below threshold 0.700 for classify"


@pytest.mark.parametrize("confidence", [math.nan, -0.01, 1.01, math.inf])
def test_confidence_out_of_range_is_a_bug(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        decide("classify", confidence, policy(), OK)


def test_negative_costs_and_unknown_tasks_are_bugs() -> None:
    with pytest.raises(ValueError, match="estimated_cost_usd"):
        decide("classify", 0.1, policy(), replace(OK, estimated_cost_usd=-1.0))
    with pytest.raises(ValueError, match="spent_this_month_usd"):
        decide("classify", 0.1, policy(), replace(OK, spent_this_month_usd=math.nan))
    with pytest.raises(ValueError, match="translate"):
        decide("translate", 0.1, policy(), OK)


@pytest.mark.parametrize(("amount", "text"), [
    (0.0, "$0.00"), (10.0, "$10.00"), (0.5, "$0.50"), (0.0031, "$0.0031"), (9.999, "$9.999"),
    (1234.5, "$1234.50"),
])
def test_usd(amount: float, text: str) -> None:
    assert usd(amount) == text


def test_action_values_are_stable_strings() -> None:
    assert [a.value for a in Action] == ["accept", "ask_consent", "escalate", "deny", "queue"]
