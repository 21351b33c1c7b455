"""Start-up cost (#11): the local path imports nothing it does not use, checked in fresh interpreters.

A one-line ``inhouse classify`` must not load the cloud SDKs, the ML/plotting stacks, Qt, the document
parsers, the keyring, the redaction code or the send step: each is imported when it is first needed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parent.parent

HEAVY = (
    # cloud SDKs and their HTTP stack: only when an answer may leave
    "anthropic", "openai", "httpx", "huggingface_hub",
    # ML / plotting stacks: only for training, calibration fits, evaluation
    "sklearn", "scipy", "matplotlib",
    # Qt: only in the desktop app
    "PySide6", "shiboken6",
    # document parsers: only when a file is read
    "pypdf", "docx", "bs4", "pytesseract",
    # keyring, schema validation, redaction detectors: only when escalating or reading a profile
    "keyring", "jsonschema", "phonenumbers", "stdnum", "pycrfsuite",
    # our own modules that only the escalation path needs
    "inference.providers.anthropic", "inference.providers.openai_compat", "inference.redact", "app.sending",
    "app.sendable", "app.secrets",
)

REPORT = (
    "import json, sys\n"
    "heavy = json.loads(sys.argv[1])\n"
    "def report():\n"
    "    print('LOADED=' + json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
)


def _run(code: str, home: Path, *args: str) -> list[str]:
    env = {**os.environ, "INHOUSE_HOME": str(home)}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run([sys.executable, "-c", REPORT + code, json.dumps(HEAVY), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith("LOADED="))
    loaded: list[str] = json.loads(line.removeprefix("LOADED="))
    return loaded


def test_local_classify_path_imports_nothing_heavy(tmp_path: Path) -> None:
    code = "import app.runtime, app.cli.tasks, inference.tasks.classify\nreport()\n"
    assert _run(code, tmp_path / "home") == []


def test_cli_classify_one_line_imports_nothing_heavy(tmp_path: Path, starter_model_path: Path) -> None:
    """The whole command, as a user runs it (it loads the starter model and answers). --local-only: a zero-shot
    answer with no calibration evidence is offered to the cloud by default (thresholds.uncalibrated = "ask"),
    and offering it reads the key store; the purely local path is what this measures."""
    code = (
        "import runpy\n"
        "sys.argv = ['inhouse', 'classify', '--json', '--local-only', '--labels', 'a,b', 'hi']\n"
        "try:\n"
        "    runpy.run_module('app', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "report()\n"
    )
    assert _run(code, tmp_path / "home") == []


# ``inhouse gui`` until the main window first paints (#11): the pages not shown first are built (and their
# modules imported) when first opened; the key store is read, the schema template checked and the model
# loaded after the paint. Qt itself and the Assistant page are what the first paint needs.
GUI_DEFERRED = (
    *(m for m in HEAVY if m not in ("PySide6", "shiboken6")),
    "ui.history_view", "ui.classifiers_page", "ui.batch_page", "ui.extractors_page", "ui.audit_view",
    "ui.settings_view", "ui.review_page", "ui.policy_form",
    "app.extractors", "inference.tasks.extract",
)

GUI_FIRST_PAINT = (
    "import json, os, sys\n"
    "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
    "deferred = json.loads(sys.argv[1])\n"
    "import app.assistant, ui.app, ui.main_window\n"  # the order of ``inhouse gui`` (app/cli/gui.py)
    "from PySide6.QtCore import QEvent, QObject, QTimer\n"
    "seen = []\n"
    "class FirstPaint(QObject):\n"
    "    def eventFilter(self, obj, event):\n"
    "        if not seen and event.type() == QEvent.Type.Paint:\n"
    "            seen.append(sorted(m for m in deferred if m in sys.modules))\n"
    "            QTimer.singleShot(100, obj.close)\n"
    "        return False\n"
    "build = ui.main_window.MainWindow.__init__\n"
    "def watched(self, *args, **kwargs):\n"
    "    build(self, *args, **kwargs)\n"
    "    self.first_paint = FirstPaint(self)\n"
    "    self.installEventFilter(self.first_paint)\n"
    "ui.main_window.MainWindow.__init__ = watched\n"
    "from app.cli import main\n"
    "assert main(['gui']) == 0\n"
    "print('LOADED=' + json.dumps(seen[0]))\n"
)


def test_gui_imports_nothing_deferred_before_the_first_paint(tmp_path: Path) -> None:
    env = {**os.environ, "INHOUSE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", GUI_FIRST_PAINT, json.dumps(GUI_DEFERRED)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith("LOADED="))
    assert json.loads(line.removeprefix("LOADED=")) == []


def test_the_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """The probe itself works: a module that does load is reported."""
    assert _run("import jsonschema\nreport()\n", tmp_path / "home") == ["jsonschema"]


def _registered(module: str) -> set[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    importlib.import_module(module).register(sub)
    return set(sub.choices)


def test_fast_path_table_names_what_each_module_registers() -> None:
    for module in cli.COMMAND_MODULES:
        expected = {name for name, owner in cli.COMMANDS.items() if owner == module}
        assert _registered(module) == expected, module


def test_a_named_command_builds_only_its_module_and_help_builds_all() -> None:
    assert cli.modules_for(["classify", "--labels", "a,b", "hi"]) == ("app.cli.tasks",)
    assert cli.modules_for([]) == cli.COMMAND_MODULES
    assert cli.modules_for(["--help"]) == cli.COMMAND_MODULES
    assert cli.modules_for(["no-such-command"]) == cli.COMMAND_MODULES


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


@pytest.mark.parametrize("policy", ['[escalation]\nmode = "never"\n',  # nothing may leave: no key is needed
                                    '[thresholds]\nuncalibrated = "keep"\n'])  # kept on the device
def test_a_one_line_classify_that_never_reads_the_key_never_loads_keyring(tmp_path: Path, policy: str) -> None:
    """Keyring backend discovery (~0.19 s on macOS) is for an answer that may leave; an answer kept on the
    device by policy is decided without it (the router's key rule comes last; app/assistant.py _LEAVES)."""
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "policy.toml").write_text(policy)
    code = (
        "import runpy\n"
        "sys.argv = ['inhouse', 'classify', '--json', '--labels', 'a,b', 'hi']\n"
        "try:\n"
        "    runpy.run_module('app', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "report()\n"
    )
    loaded = _run(code, home)
    assert "keyring" not in loaded and "app.secrets" not in loaded
