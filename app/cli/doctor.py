"""``inhouse doctor``: versions, backend and why, active model, data dir, policy problems, key status."""

from __future__ import annotations

import argparse
import json
import os
import platform
from importlib import metadata
from typing import Any

from app import paths
from app.policy import file_state
from inference.errors import InhouseError, ModelCorrupt

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
        report["model"]["ok"] = not isinstance(err, ModelCorrupt)  # a file that is not a model: doctor fails
    finally:
        host.close()
    return report


def _optional_sections() -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        from app.policy import load_policy

        effective = load_policy()
        out["policy_problems"] = list(effective.problems)
        out["history_pruning"] = effective.prune_paused or "on"
    except ImportError:
        pass
    from app.documents import ocr

    tesseract = ocr.version()
    out["ocr"] = {"tesseract": tesseract, "path": ocr.tesseract_path(),
                  "message": f"Tesseract {tesseract}: scanned PDFs are read by OCR on this device" if tesseract else
                  "Tesseract not installed: scanned PDFs cannot be read (optional; e.g. apt install tesseract-ocr)"}
    try:
        from app.secrets import key_status

        status = key_status()
        out["api_key"] = {"source": status.source, "keyring_backend": status.backend, "message": status.message}
    except ImportError:
        pass
    out.update(_org_section())
    return out


def _database_report() -> dict[str, Any]:
    """Can the database be opened, and does the audit log verify? (``ok`` False makes doctor exit 1.)"""
    from app.store import Store

    path = paths.current().database
    try:
        with Store(path) as store:
            result = store.verify_audit()
            unknown = len(store.open_intents())
    except InhouseError as err:
        return {"path": str(path), "ok": False, "status": err.user_message()}
    status = result.describe() + (f"; {unknown} request(s) sent with no recorded outcome" if unknown else "")
    return {"path": str(path), "ok": result.ok, "status": status}


def _destination_report() -> dict[str, Any]:
    """Where an escalation would go, and what in the environment changes that."""
    from app.sending import cloud_destination

    where = cloud_destination()
    proxies = sorted(k for k in os.environ if k.lower() in ("http_proxy", "https_proxy", "all_proxy"))
    note = f" ({', '.join(proxies)} set: not used, Inhouse never sends through a proxy)" if proxies else ""
    refused = f"; REFUSED: {where.refused}" if where.refused else ""
    return {"tier": "cloud", "host": where.host, "url": where.url, "origin": where.origin, "source": where.source,
            "proxies_ignored": proxies, "ok": not where.refused,
            "status": f"cloud: {where.origin} (from {where.source}){note}{refused}"}


def _org_section() -> dict[str, Any]:
    """The organisation's server, checked inside a permit for its host (only when the policy names one)."""
    from app.org_check import check_org_server
    from app.policy import load_policy
    from app.secrets import get_api_key
    from app.store import Store

    try:
        store = Store.open_default()
    except InhouseError as err:
        return {"org_server": {"ok": False, "message": f"not checked: {err.user_message()}"}}
    try:
        check = check_org_server(load_policy().policy, store, lambda: get_api_key("org"))
    except InhouseError as err:
        return {"org_server": {"ok": False, "message": err.user_message()}}
    finally:
        store.close()
    if check is None:
        return {}
    return {"org_server": {"ok": check.ok, "endpoint": check.endpoint, "host": check.host, "model": check.model,
                           "reachable": check.reachable, "model_listed": check.model_listed,
                           "logprobs": check.logprobs, "message": check.describe()}}


def collect() -> dict[str, Any]:
    p = paths.current()
    report: dict[str, Any] = {
        "versions": {"python": platform.python_version(), **{n: _version(n) for n in PACKAGES}},
        "platform": platform.platform(),
        "data_dir": str(p.data_dir),
        "config_dir": str(p.config_dir),
        "admin_policy": str(paths.admin_policy_path()),
        "admin_policy_state": file_state(paths.admin_policy_path()),
        "admin_override": str(paths.admin_override_path() or ""),
        "database": _database_report(),
        "destination": _destination_report(),
    }
    report.update(_model_report())
    report.update(_optional_sections())
    report["qt_platform"] = _qt_platform()
    return report


def _qt_platform() -> dict[str, Any]:
    """Whether the desktop app can open a window here (Linux: the X11 plugin's system libraries)."""
    from app.qt_platform import check

    result = check()
    return {"plugin": str(result.plugin) if result.plugin else None, "missing": list(result.missing),
            "packages": list(result.packages), "note": result.note, "advice": result.advice()}


def run(args: argparse.Namespace) -> int:
    report = collect()
    usable = report["database"]["ok"] and report["destination"]["ok"] and report.get("model", {}).get("ok", True)
    code = 0 if usable else 1
    if args.json:
        print(json.dumps(report, indent=2))
        return code
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
    print(f"admin policy         {report['admin_policy']} ({report['admin_policy_state']})")
    if report["admin_override"]:
        print(f"admin override       {report['admin_override']} (INHOUSE_ADMIN_POLICY: can only tighten)")
    print(f"database             {report['database']['path']}: {report['database']['status']}")
    print(f"escalations go to    {report['destination']['status']}")
    for problem in report.get("policy_problems", []):
        print(f"policy problem       {problem}")
    if report.get("history_pruning", "on") != "on":
        print(f"history pruning      paused: {report['history_pruning']}")
    if "ocr" in report:
        print(f"ocr                  {report['ocr']['message']}")
    if "api_key" in report:
        print(f"api key              {report['api_key']['message']}")
    if "org_server" in report:
        print(f"org server           {report['org_server']['message']}")
    qt = report["qt_platform"]
    print(f"desktop app          {qt['advice'] or qt['note'] or 'the X11 platform plugin has every library it needs'}")
    return code
