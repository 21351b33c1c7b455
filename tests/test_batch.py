"""Batch runs over folders, documents and mailboxes are resumable: a killed run loses nothing and does
nothing twice; low-confidence items are never sent silently; results export to CSV, JSONL and XLSX."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.batch import BatchControl, BatchProgress, BatchSource, done_ids, read_items, run_batch
from app.batch_export import export
from app.cli import main
from tests.documents_factory import message, write_docx, write_mbox, write_pdf
from tests.test_cli_tasks import every_connection  # noqa: F401

MESSAGES = [
    "I love this, thank you so much!",
    "Terrible service, I want a refund now.",
    "Great job, the team was wonderful.",
    "This is the worst app I have ever used.",
    "Fantastic, everything works perfectly.",
    "Awful. It crashed three times today.",
]


def make_folder(root: Path) -> tuple[Path, set[str]]:
    """A folder of real documents: PDFs, Word files, e-mails, text, a mailbox, a sub-folder, a hidden file."""
    folder = root / "field-day"
    (folder / "notes").mkdir(parents=True)
    ids = set()
    for n, text in enumerate(MESSAGES[:3], 1):
        write_pdf(folder / f"letter{n}.pdf", [text])
        ids.add(f"letter{n}.pdf")
    write_docx(folder / "report.docx", [MESSAGES[3]])
    (folder / "notes" / "a.txt").write_text(MESSAGES[4] + "\nsecond line of the same note")
    (folder / "mail.eml").write_bytes(bytes(message("ana@example.org", "Thanks", MESSAGES[5])))
    write_mbox(folder / "inbox.mbox", [message(f"c{n}@example.org", f"Re {n}", m) for n, m in enumerate(MESSAGES)])
    (folder / ".hidden.txt").write_text("not an item")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a document kind: not an item
    ids |= {"report.docx", "notes/a.txt", "mail.eml", *(f"inbox.mbox#{n}" for n in range(1, 7))}
    return folder, ids


def test_a_folder_is_one_item_per_document_and_per_message(tmp_path: Path) -> None:
    folder, ids = make_folder(tmp_path)
    source = BatchSource([folder])
    items = list(source)
    assert source.count() == len(items) == len(ids) and {i.id for i in items} == ids
    by_id = {i.id: i for i in items}
    assert by_id["letter2.pdf"].load() == MESSAGES[1]
    assert "second line" in by_id["notes/a.txt"].load()  # a text file in a folder is one document
    assert "Subject: Re 3" in by_id["inbox.mbox#4"].load() and MESSAGES[3] in by_id["inbox.mbox#4"].load()


@pytest.mark.timeout(900)  # seconds on a quiet machine; generous for a loaded one
def test_killed_folder_batch_resumes_with_every_file_exactly_once(tmp_path: Path, inhouse_home: Path) -> None:
    folder, ids = make_folder(tmp_path)
    out = tmp_path / "out.jsonl"
    args = ["batch", "classify", str(folder), "--output", str(out), "--labels", "positive,negative"]
    env = {**os.environ, "INHOUSE_HOME": str(inhouse_home)}
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (not out.exists() or len(done_ids(out)) < 3) and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with out.open("a") as f:  # a line half-written at the moment of the kill
        f.write('{"id": "letter9.pdf", "outp')
    before = done_ids(out)
    assert 3 <= len(before) < len(ids)
    assert main(args) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(ids)  # each once, none lost
    assert all(line["tier"] == "device" and line["output"] in ("positive", "negative") for line in lines)


def test_text_lines_pause_and_resume(engine: object, tmp_path: Path) -> None:
    from app.assistant import Assistant
    from app.engine_host import EngineHost
    from inference.tasks.base import ClassifySpec

    source = tmp_path / "messages.txt"
    source.write_text("\n".join(MESSAGES))
    out = tmp_path / "out.jsonl"
    assistant = Assistant(host=EngineHost(engine=engine))  # type: ignore[arg-type]
    spec = ClassifySpec(labels=("positive", "negative"))
    control = BatchControl()
    seen: list[BatchProgress] = []

    def pause_after_two(p: BatchProgress) -> None:
        seen.append(p)
        if p.done == 2:
            control.pause()

    items = BatchSource([source])
    first = run_batch(assistant, items, items.count(), spec, out, progress=pause_after_two, control=control)
    assert first.stopped and first.processed == 2 and seen[-1].eta_s is not None and seen[-1].per_minute > 0
    second = run_batch(assistant, BatchSource([source]), len(MESSAGES), spec, out)
    assert (second.done_before, second.processed, second.stopped) == (2, len(MESSAGES) - 2, False)
    assert sorted(int(i) for i in done_ids(out)) == list(range(1, len(MESSAGES) + 1))


def test_jsonl_and_csv_inputs(tmp_path: Path) -> None:
    jl = tmp_path / "a.jsonl"
    jl.write_text('{"id": "x1", "text": "hello"}\n{"text": "bye"}\n')
    assert [(i.id, i.text) for i in read_items(jl)] == [("x1", "hello"), ("2", "bye")]
    cs = tmp_path / "a.csv"
    cs.write_text("id,text\nq,first\nr,second\n")
    assert [i.id for i in read_items(cs)] == ["q", "r"]
    assert [i.id for i in BatchSource([jl, cs])] == ["a.jsonl#x1", "a.jsonl#2", "a.csv#q", "a.csv#r"]


def test_unreadable_document_is_an_error_line_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    write_pdf(folder / "locked.pdf", ["secret"], password="pw")
    write_pdf(folder / "open.pdf", ["Where is my new card? It has not arrived."])
    out = tmp_path / "o.jsonl"
    assert main(["batch", "classify", str(folder), "--output", str(out), "--labels", "card,charge"]) == 1
    lines = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert "password-protected" in lines["locked.pdf"]["error"] and lines["locked.pdf"]["hint"]
    assert lines["open.pdf"]["output"] in ("card", "charge")
    assert "1 failed" in capsys.readouterr().err


def test_low_confidence_items_wait_in_the_queue_never_sent(
    tmp_path: Path, every_connection: list[tuple[str, object]], always_escalate: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.secrets import set_api_key
    from app.store import Store

    set_api_key("sk-ant-test-not-used")
    mbox = write_mbox(tmp_path / "inbox.mbox", [message("a@example.org", "card", "Where is my card?"),
                                                message("b@example.org", "charge", "I was charged twice.")])
    out = tmp_path / "o.jsonl"
    assert main(["batch", "classify", str(mbox), "--output", str(out), "--labels", "card,charge",
                 "--consent", "later", "--export", str(tmp_path / "o.xlsx")]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["1", "2"]
    assert all(line["queued"] and line["tier"] == "device" and line["decision"]["action"] == "queue"
               for line in lines)
    assert every_connection == []
    store = Store.open_default()
    try:
        assert len(store.list_queue()) == 2
    finally:
        store.close()
    assert "2 kept for later" in capsys.readouterr().err

    assert main(["batch", "classify", str(mbox), "--output", str(out), "--labels", "card,charge"]) == 0
    assert len(out.read_text().splitlines()) == 2 and every_connection == []  # resumed: nothing redone


def test_export_csv_jsonl_xlsx(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    rows = [
        {"id": "a.pdf", "source": "a.pdf", "output": {"total": 12.5, "date": "2026-11-02"}, "confidence": 0.91,
         "tier": "local", "decision": {"action": "accept"}, "queued": False},
        {"id": "b.pdf", "source": "b.pdf", "error": "b.pdf is password-protected.", "hint": "Remove it."},
        {"id": "c.pdf", "source": "c.pdf", "output": {"total": None, "note": "=1+1"}, "confidence": 0.3,
         "tier": "local", "decision": {"action": "queue"}, "queued": True},
    ]
    results.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"id": "d.pdf", "out')
    import csv

    assert export(results, tmp_path / "r.csv") == 3
    table = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8-sig")))
    assert [r["id"] for r in table] == ["a.pdf", "b.pdf", "c.pdf"]
    assert table[0]["answer.total"] == "12.5" and table[0]["stayed_local"] == "True"
    assert table[1]["error"].startswith("b.pdf is password") and table[2]["queued"] == "True"
    assert table[2]["answer.note"] == "'=1+1"  # a spreadsheet shows it as text, never runs it
    assert table[0]["answer.date"] == "2026-11-02" and table[0]["confidence"] == "0.91"  # others untouched

    import openpyxl

    assert export(results, tmp_path / "r.xlsx") == 3
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header[:4] == ["id", "source", "answer", "confidence"] and "answer.date" in header
    assert values[1][header.index("answer.total")] == 12.5
    assert values[3][header.index("answer.note")] == "=1+1"  # text stays text, never a formula

    assert export(results, tmp_path / "copy.jsonl") == 3
    from inference.errors import InputInvalid

    with pytest.raises(InputInvalid, match="csv, .jsonl or .xlsx"):
        export(results, tmp_path / "r.pdf")


def test_batch_makes_no_connection_without_consent(
    tmp_path: Path, every_connection: list[tuple[str, object]], always_escalate: Path
) -> None:
    from app.secrets import set_api_key

    set_api_key("sk-ant-test-not-used")
    source = tmp_path / "two.txt"
    source.write_text("Where is my card?\nI was charged twice.")
    out = tmp_path / "o.jsonl"
    assert main(["batch", "classify", str(source), "--output", str(out), "--labels", "card,charge"]) == 0
    assert len(out.read_text().splitlines()) == 2
    assert every_connection == []
