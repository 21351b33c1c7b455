"""The built Linux bundle behaves like an installed app (run after `make package`; `.ci/run` does).

    .venv/bin/python -m pytest packaging/tests -q          # INHOUSE_BUNDLE=DIR to check another build

Every command runs the bundle's own executable in a clean environment: PATH without the venv, no
PYTHONPATH/PYTHONHOME/VIRTUAL_ENV, a fresh HOME and TMPDIR, offscreen Qt. Nothing here is skipped: a
missing bundle is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bundle_rules import REQUIRED_LINUX, ROOT, unwanted, version  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.fake_anthropic import FakeAnthropic  # noqa: E402

BUNDLE = Path(os.environ.get("INHOUSE_BUNDLE", ROOT / "dist" / "Inhouse")).resolve()
EXE = BUNDLE / "Inhouse"
INTERNAL = BUNDLE / "_internal"
LABELS = "billing,delivery,other"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle check")


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Session:
    home: Path
    tmp: Path
    env: dict[str, str]
    before: dict[str, tuple[int, int]]

    def run(self, *args: str, timeout: float = 240) -> Run:
        done = subprocess.run([str(EXE), *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=self.tmp)
        return Run(done.returncode, done.stdout, done.stderr)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file in ``folder``: size and modification time (so any write inside it shows)."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    assert EXE.is_file(), f"no bundle at {BUNDLE}: run `make package` first"
    home = tmp_path_factory.mktemp("home")
    tmp = tmp_path_factory.mktemp("tmp")
    env = {"HOME": str(home), "TMPDIR": str(tmp), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen"}
    yield Session(home, tmp, env, snapshot(BUNDLE))


@pytest.fixture(scope="module")
def results(session: Session) -> dict[str, Run]:
    """Each command once (they are slow to start on a loaded machine); the tests read the results."""
    shot = session.tmp / "shots" / "main.png"
    shot.parent.mkdir()  # the CLI writes into a folder that exists (it never creates one: app/output_paths.py)
    return {
        "version": session.run("--version"),
        "doctor": session.run("doctor", "--json"),
        "screenshot": session.run("gui", "--screenshot", str(shot)),
        "classify": session.run("classify", "--labels", LABELS, "--json", "--consent", "no",
                                "Where is my parcel? It was due on Monday."),
        "redact": session.run("redact", "status", "--json"),
    }


def test_bundle_contains_what_the_app_needs() -> None:
    missing = [what for what, pattern in REQUIRED_LINUX.items() if not list(INTERNAL.glob(pattern))]
    assert not missing, f"missing from the bundle: {missing}"


def test_bundle_leaves_out_qml_and_webengine() -> None:
    files = [str(p.relative_to(BUNDLE)) for p in BUNDLE.rglob("*")]
    assert not unwanted(files), unwanted(files)[:10]
    assert not [f for f in files if f.endswith((".py", ".pyc")) and "site-packages" in f]


def test_version(results: dict[str, Run]) -> None:
    assert results["version"].code == 0, results["version"].err
    assert results["version"].out.strip() == f"inhouse {version()}"


def test_doctor_finds_the_model_and_libraries_inside_the_bundle(results: dict[str, Run]) -> None:
    run = results["doctor"]
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["versions"]["inhouse"] == version()
    assert report["model"]["source"] == "starter"
    assert report["model"]["status"] == "ok"
    assert Path(report["model"]["path"]).is_relative_to(INTERNAL)
    assert report["backend"]["devices"], report["backend"]


def test_gui_screenshot(results: dict[str, Run], session: Session) -> None:
    run = results["screenshot"]
    assert run.code == 0, run.err
    data = (session.tmp / "shots" / "main.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 500, (width, height)


def test_the_model_answers_from_the_bundle(results: dict[str, Run]) -> None:
    run = results["classify"]
    assert run.code == 0, run.err
    answer = json.loads(run.out)
    assert answer["output"] in LABELS.split(",")
    assert answer["tier"] == "device"
    assert 0.0 <= answer["confidence"] <= 1.0


def test_redaction_learning_state_from_the_bundle(results: dict[str, Run], session: Session) -> None:
    run = results["redact"]
    assert run.code == 0, run.err
    info = json.loads(run.out)
    assert info["examples"] == 0 and info["retrained"] is False
    assert Path(info["examples_file"]).is_relative_to(session.home / ".local" / "share" / "Inhouse")


def test_writes_only_to_the_user_data_and_config_dirs(results: dict[str, Run], session: Session) -> None:
    assert all(r.code == 0 for r in results.values())
    allowed = (session.home / ".local" / "share" / "Inhouse", session.home / ".config" / "Inhouse")
    written = [p for p in session.home.rglob("*") if p.is_file()]
    assert written, "the app kept nothing (no database?)"
    assert [p for p in written if not p.is_relative_to(allowed[0]) and not p.is_relative_to(allowed[1])] == []
    assert [p.name for p in session.tmp.iterdir()] == ["shots"]  # nothing left in TMPDIR but our screenshot
    assert snapshot(BUNDLE) == session.before, "the bundle's own files changed"


def test_no_python_from_the_machine_is_loaded(session: Session) -> None:
    """The running app (window up, model loaded) maps no file of a Python installation outside the bundle."""
    app = subprocess.Popen([str(EXE), "gui"], env=session.env, cwd=session.tmp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        maps = _maps_once_loaded(app, "libllama")
    finally:
        app.terminate()
        app.wait(30)
    outside = {m for m in maps if not Path(m).is_relative_to(BUNDLE)}
    python_files = {m for m in outside if "python" in m.lower() or "site-packages" in m or ".venv" in m}
    assert not python_files, sorted(python_files)
    assert any("libpython" in m for m in maps)  # the bundle's own interpreter is the one running


def _maps_once_loaded(app: subprocess.Popen[bytes], library: str, timeout_s: float = 240) -> set[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            pytest.fail(f"the app exited ({app.returncode}): {app.stderr.read().decode() if app.stderr else ''}")
        lines = Path(f"/proc/{app.pid}/maps").read_text().splitlines()
        files = {line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6}
        files = {f for f in files if f.startswith("/")}
        if any(library in f for f in files):
            return files
        time.sleep(0.2)
    pytest.fail(f"{library} was not loaded within {timeout_s} s")


PII_TEXT = ("Hi, this is Jane Roe. My card 4111 1111 1111 1111 was charged twice. "
            "Mail me at jane.roe@example.com or call +44 20 7946 0958.")


def test_an_escalation_from_the_bundle_is_redacted_audited_and_restored(tmp_path: Path) -> None:
    """The frozen redaction (libphonenumber, the CRF tagger's resources), the real anthropic SDK against
    the fake Messages API on 127.0.0.1, and the audit log, all from the bundle's own files."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    (home / ".config" / "Inhouse").mkdir(parents=True)
    tmp.mkdir()
    (home / ".config" / "Inhouse" / "policy.toml").write_text(
        '[escalation]\nmode = "ask"\n[thresholds]\nsummarize = 1.0\n', encoding="utf-8")
    server = FakeAnthropic().start()
    try:
        server.reply_text("[PERSON_1] was charged twice; reply to [EMAIL_1].", input_tokens=60, output_tokens=12)
        env = {"HOME": str(home), "TMPDIR": str(tmp), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen", "ANTHROPIC_BASE_URL": server.url,
               "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdef"}
        session = Session(home, tmp, env, {})
        run = session.run("summarize", "--json", "--consent", "yes", PII_TEXT)
        audit = session.run("audit", "export", "--json")
    finally:
        server.close()
    assert run.code == 0, run.err
    assert len(server.message_requests) == 1
    sent = str(server.message_requests[0].body)
    for raw in ("Jane Roe", "jane.roe@example.com", "4111 1111 1111 1111", "7946 0958"):
        assert raw not in sent, raw
    answer = json.loads(run.out)
    assert answer["tier"] == "cloud"
    assert "Jane Roe" in answer["output"] and "jane.roe@example.com" in answer["output"]  # restored here
    assert audit.code == 0, audit.err
    rows = json.loads(audit.out)
    assert [(r["kind"], r["outcome"]) for r in rows][-1][0] == "outcome"
    assert any(r["kind"] == "intent" and r["payload_sha256"] for r in rows)


def test_install_sh_installs_for_the_user_and_uninstalls(tmp_path: Path) -> None:
    """install.sh (per user) puts the app, the command, the menu entry, metainfo and icons in place, and
    --uninstall takes exactly those away again; the desktop entry it writes is valid."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([str(BUNDLE / "install.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    share = home / ".local" / "share"
    entry = share / "applications" / "inhouse.desktop"
    command = home / ".local" / "bin" / "inhouse"
    assert (home / ".local" / "opt" / "inhouse" / "Inhouse").is_file()
    assert f'Exec="{home}/.local/opt/inhouse/Inhouse" gui' in entry.read_text(encoding="utf-8")
    assert (share / "metainfo" / "org.inhouse.Inhouse.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "inhouse.png").is_file()
    version_run = subprocess.run([str(command), "--version"], env=env, capture_output=True, text=True, timeout=240)
    assert version_run.stdout.strip() == f"inhouse {version()}", version_run.stderr
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
    gone = subprocess.run([str(BUNDLE / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True)
    assert gone.returncode == 0, gone.stderr
    caches = {"mimeinfo.cache", "icon-theme.cache"}  # the desktop's own indexes, refreshed by install.sh
    left = [p for p in home.rglob("*") if (p.is_file() or p.is_symlink()) and p.name not in caches]
    assert left == [], left  # the app made no data here: only --version ran


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstreamcli (Debian package appstream) not installed")
def test_metainfo_is_valid_appstream() -> None:
    metainfo = BUNDLE / "share" / "metainfo" / "org.inhouse.Inhouse.metainfo.xml"
    checked = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
