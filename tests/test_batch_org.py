"""Batch against the organisation's server: N requests in flight, lines in input order, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import paths
from app.assistant import Assistant
from app.batch import done_ids, pending, run_batch
from app.batch_sources import BatchItem
from app.engine_host import EngineHost
from app.policy import load_policy
from inference.engine import LocalEngine
from inference.tasks.base import ClassifySpec
from tests.conftest import write_policy
from tests.org_server import OrgProxy, OrgServer, org_proxy, org_server  # noqa: F401

TEXTS = ["I love it, works great", "Terrible, it broke on day one", "It arrived on Tuesday"]


@pytest.mark.model
def test_two_requests_in_flight_lines_in_input_order(
    engine: LocalEngine, org_proxy: OrgProxy, tmp_path: Path,
) -> None:
    write_policy(paths.admin_policy_path(), f"""[thresholds]
classify = 1.0
[org]
endpoint = "{org_proxy.url}"
model = "starter"
allowed_models = ["starter"]
consent = "none"
schema_format = "json_object"
classify_threshold = 0.0
max_in_flight = 2
timeout_s = 300
[escalation]
mode = "never"
""")
    org_proxy.hold_until = 2  # the server sees each request only once two are in flight together
    assistant = Assistant(host=EngineHost(engine=engine), policy=load_policy())
    out = tmp_path / "out.jsonl"
    items = pending([BatchItem(str(n), text) for n, text in enumerate(TEXTS, 1)])
    try:
        report = run_batch(assistant, items[:2], 3, ClassifySpec(labels=("positive", "negative", "neutral")), out)
        assert report.processed == 2 and org_proxy.peak == 2 and len(org_proxy.bodies) == 2
        org_proxy.hold_until = 0
        run_batch(assistant, items, 3, ClassifySpec(labels=("positive", "negative", "neutral")), out)  # resumes
    finally:
        assistant.close()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["1", "2", "3"] and done_ids(out) == {"1", "2", "3"}
    assert len({body["messages"][1]["content"] for body in org_proxy.bodies}) == 3  # each sent once, none again
    assert all(not line.get("error") for line in lines)
