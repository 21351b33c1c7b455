"""The last adversarial review of the command line, each finding written as the attack: the real ``inhouse``
entry point (in process with captured streams, or a subprocess where the attack is on the process itself),
real files in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def inhouse(*argv: str, timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The real ``python -m app`` in a fresh interpreter (the test's INHOUSE_HOME and model)."""
    return subprocess.run([sys.executable, "-m", "app", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, **kwargs)  # type: ignore[call-overload]


def refused(code: int, out: str, err: str) -> str:
    assert code != 0 and out == "" and "Traceback" not in err, err
    return err


# --- 2. --file DIR, --file FIFO, --file /dev/zero --------------------------------------------


def test_a_folder_as_file_says_it_is_a_folder_and_names_batch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    err = refused(*run_cli(capsys, "summarize", "--file", str(tmp_path)))
    assert "is a folder" in err and f"inhouse batch summarize {tmp_path}" in err and "No such file" not in err
    err = refused(*run_cli(capsys, "extract", "--template", "invoice", "--file", str(tmp_path)))
    assert "is a folder" in err and "inhouse batch extract" in err
    err = refused(*run_cli(capsys, "classify", "--labels", "a,b", "--examples", str(tmp_path), "hi"))
    assert "is a folder" in err


def test_a_named_pipe_or_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading would wait for ever
    for argv in (["classify", "--labels", "a,b", "--file", str(fifo)],
                 ["summarize", "--file", str(fifo)],
                 ["extract", "--schema", str(fifo), "text"],
                 ["classify", "--labels", "a,b", "--examples", str(fifo), "text"],
                 ["classify", "--labels", "a,b", "--file", "/dev/zero"]):
        done = inhouse(*argv, timeout=60)  # a hang fails here (TimeoutExpired), not the whole suite
        err = refused(done.returncode, done.stdout, done.stderr)
        assert "not a regular file" in err and "No such file" not in err, argv


# --- 3. classify --examples with a file that holds no usable example ---------------------------


@pytest.mark.parametrize(("content", "says"), [
    (b"a,b\n1,2\n", "needs a header row with the columns text,label"),  # wrong columns
    (bytes(range(256)) * 4, "binary"),  # not text at all
    (b"", "needs a header row"),  # empty
    (b"text,label\n", "has a header but no examples"),
    (b"text,label\nWhere is my card?,delivery\nhello,\n", "line 3: an example needs both a text and a label"),
])
def test_examples_that_give_no_example_are_an_error_not_zero_examples(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, says: str,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    err = refused(*run_cli(capsys, "classify", "--labels", "delivery,other", "--examples", str(bad), "hi"))
    assert says in err and "bad.csv" in err
    err = refused(*run_cli(capsys, "batch", "classify", str(tmp_path / "in.txt"), "--labels", "delivery,other",
                           "--examples", str(bad), "--output", str(tmp_path / "out.jsonl")))
    assert says in err


@pytest.mark.parametrize(("name", "content", "says"), [
    ("blank.csv", "text,label\nWhere is my card?,delivery\nhello,\n", "line 3: an example needs both"),
    ("header.csv", "text,label\n", "has a header but no examples"),
    ("empty.jsonl", "", "has no examples"),
])
def test_classifiers_add_examples_never_adds_zero_silently(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str, says: str,
) -> None:
    assert main(["classifiers", "create", "mood", "--labels", "delivery,other"]) == 0
    capsys.readouterr()
    (tmp_path / name).write_text(content)
    err = refused(*run_cli(capsys, "classifiers", "add-examples", "mood", str(tmp_path / name)))
    assert says in err and name in err


def test_examples_with_a_quoted_multi_line_text_are_read_whole(tmp_path: Path) -> None:
    from app.cli.tasks import load_examples

    good = tmp_path / "good.csv"
    good.write_text('Text,Label\n"first line\nsecond line",delivery\n')
    assert load_examples(good) == (("first line\nsecond line", "delivery"),)


# --- 4. JSON (and TOML) nested 3,000 deep: a clear error, never a RecursionError ----------------

DEEP = 3000


@pytest.mark.parametrize("deep", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP,
                                  '{"type": "object", "properties": {"x": ' + "[" * DEEP + "]" * DEEP + "}}"])
def test_json_nested_3000_deep_is_refused_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, deep: str,
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(deep)
    line = tmp_path / "deep.jsonl"
    line.write_text(json.dumps({"text": "hi", "label": "a"}) + "\n" + deep + "\n")
    (tmp_path / "other.json").write_text("{}")
    for argv in (["extract", "--schema", str(path), "--local-only", "hi"],
                 ["eval", str(path)],
                 ["review", "--combine", str(path), str(tmp_path / "other.json")],
                 ["classifiers", "import", str(path)],
                 ["batch", "classify", str(line), "--labels", "a,b", "--output", str(tmp_path / "o.jsonl")]):
        err = refused(*run_cli(capsys, *argv))
        assert "is nested more than 64 levels deep" in err, argv
    assert main(["classifiers", "create", "deep", "--labels", "a,b"]) == 0
    capsys.readouterr()
    err = refused(*run_cli(capsys, "classifiers", "add-examples", "deep", str(line)))
    assert "line 2 is nested more than 64 levels deep" in err


def test_a_policy_file_nested_3000_deep_is_a_problem_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    from app import paths

    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * DEEP + "]" * DEEP + "\n")
    code, out, err = run_cli(capsys, "policy", "check", str(deep))
    assert code != 0 and "too deeply" in out + err and "Traceback" not in err
    user = paths.current().user_policy
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(deep.read_text())
    code, out, err = run_cli(capsys, "policy", "show", "--json")
    assert code == 0 and any("too deeply" in p for p in json.loads(out)["problems"])


# --- 5. 10,000 labels: a clear error above the one declared limit --------------------------------


def test_ten_thousand_labels_are_refused_with_the_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from inference.tasks.base import MAX_LABEL_CHARS, MAX_LABELS

    many = ",".join(f"label{i}" for i in range(10_000))
    for argv in (["classify", "--labels", many, "--local-only", "hi"],
                 ["batch", "classify", str(tmp_path / "in.txt"), "--labels", many,
                  "--output", str(tmp_path / "o.jsonl")],
                 ["classifiers", "create", "huge", "--labels", many]):
        err = refused(*run_cli(capsys, *argv))
        assert f"10,000 labels is more than a classification can use (at most {MAX_LABELS})" in err, argv
    evalset = tmp_path / "many.json"
    evalset.write_text(json.dumps({"task": "classify", "labels": many.split(","),
                                   "items": [{"text": "hi", "expected": "label1"}]}))
    err = refused(*run_cli(capsys, "eval", str(evalset)))
    assert f"at most {MAX_LABELS}" in err
    err = refused(*run_cli(capsys, "classify", "--labels", f"short,{'x' * (MAX_LABEL_CHARS + 1)}", "hi"))
    assert f"labels are at most {MAX_LABEL_CHARS}" in err
    ok = ",".join(f"l{i}" for i in range(MAX_LABELS))  # the limit itself is accepted
    assert main(["classifiers", "create", "many", "--labels", ok]) == 0


# --- 6. an invalid user policy is said once (file, why, safest values), no price noise ----------


def test_an_invalid_user_policy_is_said_once_without_price_noise(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    from app import paths

    user = paths.current().user_policy
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[escalation]\nmodel = 42\n')
    (tmp_path / "in.txt").write_text("one\ntwo\n")
    evalset = tmp_path / "e.json"
    evalset.write_text(json.dumps({"task": "classify", "labels": ["a", "b"],
                                   "items": [{"text": "hi", "expected": "a"}]}))
    for argv in (["classify", "--labels", "a,b", "hi"],
                 ["batch", "classify", str(tmp_path / "in.txt"), "--labels", "a,b",
                  "--output", str(tmp_path / "o.jsonl")],
                 ["eval", str(evalset)]):
        caplog.clear()
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, err
        said = [line for line in err.splitlines() if line.startswith("inhouse: policy:")]
        assert len(said) == 1, (argv, err)
        assert str(user) in said[0] and "escalation.model" in said[0] and "safest value" in said[0]
        noise = [r.getMessage() for r in caplog.records if "No price" in r.getMessage()]
        assert noise == [] and "No price" not in err, argv


# --- 7. a command's mistakes are told with the command's usage; flags may come before the text --


@pytest.mark.parametrize(("argv", "usage"), [
    (["classify", "--labels", "a,b", "--bogus", "hi"], "usage: inhouse classify"),
    (["classify", "--labels", "a,b", "one", "two"], "usage: inhouse classify"),
    (["classifiers", "classify", "support", "--bogus", "hi"], "usage: inhouse classifiers classify"),
    (["extractors", "extract", "banking", "hi", "--nope"], "usage: inhouse extractors extract"),
    (["batch", "classify", "in.txt", "--labels", "a,b", "--output", "o.jsonl", "--bogus"],
     "usage: inhouse batch classify"),
])
def test_a_subcommand_error_shows_the_subcommand_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], usage: str,
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith(usage) and "usage: inhouse [-h]" not in err, err
    assert "unrecognized arguments" in err


def test_flags_before_the_text_work_for_profile_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"city": {"type": "string"}}}))
    assert main(["classifiers", "create", "mood", "--labels", "happy,sad"]) == 0
    assert main(["extractors", "create", "place", "--schema", str(schema)]) == 0
    capsys.readouterr()
    # an untrained profile is a clear error after parsing: the flags and the text were both taken
    for argv in (["classifiers", "classify", "mood", "--json", "--local-only", "I am glad"],
                 ["classifiers", "classify", "--json", "mood", "--local-only", "I am glad"],
                 ["extractors", "extract", "place", "--local-only", "--json", "I live in Oslo"]):
        code, out, err = run_cli(capsys, *argv)
        assert "unrecognized" not in err and "usage:" not in err, (argv, err)
        assert code == 1 and "train" in err.lower(), (argv, err)


# --- 8. standard output closed: a non-zero exit, no traceback ------------------------------------


def test_a_reader_that_leaves_gives_a_quiet_non_zero_exit(tmp_path: Path) -> None:
    """`inhouse classify ... | head -0`: the pipe's reader is gone before the answer is written."""
    argv = [sys.executable, "-m", "app", "classify", "--labels", "a,b", "--local-only", "--json", "hi"]
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # like `head -0`
    err = child.stderr.read()
    assert child.wait(timeout=120) == 141  # 128 + SIGPIPE, as a shell reports it: not success
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, err


def test_a_closed_standard_output_is_refused_before_any_work(tmp_path: Path) -> None:
    """`inhouse classify ... >&-`: nothing could be shown, so nothing is run (nor saved) and the exit is 1."""
    done = inhouse("classify", "--labels", "a,b", "--local-only", "hi", preexec_fn=lambda: os.close(1))
    assert done.returncode == 1 and "standard output is closed" in done.stderr and "Traceback" not in done.stderr
    listed = inhouse("history", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


# --- 9. review --combine with one export twice; --month out of range -----------------------------


def test_review_combine_refuses_one_export_counted_twice(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["classify", "--labels", "a,b", "--local-only", "hi"]) == 0
    export = tmp_path / "a.json"
    assert main(["review", "--export-aggregate", str(export)]) == 0
    (tmp_path / "copy.json").write_bytes(export.read_bytes())
    (tmp_path / "link.json").symlink_to(export)
    capsys.readouterr()
    for twice in ([export, export], [export, tmp_path / "." / "a.json"], [tmp_path / "link.json", export]):
        err = refused(*run_cli(capsys, "review", "--combine", *map(str, twice)))
        assert "given twice" in err and "count its answers twice" in err
    err = refused(*run_cli(capsys, "review", "--combine", str(export), str(tmp_path / "copy.json")))
    assert "same export (identical content)" in err
    code, out, err = run_cli(capsys, "review", "--combine", str(export), "--json")
    assert code == 0 and json.loads(out)["rows"][-1]["volume"] == 1  # once is once


@pytest.mark.parametrize("month", ["2026-99", "2026-00", "2026-13", "26-1x", "2026-11-01"])
def test_review_refuses_a_month_that_is_not_one(capsys: pytest.CaptureFixture[str], month: str) -> None:
    for argv in (["review", "--month", month], ["review", "--month", month, "--combine", "x.json"]):
        err = refused(*run_cli(capsys, *argv))
        assert f"'{month}' is not a month" in err and "YYYY-MM" in err


# --- 10. a path into a folder that does not exist: refused before any work, nothing created ------


def test_no_command_creates_a_folder_the_user_did_not_ask_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("hello\n")
    missing = tmp_path / "Docments"  # a typo: never created
    assert main(["classifiers", "create", "mood", "--labels", "happy,sad"]) == 0
    capsys.readouterr()
    for argv in (["batch", "classify", str(source), "--labels", "a,b", "--output", str(missing / "o.jsonl")],
                 ["batch", "classify", str(source), "--labels", "a,b", "--output", str(tmp_path / "o.jsonl"),
                  "--export", str(missing / "o.csv")],
                 ["classifiers", "export", "mood", str(missing / "mood.json")],
                 ["audit", "export", "--output", str(missing / "audit.csv")],
                 ["review", "--html", str(missing / "review.html")],
                 ["review", "--export-aggregate", str(missing / "a.json")],
                 ["eval", str(ROOT / "resources" / "eval" / "sentiment.json"), "--limit", "1",
                  "--report", str(missing / "deeper")],
                 ["gui", "--screenshot", str(missing / "shot.png")]):
        err = refused(*run_cli(capsys, *argv))
        assert f"the folder {missing} does not exist" in err and "mkdir -p" in err, argv
        assert not missing.exists(), argv
    assert not (tmp_path / "o.jsonl").exists()  # refused before the batch ran


def test_a_report_folder_is_made_inside_an_existing_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report"
    code, _, err = run_cli(capsys, "eval", str(ROOT / "resources" / "eval" / "sentiment.json"), "--limit", "1",
                           "--report", str(report))
    assert code == 0, err
    assert (report / "report.json").is_file() and (report / "report.html").is_file()


# --- 11. llama.cpp's own log stays off the terminal ----------------------------------------------


def test_training_and_a_trained_classify_print_no_llama_cpp_log(tmp_path: Path) -> None:
    examples = tmp_path / "ex.csv"
    rows = [f"I love it {i},pos\nI hate it {i},neg" for i in range(10)]
    examples.write_text("text,label\n" + "\n".join(rows) + "\n")
    assert main(["classifiers", "create", "mood", "--labels", "pos,neg"]) == 0
    assert main(["classifiers", "add-examples", "mood", str(examples)]) == 0
    for argv in (["classifiers", "train", "mood"], ["classify", "--labels", "pos,neg", "--local-only", "I love it"]):
        done = inhouse(*argv)
        assert done.returncode == 0, done.stderr
        noise = [line for line in done.stderr.splitlines()
                 if any(word in line for word in ("llama", "ggml", "pooling_type", "llm_load", "gguf"))]
        assert noise == [], (argv, done.stderr)
    assert "Using classifier 'mood'" in done.stdout  # the trained head answered: its embedding context was made


# --- 12. a long summary shows its progress on a terminal, and nothing when piped ----------------

LONG = "\n\n".join(f"Paragraph {i}. The committee met on day {i} and discussed the budget for the new library, "
                   "the roof repairs and the schedule of the summer reading programme in detail." for i in range(40))


def _summarize_with_stderr_on(stderr_tty: bool) -> tuple[int, str, str]:
    import pty
    import threading

    argv = [sys.executable, "-m", "app", "summarize", "--max-words", "15", "--local-only", "-"]
    env = {**os.environ, "INHOUSE_N_CTX": "512"}  # a small context: the text takes several chunks
    if not stderr_tty:
        done = subprocess.run(argv, cwd=ROOT, env=env, input=LONG.encode(), capture_output=True, timeout=300)
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    master, slave = pty.openpty()
    seen: list[bytes] = []

    def drain() -> None:  # read the terminal while the child writes (its buffer is small)
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child's side is closed
                return
            if not data:
                return
            seen.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = child.communicate(LONG.encode(), timeout=300)
    reader.join(timeout=10)
    os.close(master)
    return child.returncode, out.decode(), b"".join(seen).decode(errors="replace")


def test_a_chunked_summary_shows_progress_on_a_terminal_only() -> None:
    code, out, err = _summarize_with_stderr_on(stderr_tty=True)
    assert code == 0, err
    assert "summarizing" in err and "chunk" in err and "/" in err  # tqdm's "summarizing: 2/3 chunk"
    assert "summarizing" not in out and out.strip()
    code, out, err = _summarize_with_stderr_on(stderr_tty=False)
    assert code == 0 and "summarizing" not in err and "\r" not in err, err  # piped: nothing drawn
