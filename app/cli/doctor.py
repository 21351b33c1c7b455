"""``inhouse doctor``: versions, backend and why, active model, data dir, policy problems, key status."""

from __future__ import annotations

import argparse
import json
import platform
from importlib import metadata
from typing import Any

from app import paths
from inference.errors import InhouseError

PACKAGES = (
    "inhouse", "llama-cpp-python", "anthropic", "keyring", "sqlite-utils", "huggingface-hub", "PySide6-Essentials",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check the installation: versions, backend, model, data dir")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _model_report() -> dict[str, Any]:
    from app.engine_host import EngineHost

    host = EngineHost(n_ctx=512)
    report: dict[str, Any] = {}
    try:
        choice = host.choice()
        report["model"] = {"path": str(choice.path), "source": choice.source,
                           "size_mb": round(choice.path.stat().st_size / 1e6, 1) if choice.path.exists() else None}
        engine = host.engine()
        b = engine.backend
        report["backend"] = {"name": b.name, "reason": b.reason, "n_gpu_layers": b.n_gpu_layers,
                             "devices": [f"{d.name} ({d.description}, {d.kind})" for d in b.devices]}
        report["model"].update(name=engine.info.name, architecture=engine.info.architecture,
                               context_length=engine.info.context_length, status="ok")
    except InhouseError as err:
        report.setdefault("model", {})["status"] = err.user_message()
    finally:
        host.close()
    return report


def _optional_sections() -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        from app.policy import load_policy

        out["policy_problems"] = list(load_policy().problems)
    except ImportError:
        pass
    try:
        from app.secrets import key_status

        status = key_status()
        out["api_key"] = {"source": status.source, "keyring_backend": status.backend, "message": status.message}
    except ImportError:
        pass
    return out


def collect() -> dict[str, Any]:
    p = paths.current()
    report: dict[str, Any] = {
        "versions": {"python": platform.python_version(), **{n: _version(n) for n in PACKAGES}},
        "platform": platform.platform(),
        "data_dir": str(p.data_dir),
        "config_dir": str(p.config_dir),
        "admin_policy": str(paths.admin_policy_path()),
    }
    report.update(_model_report())
    report.update(_optional_sections())
    return report


def run(args: argparse.Namespace) -> int:
    report = collect()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for name, version in report["versions"].items():
        print(f"{name:<20} {version}")
    backend = report.get("backend", {})
    print(f"\nbackend              {backend.get('name', '?')}: {backend.get('reason', '')}")
    model = report.get("model", {})
    size = f"{model.get('size_mb', '?')} MB, {model.get('source', '')}"
    print(f"model                {model.get('path', '(none)')} ({size})")
    print(f"model status         {model.get('status', '?')}")
    print(f"data dir             {report['data_dir']}")
    print(f"config dir           {report['config_dir']}")
    print(f"admin policy         {report['admin_policy']}")
    for problem in report.get("policy_problems", []):
        print(f"policy problem       {problem}")
    if "api_key" in report:
        print(f"api key              {report['api_key']['message']}")
    return 0
