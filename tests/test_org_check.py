"""``inhouse doctor`` checks the org server: reachable, model listed, log-probabilities (the real server)."""

from __future__ import annotations

import json

import pytest

from app import paths
from app.cli import main
from app.org_check import check_org_server
from app.policy import load_policy
from app.store import Store
from tests.conftest import write_policy
from tests.org_server import OrgProxy, OrgServer, free_port, org_proxy, org_server  # noqa: F401


def org_policy(endpoint: str, model: str = "starter") -> None:
    write_policy(paths.admin_policy_path(), f'[org]\nendpoint = "{endpoint}"\nname = "Acme"\nmodel = "{model}"\n'
                                            f'allowed_models = ["{model}"]\nschema_format = "json_object"\n')


def check(store: Store):  # type: ignore[no-untyped-def]
    return check_org_server(load_policy().policy, store, lambda: None)


@pytest.fixture
def store() -> Store:
    return Store.open_default()


def test_no_org_server_in_the_policy_means_no_check(store: Store) -> None:
    assert check(store) is None


@pytest.mark.model
def test_a_healthy_server_is_reachable_lists_the_model_and_returns_logprobs(
    org_proxy: OrgProxy, store: Store, guard: None,
) -> None:
    org_policy(org_proxy.url)
    result = check(store)
    assert result is not None and result.ok and result.reachable and result.model_listed and result.logprobs
    assert "returns log-probabilities" in result.describe()
    intent, done = store.list_audit()  # the probe left the device: audited ahead, like every request
    assert (intent.kind, intent.task, intent.provider, intent.tier) == ("intent", "doctor", "openai-compatible", "org")
    assert done.outcome == "answered" and json.loads(intent.payload or "")["max_tokens"] == 4


@pytest.mark.model
def test_missing_model_and_missing_logprobs_are_reported(org_proxy: OrgProxy, store: Store) -> None:
    org_proxy.strip_logprobs = True
    org_policy(org_proxy.url, model="not-served")
    result = check(store)
    assert result is not None and not result.ok and result.reachable
    assert result.model_listed is False and result.logprobs is False
    assert "NOT listed" in result.describe() and "NO log-probabilities" in result.describe()


def test_an_unreachable_server_is_reported_and_doctor_says_so(
    store: Store, capsys: pytest.CaptureFixture[str],
) -> None:
    org_policy(f"http://127.0.0.1:{free_port()}/v1")
    result = check(store)
    assert result is not None and not result.reachable and "not reachable" in result.describe()
    assert store.list_audit() == []  # nothing left the device
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["org_server"]["reachable"] is False and report["org_server"]["host"].startswith("127.0.0.1:")
