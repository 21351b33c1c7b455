"""Bad input gets a clear message, never a traceback (issue #9 part 6): caches, schemas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from inference.embedding import EmbeddingCache
from inference.errors import SchemaUnsupported
from inference.tasks.extract import check_schema


def _nested(depth: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"inner": schema}}
    return schema


@pytest.mark.parametrize("damage", ["truncated", "garbage", "bad-crc"])
def test_a_damaged_embedding_cache_is_only_lost_time(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "embeddings.npz"
    np.savez(path, keys=np.array(["a" * 64, "b" * 64], dtype="U64"), vectors=np.ones((2, 4), dtype=np.float32))
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    else:  # flip bytes inside the stored vectors: the zip's CRC no longer matches
        middle = data.index(b"\x00\x00\x80?")
        path.write_bytes(data[:middle] + b"\x01\x02\x03\x04" + data[middle + 4:])
    cache = EmbeddingCache(path, dim=4)
    assert len(cache) in (0, 2)
    cache.put("c" * 64, np.zeros(4, dtype=np.float32))
    cache.save()  # overwrites the damaged file
    assert len(EmbeddingCache(path, dim=4)) >= 1


def test_a_schema_nested_300_deep_is_refused_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SchemaUnsupported, match="nested more than"):
        check_schema(_nested(300))
    schema = tmp_path / "deep.json"
    schema.write_text(json.dumps(_nested(300)))
    assert main(["extract", "--schema", str(schema), "some text"]) == 1
    err = capsys.readouterr().err
    assert "nested more than" in err and "Traceback" not in err


def test_an_unanchored_pattern_is_refused_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unanchored = {"type": "object", "properties": {"code": {"type": "string", "pattern": "[A-Z]{2}[0-9]{4}"}}}
    schema = tmp_path / "pattern.json"
    schema.write_text(json.dumps(unanchored))
    assert main(["extract", "--schema", str(schema), "order AB1234"]) == 1
    err = capsys.readouterr().err
    assert "must start with ^" in err and "Anchor the pattern" in err
    anchored = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{4}$"}}}
    assert check_schema(anchored) == anchored
    named = {"type": "object", "properties": {"pattern": {"type": "string"}}}  # a property called "pattern"
    assert check_schema(named) == named
