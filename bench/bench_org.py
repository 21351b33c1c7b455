"""Throughput against the organisation's server: items per second with 1 and N requests in flight.

Starts llama-cpp-python's OpenAI-compatible server (the test server: ``llama-cpp-python[server]``) with the
starter model on 127.0.0.1, points an org tier at it (admin policy: no consent, every device answer below
its threshold, the org answer kept), and runs the classify messages of ``resources/eval/sentiment.json``
through ``Assistant.run`` with ``app.inflight.map_in_order`` — the device's model, then the org server, for
every item — once with 1 request in flight and once with N. Also the server alone (the provider's
``send``, no device step). Last stdout line: one JSON object.

llama-cpp-python's server decodes one request at a time, so N in flight mainly overlaps the device's work
with the server's; a server with parallel decoding (vLLM, llama-server ``--parallel``) gains more. Speed
figures depend on the machine's load: take them on a quiet machine.

    .venv/bin/python bench/bench_org.py [--in-flight 4] [--items 16] [--server-threads 2]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.assistant import Assistant  # noqa: E402
from app.engine_host import EngineHost  # noqa: E402
from app.inflight import map_in_order  # noqa: E402
from app.policy import load_policy  # noqa: E402
from app.store import Store  # noqa: E402
from app.tiers import TierKind, org_tier  # noqa: E402
from inference.catalog import starter_model_path  # noqa: E402
from inference.errors import MalformedOutput  # noqa: E402
from inference.providers import build_provider  # noqa: E402
from inference.tasks.base import ClassifySpec, TaskRequest  # noqa: E402

POLICY = """[thresholds]
classify = 1.0
[org]
endpoint = "{url}"
name = "Bench"
model = "starter"
allowed_models = ["starter"]
consent = "none"
schema_format = "json_object"
classify_threshold = 0.0
timeout_s = 600
[privacy]
store_history = false
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(model: Path, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port",
               str(port), "--n_ctx", "2048", "--model_alias", "starter", "--n_threads", str(threads)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


def messages(n: int) -> tuple[ClassifySpec, list[str]]:
    doc = json.loads((ROOT / "resources" / "eval" / "sentiment.json").read_text(encoding="utf-8"))
    texts = [str(item["text"]) for item in doc["items"]]
    return ClassifySpec(labels=tuple(doc["labels"])), (texts * (n // len(texts) + 1))[:n]


def through_assistant(assistant: Assistant, spec: ClassifySpec, texts: list[str], in_flight: int
                      ) -> tuple[float, float]:
    """(items per second, share answered by the org server): device then org server for each item,
    ``in_flight`` at a time. An item the starter model answers with no label keeps the device's answer."""
    started = time.perf_counter()
    results = list(map_in_order(lambda text: assistant.run(TaskRequest(text, spec), None), texts, in_flight))
    elapsed = time.perf_counter() - started
    errors = [r for _, r in results if isinstance(r, Exception)]
    if errors:
        raise SystemExit(f"an item failed: {errors[0]}")
    answered = sum(1 for _, r in results if not isinstance(r, Exception) and r.tier is TierKind.ORG)
    return len(texts) / elapsed, answered / len(texts)


def server_alone(assistant: Assistant, spec: ClassifySpec, texts: list[str], in_flight: int) -> float:
    tier = org_tier(assistant.effective.policy)
    assert tier is not None

    def send(text: str) -> object:
        provider = build_provider(tier.provider_settings(""))
        request = TaskRequest(text, spec)
        try:
            return provider.send(provider.build_payload(request, model=tier.model, max_output_tokens=64), request)
        except MalformedOutput:
            return None  # answered, but not with a label: still a request served
        finally:
            provider.close()

    started = time.perf_counter()
    results = list(map_in_order(send, texts, in_flight))
    if any(isinstance(r, Exception) for _, r in results):
        raise SystemExit("the server failed a request")
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--server-threads", type=int, default=2)
    args = parser.parse_args()
    model = starter_model_path()
    if model is None:
        raise SystemExit("starter model not installed")
    proc, url = start_server(model, args.server_threads)
    home = Path(tempfile.mkdtemp(prefix="inhouse-bench-org-"))
    admin = home / "admin.toml"
    admin.write_text(POLICY.format(url=url), encoding="utf-8")
    spec, texts = messages(args.items)
    assistant = Assistant(host=EngineHost(model_path=model), store=Store(home / "bench.db"),
                          policy=load_policy(user_path=home / "user.toml", admin_path=admin))
    try:
        assistant.run(TaskRequest(texts[0], spec), None)  # warm: model load, label prior, server cache
        one, answered = through_assistant(assistant, spec, texts, 1)
        many, _ = through_assistant(assistant, spec, texts, args.in_flight)
        figures: dict[str, object] = {
            "items": len(texts), "in_flight": args.in_flight, "org_answered_share": answered,
            "org_items_per_s_1": one, "org_items_per_s_n": many,
            "server_items_per_s_1": server_alone(assistant, spec, texts, 1),
            "server_items_per_s_n": server_alone(assistant, spec, texts, args.in_flight),
        }
    finally:
        assistant.close()
        proc.terminate()
        proc.wait(timeout=30)
    figures["speedup_n_vs_1"] = many / one
    figures["server"] = "llama-cpp-python server 0.3.36, SmolLM2-135M-Instruct Q4_1, 127.0.0.1"
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
