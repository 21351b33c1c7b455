"""The API key in the keyring (the real ``keyring`` API, conftest's memory backend), fallbacks, the CLI."""

from __future__ import annotations

import argparse
import getpass
import io
import json
import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest

from app import secrets
from app.cli import key as key_cli
from inference.errors import InhouseError, InputInvalid, KeyMissing
from tests.conftest import MemoryKeyring

KEY = "sk-ant-api03-SECRET-abcdef123456"
ENTRY = (secrets.SERVICE, secrets.USERNAME)


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed): same module and class name."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class ForgetfulKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        return None  # accepts and drops, like a chainer with nothing to chain


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_set_get_clear_with_the_keyring(memory_keyring: MemoryKeyring) -> None:
    assert secrets.get_api_key() is None
    secrets.set_api_key(f"  {KEY}\n")
    assert memory_keyring.store[ENTRY] == KEY
    assert secrets.get_api_key() == KEY == secrets.require_api_key()
    status = secrets.key_status()
    assert (status.source, status.keyring_available, status.is_set) == ("keyring", True, True)
    assert status.backend.endswith("MemoryKeyring")
    assert secrets.clear_api_key() is True
    assert ENTRY not in memory_keyring.store and secrets.get_api_key() is None
    assert secrets.clear_api_key() is False


def test_environment_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    assert secrets.get_api_key() == "sk-ant-from-env"
    assert secrets.key_status().source == "environment"
    secrets.set_api_key(KEY)
    assert secrets.get_api_key() == KEY  # the keyring wins
    assert "also set" in secrets.key_status().message


def test_require_api_key_says_what_to_do() -> None:
    with pytest.raises(KeyMissing) as info:
        secrets.require_api_key()
    assert "inhouse key set" in info.value.hint


@pytest.mark.parametrize("bad", ["", "   ", "sk-ant two parts", "sk-ant\x00nul"])
def test_invalid_keys_are_refused(bad: str, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(InputInvalid):
        secrets.set_api_key(bad)
    assert memory_keyring.store == {}


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_no_keyring_falls_back_and_writes_nothing(
    backend: type[keyring.backend.KeyringBackend], monkeypatch: pytest.MonkeyPatch, inhouse_home: Path
) -> None:
    keyring.set_keyring(backend())  # the conftest fixture restores the previous backend
    assert secrets.get_api_key() is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    assert secrets.get_api_key() == "sk-ant-from-env"

    with pytest.raises(secrets.KeyringUnavailable) as info:
        secrets.set_api_key(KEY)
    assert isinstance(info.value, InhouseError)
    assert (
        "keyring" in str(info.value) and "ANTHROPIC_API_KEY" in info.value.hint and KEY not in str(info.value)
    )
    assert files_under(inhouse_home) == []
    with pytest.raises(secrets.KeyringUnavailable):
        secrets.clear_api_key()

    status = secrets.key_status()
    assert (status.source, status.keyring_available) == ("environment", False)
    assert "dbus-run-session" in status.message


def test_plaintext_backend_is_refused_unless_allowed(caplog: pytest.LogCaptureFixture) -> None:
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    assert secrets.is_plaintext()
    with pytest.raises(secrets.PlaintextKeyringRefused, match="plaintext"):
        secrets.set_api_key(KEY)
    assert backend.store == {}
    with caplog.at_level(logging.WARNING, logger="app.secrets"):
        secrets.set_api_key(KEY, allow_plaintext=True)
    assert backend.store[ENTRY] == KEY
    assert "unencrypted" in caplog.text and KEY not in caplog.text
    assert "unencrypted" in secrets.key_status().message


def test_a_keyring_that_drops_the_key_is_reported() -> None:
    keyring.set_keyring(ForgetfulKeyring())
    with pytest.raises(secrets.KeyringUnavailable, match="did not keep"):
        secrets.set_api_key(KEY)


# -- CLI ---------------------------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="inhouse")
    key_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_cli_set_from_piped_stdin_status_and_clear(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert run_cli("key", "set") == 0
    assert memory_keyring.store[ENTRY] == KEY

    assert run_cli("key", "status") == 0
    assert run_cli("key", "status", "--json") == 0
    out = capsys.readouterr().out
    assert KEY not in out and KEY[-4:] not in out
    assert "set (keyring)" in out
    data = json.loads(out.strip().splitlines()[-1])
    assert data["source"] == "keyring" and data["is_set"] is True and data["keyring_available"] is True

    assert run_cli("key", "clear") == 0
    assert "removed" in capsys.readouterr().out and ENTRY not in memory_keyring.store


def test_cli_set_on_a_terminal_uses_getpass(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return KEY

    monkeypatch.setattr("sys.stdin", Tty(""))
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    assert run_cli("key", "set") == 0
    assert memory_keyring.store[ENTRY] == KEY and prompts and "hidden" in prompts[0]


def test_cli_set_with_nothing_piped(monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(InputInvalid):
        run_cli("key", "set")
    assert memory_keyring.store == {}


def test_cli_status_without_keyring(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    assert run_cli("key", "status") == 0
    out = capsys.readouterr().out
    assert "set (environment)" in out and "not available" in out and KEY not in out


def test_the_org_servers_key_is_its_own_keyring_entry(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("org-key-0123456789\n"))
    assert run_cli("key", "set", "--tier", "org") == 0
    assert memory_keyring.store[(secrets.SERVICE, "org-api-key")] == "org-key-0123456789"
    assert ENTRY not in memory_keyring.store and secrets.get_api_key() is None  # the cloud's key is untouched
    assert secrets.get_api_key("org") == "org-key-0123456789"
    assert run_cli("key", "status", "--tier", "org", "--json") == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["source"] == "keyring"
    assert secrets.clear_api_key("org") is True and secrets.get_api_key("org") is None
    monkeypatch.setenv("INHOUSE_ORG_API_KEY", "org-from-env")
    assert secrets.get_api_key("org") == "org-from-env" and secrets.get_api_key() is None
