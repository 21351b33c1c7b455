"""The model catalog, recommendation, downloads and the chosen model.

Downloads run the real ``huggingface_hub`` against ``tests/fake_hub.py`` on 127.0.0.1 (a small
generated GGUF, or the real starter model file for the end-to-end CLI test). The only non-loopback
address used is TEST-NET-1 (192.0.2.1), which the egress guard refuses before anything is sent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from app import egress, paths
from app import models as app_models
from app.cli import models as cli_models
from app.egress import EgressBlocked
from app.engine_host import EngineHost
from inference.download import download
from inference.engine import CancelToken
from inference.errors import (
    Cancelled,
    ChecksumMismatch,
    DownloadFailed,
    DownloadOffline,
    ModelCorrupt,
    ModelMissing,
    ModelUnknown,
)
from inference.models import (
    GIB,
    MIN_TOKENS_PER_S,
    CatalogEntry,
    CatalogInvalid,
    Hardware,
    cpu_tokens_per_s,
    find_entry,
    load_catalog,
    recommend,
)
from tests.fake_hub import COMMIT, FakeHub, fake_hub, sha256_of, write_tiny_gguf  # noqa: F401

REPO = "test-org/Tiny-GGUF"
FILE = "tiny-q4.gguf"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    return write_tiny_gguf(tmp_path / "src" / FILE)


@pytest.fixture
def entry(tiny: Path) -> CatalogEntry:
    return CatalogEntry("tiny", "Tiny Test (F32)", REPO, FILE, COMMIT, tiny.stat().st_size, sha256_of(tiny),
                        "MIT", 2048, 0.5, "65K", "tests")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub reads 10 MB per progress update; 64 KB gives the 256 KB test file several."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)


def models_dir() -> Path:
    return paths.current().models_dir


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="inhouse")
    cli_models.register(parser.add_subparsers())
    args = parser.parse_args(["models", *argv])
    code: int = args.func(args)
    return code


def tampered_copy(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    data[-1] ^= 0xFF  # same size, different bytes: only a hash notices
    dst.write_bytes(bytes(data))
    return dst


# --- the catalog and the recommendation ----------------------------------------------------------


def test_catalog_entries_are_complete_and_pinned() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 4 and len({e.id for e in catalog}) == len(catalog)
    assert [e.id for e in catalog if e.bundled] == ["smollm2-135m"]
    for e in catalog:
        assert e.filename.endswith(".gguf") and "/" in e.repo_id
        assert len(e.sha256) == 64 and len(e.revision) == 40, e.id
        assert e.size_bytes > 50_000_000 and e.context_length >= 2048 and e.good_for


def test_the_bundled_entry_is_the_installed_starter_file(starter_model_path: Path) -> None:
    starter = find_entry("smollm2-135m")
    assert starter.filename == starter_model_path.name
    assert starter_model_path.stat().st_size == starter.size_bytes
    assert sha256_of(starter_model_path) == starter.sha256


def test_a_malformed_catalog_is_refused(tmp_path: Path) -> None:
    good = load_catalog()[1]
    row = (f'[[model]]\nid = "{good.id}"\nname = "x"\nrepo_id = "a/b"\nfilename = "x.gguf"\nsize_bytes = 10\n'
           'sha256 = "{sha}"\nlicense = "MIT"\ncontext_length = 2048\nmin_ram_gb = 1\nparams = "1B"\ngood_for = "x"\n')
    bad_sha = tmp_path / "bad.toml"
    bad_sha.write_text(row.replace("{sha}", "abc"))
    with pytest.raises(CatalogInvalid, match="sha256"):
        load_catalog(bad_sha)
    twice = tmp_path / "twice.toml"
    twice.write_text(row.replace("{sha}", "") * 2)
    with pytest.raises(CatalogInvalid, match="twice"):
        load_catalog(twice)


@pytest.mark.parametrize(("ram_gib", "gpu", "cores", "expected"), [
    (1, None, 8, "smollm2-135m"),
    (4, None, 8, "qwen2.5-0.5b"),
    (6, None, 8, "llama3.2-1b"),
    (8, None, 8, "qwen2.5-1.5b"),
    (16, None, 16, "llama3.2-3b"),
    (4, "Metal (Apple M1)", 8, "qwen2.5-1.5b"),
    (8, "CUDA (NVIDIA RTX 3060)", 2, "llama3.2-3b"),  # the GPU does the reading: cores do not limit it
    (None, None, 8, "qwen2.5-1.5b"),  # the OS would not say: assume an ordinary 8 GB laptop
])
def test_recommendation_follows_ram_and_gpu(ram_gib: int | None, gpu: str | None, cores: int, expected: str) -> None:
    pick = recommend(Hardware(ram_gib * GIB if ram_gib else None, gpu, cores), load_catalog())
    assert pick.entry.id == expected
    assert (f"{ram_gib} GB RAM" if ram_gib else "8 GB RAM (assumed)") in pick.reason


@pytest.mark.parametrize(("ram_gib", "cores", "expected"), [
    (8, 1, "smollm2-135m"),  # one core: even the 0.5B model is estimated at ~12 tokens/s
    (8, 2, "qwen2.5-0.5b"),  # the 2-core laptop: RAM alone would pick the 1.5B (~10 tokens/s estimated)
    (8, 4, "qwen2.5-1.5b"),
    (16, 8, "qwen2.5-1.5b"),  # 8 cores: the engine uses 4 threads; the 3B would be ~11 tokens/s
    (16, 16, "llama3.2-3b"),
    (8, None, "qwen2.5-0.5b"),  # unknown cores count as 2
])
def test_without_a_gpu_the_recommendation_stays_usable_on_the_cores_there_are(
    ram_gib: int, cores: int | None, expected: str
) -> None:
    catalog = load_catalog()
    pick = recommend(Hardware(ram_gib * GIB, None, cores), catalog)
    assert pick.entry.id == expected
    assert "fast" not in pick.reason  # nothing promises speed it cannot keep
    assert f"{cores or 2} CPU core" in pick.reason and ("(assumed)" in pick.reason) == (cores is None)
    if not pick.entry.bundled:
        assert cpu_tokens_per_s(pick.entry, cores or 2) >= MIN_TOKENS_PER_S
        assert "tokens/s estimated" in pick.reason


def test_more_cores_never_recommend_a_smaller_model() -> None:
    catalog = load_catalog()
    sizes = [recommend(Hardware(16 * GIB, None, cores), catalog).entry.size_bytes for cores in range(1, 33)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


# --- downloading ---------------------------------------------------------------------------------


def test_download_reports_progress_to_the_total_and_verifies_the_sha256(
    fake_hub: FakeHub, tiny: Path, entry: CatalogEntry, small_chunks: None, guard: None
) -> None:
    fake_hub.add(REPO, FILE, tiny)
    calls: list[tuple[int, int]] = []
    result = download(entry, models_dir(), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (entry.size_bytes, entry.size_bytes) and len(calls) >= 4
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert (result.verified, result.sha256, result.downloaded) == ("sha256", entry.sha256, True)
    assert result.path == models_dir() / FILE and result.info.name == "tiny-test"
    assert files_under(models_dir()) == [FILE]  # no staging folder, no huggingface_hub metadata left
    [get] = fake_hub.gets()
    assert f"/resolve/{COMMIT}/" in get.path  # pinned to the catalog's revision
    assert not any("authorization" in {k.lower() for k in r.headers} for r in fake_hub.requests)


def test_app_download_runs_inside_an_egress_permit(fake_hub: FakeHub, tiny: Path, entry: CatalogEntry,
                                                   guard: None) -> None:
    fake_hub.add(REPO, FILE, tiny)
    permitted: list[bool] = []
    result = app_models.download_model("tiny", lambda d, t: permitted.append(egress.is_permitted()),
                                       entries=[entry])
    assert permitted and all(permitted) and not egress.is_permitted()
    assert result.path.is_file() and egress.blocked_attempts() == []


def test_an_installed_verified_file_is_not_downloaded_again(fake_hub: FakeHub, tiny: Path,
                                                            entry: CatalogEntry) -> None:
    fake_hub.add(REPO, FILE, tiny)
    assert download(entry, models_dir()).downloaded
    before = len(fake_hub.requests)
    again = download(entry, models_dir())
    assert not again.downloaded and again.sha256 == entry.sha256 and len(fake_hub.requests) == before


def test_bytes_that_fail_the_sha256_are_deleted(fake_hub: FakeHub, tiny: Path, entry: CatalogEntry,
                                                tmp_path: Path) -> None:
    # A mirror that advertises the right hash but serves other bytes of the same size.
    fake_hub.add(REPO, FILE, tampered_copy(tiny, tmp_path / "tampered.gguf"), etag=entry.sha256)
    with pytest.raises(ChecksumMismatch, match="SHA-256") as info:
        download(entry, models_dir())
    assert "nothing was installed" in str(info.value) and info.value.hint
    assert len(fake_hub.gets()) == 1 and files_under(models_dir()) == []


def test_a_hub_file_that_is_not_the_catalogs_is_refused_before_downloading(
    fake_hub: FakeHub, tiny: Path, entry: CatalogEntry, tmp_path: Path
) -> None:
    fake_hub.add(REPO, FILE, tampered_copy(tiny, tmp_path / "other.gguf"))  # honest hub, different file
    with pytest.raises(ChecksumMismatch, match="Nothing was downloaded"):
        download(entry, models_dir())
    fake_hub.add(REPO, FILE, tiny, size=entry.size_bytes + 1)
    with pytest.raises(ChecksumMismatch, match="bytes"):
        download(entry, models_dir())
    assert fake_hub.gets() == [] and not models_dir().exists()


def test_without_a_catalog_sha256_only_the_size_is_checked(fake_hub: FakeHub, tiny: Path,
                                                           entry: CatalogEntry) -> None:
    fake_hub.add(REPO, FILE, tiny)
    result = download(replace(entry, sha256=""), models_dir())
    assert result.verified == "size" and result.sha256 == entry.sha256


def test_the_cdn_redirect_of_the_real_hub_is_followed(tiny: Path, entry: CatalogEntry,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    hub = FakeHub(mode="cdn").start()
    try:
        hub.add(REPO, FILE, tiny)
        assert download(entry, models_dir(), endpoint=hub.endpoint).verified == "sha256"
        assert [r.path for r in hub.gets()] == [f"/cdn/{entry.sha256}"]
    finally:
        hub.stop()


def test_cancelling_mid_download_leaves_nothing_behind(fake_hub: FakeHub, tiny: Path, entry: CatalogEntry,
                                                       small_chunks: None) -> None:
    fake_hub.add(REPO, FILE, tiny)
    token, calls = CancelToken(), []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        token.cancel()

    with pytest.raises(Cancelled):
        download(entry, models_dir(), progress=progress, cancel=token)
    assert calls == [64 * 1024] and not models_dir().exists()


def test_a_file_missing_on_the_hub_is_a_clear_failure(fake_hub: FakeHub, tiny: Path, entry: CatalogEntry) -> None:
    fake_hub.add(REPO, "another.gguf", tiny)
    with pytest.raises(DownloadFailed, match="no longer has") as info:
        download(entry, models_dir())
    assert not isinstance(info.value, DownloadOffline) and not models_dir().exists()


# --- offline and the egress guard ----------------------------------------------------------------


def test_offline_mode_refuses_before_any_connection(entry: CatalogEntry) -> None:
    # The suite sets HF_HUB_OFFLINE=1 for every test (conftest).
    with pytest.raises(DownloadOffline, match="Nothing was changed"):
        download(entry, models_dir(), endpoint="http://192.0.2.1:9")
    assert not models_dir().exists()


def test_an_unreachable_hub_means_offline_and_nothing_changes(entry: CatalogEntry,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(DownloadOffline) as info:
        download(entry, models_dir(), endpoint=f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 5  # no back-off retries
    assert "offline" in str(info.value) and "Nothing was changed" in str(info.value)
    assert not models_dir().exists()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # huggingface_hub's own offline mode
    with pytest.raises(DownloadOffline, match="offline"):
        download(entry, models_dir(), endpoint=f"http://127.0.0.1:{port}")


def test_a_download_outside_the_permit_cannot_reach_a_remote_hub(
    entry: CatalogEntry, guard: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", "http://192.0.2.1:9")  # TEST-NET-1: nothing real
    started = time.monotonic()
    with pytest.raises(EgressBlocked):
        download(entry, models_dir())
    assert time.monotonic() - started < 5
    assert {a.target for a in egress.blocked_attempts()} & {"192.0.2.1", "192.0.2.1:9"}
    assert not models_dir().exists()


# --- choosing the model --------------------------------------------------------------------------


def test_use_model_makes_the_engine_host_load_it(tiny: Path, entry: CatalogEntry,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    models_dir().mkdir(parents=True)
    installed = Path(shutil.copy(tiny, models_dir() / FILE))
    choice = app_models.use_model("tiny", entries=[entry])
    assert (choice.path, choice.source) == (installed.resolve(), "setting")
    assert f'model = "{installed.resolve()}"' in app_models.settings_path().read_text()
    assert EngineHost().choice() == choice
    assert EngineHost("/explicit.gguf").choice().path == Path("/explicit.gguf")
    monkeypatch.setenv("INHOUSE_MODEL", str(tiny))
    assert EngineHost().choice().source == "INHOUSE_MODEL"
    monkeypatch.delenv("INHOUSE_MODEL")
    assert app_models.use_model("smollm2-135m").source == "starter"  # the bundled default: no setting
    assert app_models.configured_model() is None and EngineHost().choice().source == "starter"


def test_use_model_refuses_what_it_cannot_load(tmp_path: Path, entry: CatalogEntry) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(ModelCorrupt):
        app_models.use_model(str(text))
    with pytest.raises(ModelMissing, match="not installed") as info:
        app_models.use_model("tiny", entries=[entry])
    assert "inhouse models download tiny" in info.value.hint
    with pytest.raises(ModelUnknown):
        app_models.use_model("no-such-model")
    assert not app_models.settings_path().exists()


def test_a_broken_or_stale_setting_falls_back_to_the_starter(tmp_path: Path) -> None:
    settings = app_models.settings_path()
    settings.parent.mkdir(parents=True)
    settings.write_text(f'model = "{tmp_path / "deleted.gguf"}"\n')
    assert app_models.configured_model() is None
    settings.write_text("model = [unclosed\n")
    assert app_models.configured_model() is None and EngineHost().choice().source == "starter"
    with pytest.raises(app_models.SettingsInvalid):
        app_models.use_model("smollm2-135m")


# --- the command line ----------------------------------------------------------------------------


def test_models_list_json_shows_the_catalog_and_the_active_model(tiny: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("list", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in data["models"]] == [e.id for e in load_catalog()]
    assert data["active"]["source"] == "starter" and data["active"]["id"] == "smollm2-135m"
    assert [m["id"] for m in data["models"] if m["active"]] == ["smollm2-135m"]
    assert [m["id"] for m in data["models"] if m["recommended"]] == [data["recommended"]["id"]]
    assert data["hardware"]["ram_bytes"] > 0 and data["hardware"]["cores"] >= 1 and data["other_files"] == []

    models_dir().mkdir(parents=True)
    mine = Path(shutil.copy(tiny, models_dir() / "my-finetune.gguf"))
    assert cli("use", str(mine)) == 0
    capsys.readouterr()
    assert cli("list", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["active"] == {"path": str(mine.resolve()), "source": "setting", "id": None}
    assert data["other_files"] == [{"path": str(mine), "size_bytes": mine.stat().st_size, "active": True}]
    assert not any(m["active"] for m in data["models"])
    assert cli("list") == 0
    assert "my-finetune.gguf" in capsys.readouterr().out


def test_cli_download_of_the_real_starter_file_then_remove(
    fake_hub: FakeHub, starter_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    starter = find_entry("smollm2-135m")
    fake_hub.add(starter.repo_id, starter.filename, starter_model_path, revision=starter.revision)
    assert cli("download", "smollm2-135m") == 0
    out, err = capsys.readouterr()
    assert "SHA-256 verified" in out and "\r" not in err  # no progress bar when stderr is not a terminal
    downloaded = models_dir() / starter.filename
    assert downloaded.stat().st_size == starter.size_bytes
    assert f"/resolve/{starter.revision}/" in fake_hub.gets()[0].path
    assert cli("list", "--json") == 0
    row = next(m for m in json.loads(capsys.readouterr().out)["models"] if m["id"] == "smollm2-135m")
    assert row["path"] == str(downloaded)
    assert cli("remove", "smollm2-135m") == 0
    assert not downloaded.exists()
    with pytest.raises(ModelMissing):
        cli("remove", "../../etc/passwd.gguf")


def test_removing_the_active_model_clears_the_setting(tiny: Path) -> None:
    models_dir().mkdir(parents=True)
    mine = Path(shutil.copy(tiny, models_dir() / "mine.gguf"))
    app_models.use_model(str(mine))
    assert app_models.configured_model() == str(mine.resolve())
    assert app_models.remove_model("mine.gguf") == mine and not mine.exists()
    assert app_models.configured_model() is None and "model" not in app_models.settings_path().read_text()
