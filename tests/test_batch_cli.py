"""``inhouse batch`` attacked as a reviewer did: every task with its own options, outputs that are not
ours (a CSV, an input, a folder), resuming with other settings, and paths that would fail late. Each attack
is refused with a clear error and exit 1, and the file it aimed at is left byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.batch_output import sidecar
from app.cli import main

INVOICE = "INVOICE 77. Date: 2024-03-15. Widgets: 3 x 10.00. Total due: 30.00 EUR. From Acme Ltd."
NOTE = "The meeting moved to Friday at 10 because the room was booked; bring the budget figures."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def one_line(tmp_path: Path, text: str, name: str = "in.txt") -> Path:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("options", [
    ["summarize", "--max-words", "12"], ["summarize", "--tldr"], ["summarize", "--bullets", "2"],
], ids=["max-words", "tldr", "bullets"])
def test_batch_summarize_takes_the_summarize_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    source, out = one_line(tmp_path, NOTE), tmp_path / "o.jsonl"
    code, err = run(capsys, "batch", options[0], str(source), *options[1:], "--output", str(out))
    assert code == 0, err
    [record] = lines(out)
    assert isinstance(record["output"], str) and record["output"].strip() and "error" not in record
    spec = json.loads(sidecar(out).read_text())["spec"]
    shape = {"--max-words": "paragraph", "--tldr": "tldr", "--bullets": "bullets"}[options[1]]
    assert spec["task"] == "summarize" and spec["shape"] == shape
    if shape == "bullets":
        assert spec["bullets"] == 2
    if shape == "paragraph":
        assert spec["max_words"] == 12


def test_batch_extract_with_a_template_and_classify_with_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = one_line(tmp_path, INVOICE)
    out = tmp_path / "inv.jsonl"
    code, err = run(capsys, "batch", "extract", str(source), "--template", "invoice", "--output", str(out))
    assert code == 0, err
    [record] = lines(out)
    assert isinstance(record["output"], dict) and "error" not in record
    assert json.loads(sidecar(out).read_text())["spec"]["schema"]["type"] == "object"
    out = tmp_path / "cls.jsonl"
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "invoice,letter", "--output", str(out))
    assert code == 0, err
    assert lines(out)[0]["output"] in ("invoice", "letter")


def test_batch_task_options_are_the_single_commands_own(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = one_line(tmp_path, NOTE)
    with pytest.raises(SystemExit) as exit_:  # argparse: classify's --labels is required here as there
        main(["batch", "classify", str(source), "--output", str(tmp_path / "o.jsonl")])
    assert exit_.value.code == 2 and "--labels" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a summarize option is not an extract option
        main(["batch", "extract", str(source), "--template", "invoice", "--tldr", "--output", str(tmp_path / "x")])
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "x").exists()


def test_an_existing_csv_as_output_is_refused_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = one_line(tmp_path, NOTE)
    precious = tmp_path / "precious.csv"
    precious.write_bytes(b"name,amount\r\nAna,12\r\nBo,7\r\n")
    one_liner = tmp_path / "one-line.txt"
    one_liner.write_bytes(b"a note without a newline")
    for target in (precious, one_liner):
        before = target.read_bytes()
        code, err = run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(target))
        assert code == 1 and "not a batch results file" in err and "--output" in err  # message and hint
        assert target.read_bytes() == before and not sidecar(target).exists()


def test_an_input_as_output_is_refused_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "texts.jsonl"
    source.write_text('{"id": "1", "text": "Where is my card?"}\n{"id": "2", "text": "Charged twice."}\n')
    before = source.read_bytes()
    for spelled in (str(source), str(tmp_path / "." / "texts.jsonl")):
        code, err = run(capsys, "batch", "classify", str(source), "--labels", "card,charge", "--output", spelled)
        assert code == 1 and "one of the inputs" in err
    assert source.read_bytes() == before


def test_only_a_half_written_last_line_is_cut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "two.txt"
    source.write_text("Where is my card?\nI was charged twice.\n")
    out = tmp_path / "o.jsonl"
    args = ["batch", "classify", str(source), "--labels", "card,charge", "--output", str(out)]
    assert run(capsys, *args)[0] == 0
    whole = out.read_bytes()
    first, second = whole.splitlines(keepends=True)
    out.write_bytes(first + second[:25])  # killed while writing the second line
    code, err = run(capsys, *args)
    assert code == 0 and "1 processed, 1 already done" in err
    assert [r["id"] for r in lines(out)] == ["1", "2"]
    out.write_bytes(first + b"garbage in the middle\n" + second)  # damaged inside: not ours to cut
    before = out.read_bytes()
    code, err = run(capsys, *args)
    assert code == 1 and "line 2" in err and out.read_bytes() == before


def test_resuming_with_other_settings_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "two.txt"
    source.write_text("Buy cheap pills now!!!\nLunch tomorrow at noon?\n")
    out = tmp_path / "o.jsonl"
    assert run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(out))[0] == 0
    before = out.read_bytes()
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "spam,ham", "--output", str(out))
    assert code == 1 and "other settings" in err and "labels a,b, not spam,ham" in err
    assert "another --output" in err and "delete" in err  # the hint
    code, err = run(capsys, "batch", "summarize", str(source), "--output", str(out))
    assert code == 1 and "task classify, not summarize" in err
    assert out.read_bytes() == before
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(out))
    assert code == 0 and "0 processed, 2 already done" in err  # the same settings resume


def test_results_from_before_the_settings_file_are_adopted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "two.txt"
    source.write_text("Where is my card?\nI was charged twice.\n")
    out = tmp_path / "o.jsonl"
    args = ["batch", "classify", str(source), "--labels", "card,charge", "--output", str(out)]
    assert run(capsys, *args)[0] == 0
    sidecar(out).unlink()  # a results file written by an older version
    code, err = run(capsys, *args)
    assert code == 0 and "0 processed, 2 already done" in err and sidecar(out).exists()


def test_output_and_export_paths_are_checked_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = one_line(tmp_path, NOTE)
    folder = tmp_path / "folder"
    folder.mkdir()
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(folder))
    assert code == 1 and "is a folder" in err and list(folder.iterdir()) == []
    out = tmp_path / "o.jsonl"
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(out),
                    "--export", str(out))
    assert code == 1 and "--export" in err and not out.exists()  # refused before anything ran
    code, err = run(capsys, "batch", "classify", str(source), "--labels", "a,b", "--output", str(out),
                    "--export", str(tmp_path / "missing" / "o.csv"))
    assert code == 1 and "does not exist" in err and not out.exists()


def test_review_and_profile_export_paths_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    code, err = run(capsys, "review", "--html", str(folder))
    assert code == 1 and "is a folder" in err
    code, err = run(capsys, "review", "--export-aggregate", str(tmp_path / "nonexist" / "x.json"))
    assert code == 1 and "does not exist" in err and not (tmp_path / "nonexist").exists()
    assert main(["classifiers", "create", "mine", "--labels", "a,b"]) == 0
    code, err = run(capsys, "classifiers", "export", "mine", str(folder))
    assert code == 1 and "is a folder" in err
    assert list(folder.iterdir()) == [] and list(tmp_path.glob(".*.tmp")) == []
