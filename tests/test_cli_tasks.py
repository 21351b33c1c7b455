"""The CLI as a user runs it: JSON output, clear errors (never a traceback), and no egress without consent."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import egress, paths
from app.cli import main
from app.secrets import set_api_key
from tests.documents_factory import write_pdf

INVOICE = "INVOICE 77\nDate: 2024-03-15\nWidgets: 3 x 10.00\nTotal due: 30.00 EUR"

_connects: list[tuple[str, object]] = []
_recording = False


def _recorder(event: str, args: tuple[object, ...]) -> None:
    if _recording and event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        _connects.append((event, args[1] if event == "socket.connect" else args[0]))


sys.addaudithook(_recorder)


@pytest.fixture
def every_connection() -> Iterator[list[tuple[str, object]]]:
    """Every connect / name lookup in this process while the test runs (independent of the guard)."""
    global _recording
    _connects.clear()
    _recording = True
    yield _connects
    _recording = False


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_json_has_the_documented_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "classify", "--labels", "positive,negative", "--json", "--local-only",
                           "I love it, best purchase ever!")
    assert code == 0
    data = json.loads(out)
    for key in ("task", "output", "confidence", "tier", "model", "latency_ms", "probabilities"):
        assert key in data
    assert data["task"] == "classify" and data["tier"] == "device" and data["output"] == "positive"
    assert data["tier_label"] == "On this device" and data["hops"] == [] and data["decision"]["action"] == "local_only"
    assert sum(data["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)


def test_extract_reads_a_file_and_stdin(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "invoice.txt"
    doc.write_text(INVOICE)
    code, out, _ = run_cli(capsys, "extract", "--template", "invoice", "--json", "--local-only", "--file", str(doc))
    data = json.loads(out)
    total, evidence = data["output"]["total"], data["fields"]["total"]
    if not evidence["found"]:  # the model is not sure enough of any number: the total is missing, never guessed
        assert code == 1 and data["missing"] == ["total"] and total is None and data["confidence"] == 0.0
        return
    assert code == 0 and INVOICE[slice(*evidence["span"])].replace(",", "") == f"{total:.2f}"  # copied
    assert total == pytest.approx(30.0) or evidence["confidence"] < 0.5  # never a confident wrong total


def test_extract_without_the_required_total_names_it_instead_of_a_schema_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The invoice template requires a total; a text with none is answered (nothing lost), the total null
    and named, exit status 1 with a clear message: no traceback, no "None is not of type 'number'"."""
    text = "Invoice from Northwind Traders, dated March 15th.\nPayment by bank transfer, thank you."
    code, out, err = run_cli(capsys, "extract", "--template", "invoice", "--json", "--local-only", text)
    data = json.loads(out)
    assert code == 1 and "total" in data["missing"] and data["output"]["total"] is None
    assert data["confidence"] == 0.0 and not data["fields"]["total"]["found"]
    assert "required field" in err and "'total'" in err and "Hint:" in err
    assert "is not of type" not in err + out and "Traceback" not in err
    code, out, err = run_cli(capsys, "extract", "--template", "invoice", "--local-only", text)
    assert code == 1 and '"total": null' in out and "'total'" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", "--labels", "a,b", "   "], "empty"),
        (["summarize", "--file", "{binary}"], "binary"),
        (["summarize", "--file", "{locked}"], "password-protected"),
        (["extract", "--schema", "{badschema}", "some text"], "not valid JSON Schema"),
        (["extract", "--schema", "{notjson}", "some text"], "not valid JSON"),
        (["summarize", "--file", "{missing}"], "No such file"),
    ],
)
def test_bad_input_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str],
                                    message: str) -> None:
    files = {
        "{binary}": tmp_path / "b.bin", "{locked}": tmp_path / "l.pdf", "{badschema}": tmp_path / "s.json",
        "{notjson}": tmp_path / "n.json", "{missing}": tmp_path / "missing.txt",
    }
    files["{binary}"].write_bytes(bytes(range(256)) * 10)
    write_pdf(files["{locked}"], ["Café crème à 3 EUR"], password="pw")
    files["{badschema}"].write_text('{"type": "objekt"}')
    files["{notjson}"].write_text("{not json")
    argv = [str(files.get(a, a)) for a in argv]
    code, out, err = run_cli(capsys, *argv)
    assert code == 1
    assert message in err and "Traceback" not in err and out == ""


def test_unknown_flag_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["classify", "--labels", "a,b", "--bogus", "x"])
    assert exc.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "--labels", "billing,delivery,other", "My parcel never came, email me at a@b.com"],
        ["extract", "--template", "invoice", INVOICE],
        ["summarize", "--max-words", "12", "The meeting moved to Thursday at 10 in room 4B. Bring the forecast."],
    ],
)
def test_no_connection_leaves_the_device_without_consent(
    capsys: pytest.CaptureFixture[str], every_connection: list[tuple[str, object]], argv: list[str],
    always_escalate: Path,
) -> None:
    """Low confidence, a key set, escalation allowed by policy, but consent not given: nothing connects."""
    set_api_key("sk-ant-test-not-used")
    egress.clear_attempts()
    code, out, err = run_cli(capsys, *argv, "--consent", "no", "--json")
    assert code == (1 if json.loads(out).get("missing") else 0), err  # 1: a required field the device lacks
    assert json.loads(out)["tier"] == "device" and json.loads(out)["decision"]["action"] == "declined"
    assert every_connection == []  # not even an attempt the guard had to refuse
    assert egress.blocked_attempts() == []


def test_doctor_reports_backend_model_and_data_dir(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "doctor", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["backend"]["name"] == "CPU" and report["backend"]["reason"]
    assert report["model"]["status"] == "ok" and report["model"]["size_mb"] > 50
    assert report["data_dir"].startswith(str(paths.current().data_dir.parent))
