"""The openai-compatible provider through the real ``openai`` SDK against llama-cpp-python's real server.

Confidence comes from the server's real token log-probabilities; a proxy in front of the server records
what was sent and can remove the log-probabilities (a server that returns none) or answer an error.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from inference.errors import InputInvalid, KeyRejected, ProviderUnavailable
from inference.providers import ProviderSettings, build_provider
from inference.providers.logprobs import TokenLogprob, label_scores
from inference.providers.openai_compat import OpenAICompatProvider
from inference.providers.sdk_errors import ProviderHTTPError
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest
from tests.org_server import OrgProxy, OrgServer, free_port, org_proxy, org_server  # noqa: F401

LABELS = ("positive", "negative", "neutral")
SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}, "currency": {"type": "string"}},
          "required": ["total"]}
INVOICE = "Invoice INV-7 dated 2024-03-01. Total due: 1250.00 EUR."


def provider_for(url: str, **kwargs: object) -> OpenAICompatProvider:
    return OpenAICompatProvider(url, server_name="Acme's server", schema_format="json_object", max_retries=0,
                                timeout=240, **kwargs)  # type: ignore[arg-type]


@pytest.mark.model
def test_classify_confidence_comes_from_the_servers_logprobs(org_proxy: OrgProxy, org_server: OrgServer) -> None:
    provider = provider_for(org_proxy.url)
    request = TaskRequest("I love the new update, it is great!", ClassifySpec(LABELS))
    payload = provider.build_payload(request, model=org_server.model, max_output_tokens=64)
    answer = provider.send(payload, request)
    assert org_proxy.bodies == [payload]  # exactly the payload that was built, nothing added
    assert payload["logprobs"] is True and payload["top_logprobs"] == 20 and payload["temperature"] == 0
    assert answer.method == "org-label-logprobs" and answer.output in LABELS
    assert answer.probabilities is not None and set(answer.probabilities) == set(LABELS)
    assert math.isclose(sum(answer.probabilities.values()), 1.0)
    assert answer.confidence == max(answer.probabilities.values()) and 1 / 3 < answer.confidence < 1.0
    assert 0.0 < answer.signals["label_coverage"] <= 1.0
    assert answer.input_tokens > 0 and answer.cost_usd == 0.0 and answer.model == org_server.model
    provider.close()


@pytest.mark.model
def test_extract_is_schema_valid_with_field_confidence(org_server: OrgServer) -> None:
    provider = provider_for(org_server.url)
    request = TaskRequest(INVOICE, ExtractSpec(SCHEMA))
    payload = provider.build_payload(request, model=org_server.model, max_output_tokens=64)
    assert payload["response_format"] == {"type": "json_object", "schema": SCHEMA}
    answer = provider.send(payload, request)
    jsonschema.validate(answer.output, SCHEMA)
    assert answer.method == "org-json-logprobs" and answer.fields is not None and "total" in answer.fields
    assert answer.confidence is not None and 0.0 < answer.confidence <= 1.0
    assert answer.confidence == min(f.confidence for k, f in answer.fields.items() if k in SCHEMA["required"])
    provider.close()


@pytest.mark.model
def test_no_logprobs_from_the_server_means_confidence_unknown(org_proxy: OrgProxy, org_server: OrgServer) -> None:
    org_proxy.strip_logprobs = True
    provider = provider_for(org_proxy.url)
    request = TaskRequest(INVOICE, ExtractSpec(SCHEMA))
    answer = provider.send(provider.build_payload(request, model=org_server.model, max_output_tokens=64), request)
    jsonschema.validate(answer.output, SCHEMA)
    assert answer.confidence is None and answer.method == "org-generation" and answer.fields is None


@pytest.mark.model
def test_summary_confidence_as_on_the_device(org_server: OrgServer) -> None:
    provider = provider_for(org_server.url)
    text = ("The meeting moved to Thursday 10am in room 4B because the projector in room 2 is broken. "
            "Bring the Q3 slides and the budget figures.")
    request = TaskRequest(text, SummarizeSpec(max_words=20))
    answer = provider.send(provider.build_payload(request, model=org_server.model, max_output_tokens=256), request)
    assert isinstance(answer.output, str) and 0 < len(answer.output.split()) <= 20
    assert set(answer.signals) == {"mean_token_probability", "grounding", "novelty"}
    s = answer.signals
    assert answer.confidence == pytest.approx(math.sqrt(s["mean_token_probability"] * s["grounding"]) * s["novelty"])


def test_connection_refused_is_unavailable() -> None:
    provider = provider_for(f"http://127.0.0.1:{free_port()}/v1")
    request = TaskRequest("hello", ClassifySpec(LABELS))
    with pytest.raises(ProviderUnavailable, match="Acme's server"):
        provider.send(provider.build_payload(request, model="m", max_output_tokens=8), request)


@pytest.mark.model
@pytest.mark.parametrize(("status", "error"), [(401, KeyRejected), (500, ProviderHTTPError)])
def test_error_statuses_become_typed_errors(org_proxy: OrgProxy, status: int, error: type[Exception]) -> None:
    org_proxy.fail_status = status
    provider = provider_for(org_proxy.url, api_key="org-secret-key-123456")
    request = TaskRequest("hello", ClassifySpec(LABELS))
    with pytest.raises(error) as caught:
        provider.send(provider.build_payload(request, model="m", max_output_tokens=8), request)
    assert "org-secret-key" not in str(caught.value) and caught.value.__context__ is None
    if status == 401:
        assert "--tier org" in caught.value.hint  # type: ignore[attr-defined]


def test_factory_builds_by_kind_and_knows_the_host() -> None:
    org = build_provider(ProviderSettings("openai-compatible", endpoint="https://llm.acme.internal:8443/v1"))
    assert org.name == "openai-compatible" and org.host == "llm.acme.internal:8443" and org.returns_logprobs
    assert not org.costs_money
    org.close()
    with pytest.raises(ValueError, match="unknown provider"):
        build_provider(ProviderSettings("carrier-pigeon"))


def test_a_request_answered_on_the_device_imports_no_provider_sdk() -> None:
    code = (
        "import sys\n"
        "from app.cli import main\n"
        "rc = main(['classify', '--local-only', '--labels', 'a,b', 'hello there'])\n"
        "print('SDKS', [m for m in ('anthropic', 'openai') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "SDKS []" in done.stdout


# --- the label arithmetic on token lists (no server) --------------------------------------------------


def tok(token: str, logprob: float, *alternatives: tuple[str, float]) -> TokenLogprob:
    return TokenLogprob(token, logprob, ((token, logprob), *alternatives))


def test_labels_not_listed_get_the_smallest_listed_probability_as_a_bound() -> None:
    tokens = [tok("You", -1.5, ("I", -2.4), ("Positive", -2.4), ("It", -3.0)), tok(" love", -1.2)]
    scores = label_scores(tokens, LABELS)
    assert scores is not None
    positive, bound = math.exp(-2.4), math.exp(-3.0)
    assert scores.probabilities["positive"] == pytest.approx(positive / (positive + 2 * bound))
    assert scores.coverage == pytest.approx(positive)


def test_a_label_that_prefixes_another_waits_until_the_path_settles() -> None:
    tokens = [tok("pos", -0.5, ("neg", -1.5)), tok(" and", -0.1, ("itive", -2.0))]
    scores = label_scores(tokens, ("pos", "positive", "negative"))
    assert scores is not None and scores.top[0] == "pos"
    assert scores.probabilities["positive"] == pytest.approx(math.exp(-2.5) / (math.exp(-0.6) + math.exp(-2.5)
                                                                               + math.exp(-1.5)))


def test_no_label_among_the_listed_tokens_gives_no_scores() -> None:
    assert label_scores([tok("Hello", -0.1, ("Hi", -2.0))], LABELS) is None


def test_an_unreadable_ca_bundle_is_a_clear_error(tmp_path: Path) -> None:
    settings = ProviderSettings("openai-compatible", endpoint="https://llm.acme.internal/v1",
                                ca_bundle=str(tmp_path / "missing.pem"))
    with pytest.raises(InputInvalid, match="CA bundle") as caught:
        build_provider(settings)
    assert "org.ca_bundle" in caught.value.hint
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(InputInvalid, match="CA bundle"):
        build_provider(ProviderSettings("openai-compatible", endpoint="https://x.example/v1",
                                        ca_bundle=str(tmp_path / "junk.pem")))
