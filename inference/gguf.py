"""Check a GGUF file before llama.cpp sees it.

llama.cpp reports a bad file with a bare failure (or worse, crashes on some truncations), so we read the
header, the metadata and the tensor table ourselves and check that the file is as long as its tensors
need. What we can say about a file: it is missing, it is not a GGUF, or it is truncated / corrupt.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from inference.errors import ModelCorrupt, ModelMissing

GGUF_MAGIC = b"GGUF"
_MAX_COUNT = 10_000_000  # sanity bound on metadata / tensor counts in a corrupt header

# ggml type id -> (elements per block, bytes per block); from ggml.h / ggml.c type traits.
_TYPE_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110),
    22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
    29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17),
}
# metadata value type -> struct format for fixed-size scalars
_SCALARS: dict[int, str] = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
                            11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_LENGTH = struct.Struct("<Q")  # a string's byte length


@dataclass(frozen=True)
class GgufInfo:
    path: Path
    version: int
    n_tensors: int
    size_bytes: int
    expected_bytes: int | None  # None when a tensor type is unknown to us (size not checked)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if isinstance(value, int) else None


class _Reader:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.size = fh, size

    def read(self, n: int) -> bytes:
        data = self.fh.read(n)
        if len(data) != n:
            raise ModelCorrupt(f"{self.fh.name}: the file ends inside its header (truncated download?)")
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def count(self, what: str) -> int:
        n = int(self.unpack("<Q"))
        if n > _MAX_COUNT or n > self.size:
            raise ModelCorrupt(f"{self.fh.name}: implausible {what} count {n} in the header (corrupt file)")
        return n

    def string(self) -> str:
        n = self.count("string length")
        return self.read(n).decode("utf-8", errors="replace")

    def skip_strings(self, n: int) -> None:
        """Step over ``n`` strings without decoding them: the tokens and merges (~100k strings) cost ~20 ms
        this way against ~0.3 s one read at a time, on every start-up (#11)."""
        start, unpack = self.fh.tell(), _LENGTH.unpack_from
        with mmap.mmap(self.fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
            pos = start
            for _ in range(n):
                if pos + _LENGTH.size > self.size:
                    break
                pos += _LENGTH.size + unpack(view, pos)[0]
            else:
                if pos <= self.size:
                    self.fh.seek(pos)
                    return
        raise ModelCorrupt(f"{self.fh.name}: the file ends inside its header (truncated download?)")

    def value(self, vtype: int, keep: bool) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type = int(self.unpack("<I"))
            n = self.count("array length")
            if item_type in _SCALARS and not keep:  # skip big arrays (the vocabulary) in one seek
                self.fh.seek(n * struct.calcsize(_SCALARS[item_type]), 1)
                return None
            if item_type == _STRING and not keep:
                self.skip_strings(n)
                return None
            items = [self.value(item_type, keep) for _ in range(n)]
            return items if keep else None
        raise ModelCorrupt(f"{self.fh.name}: unknown metadata value type {vtype} (corrupt file)")


def _tensor_bytes(ggml_type: int, dims: list[int]) -> int | None:
    if ggml_type not in _TYPE_SIZES:
        return None
    block, nbytes = _TYPE_SIZES[ggml_type]
    n = 1
    for d in dims:
        n *= d
    return (n // block) * nbytes


def inspect_gguf(path: Path) -> GgufInfo:
    """Read and check a GGUF file's header; raise ModelMissing / ModelCorrupt with a clear reason."""
    path = Path(path)
    if not path.is_file():
        raise ModelMissing(f"Model file not found: {path}")
    size = path.stat().st_size
    with path.open("rb") as fh:
        if fh.read(4) != GGUF_MAGIC:
            raise ModelCorrupt(f"{path} is not a GGUF model file (wrong magic bytes): corrupt model")
        r = _Reader(fh, size)
        version = int(r.unpack("<I"))
        if version not in (1, 2, 3):
            raise ModelCorrupt(f"{path}: unsupported GGUF version {version} (corrupt model?)")
        n_tensors, n_kv = r.count("tensor"), r.count("metadata")
        metadata: dict[str, Any] = {}
        for _ in range(n_kv):
            key = r.string()
            vtype = int(r.unpack("<I"))
            value = r.value(vtype, keep=vtype != _ARRAY)
            if value is not None:
                metadata[key] = value
        expected = _expected_size(r, n_tensors, int(metadata.get("general.alignment", 32)))
    if expected is not None and size < expected:
        raise ModelCorrupt(
            f"{path} is truncated or corrupt: it has {size:,} bytes but its tensors need {expected:,}"
        )
    return GgufInfo(path, version, n_tensors, size, expected, metadata)


def _expected_size(r: _Reader, n_tensors: int, alignment: int) -> int | None:
    end = 0
    known = True
    for _ in range(n_tensors):
        r.string()
        n_dims = int(r.unpack("<I"))
        if n_dims > 8:
            raise ModelCorrupt(f"{r.fh.name}: implausible tensor rank {n_dims} (corrupt model)")
        dims = [int(r.unpack("<Q")) for _ in range(n_dims)]
        ggml_type = int(r.unpack("<I"))
        offset = int(r.unpack("<Q"))
        nbytes = _tensor_bytes(ggml_type, dims)
        if nbytes is None:
            known = False
            continue
        end = max(end, offset + nbytes)
    header_end = r.fh.tell()
    alignment = alignment if alignment > 0 else 32
    data_start = (header_end + alignment - 1) // alignment * alignment
    return data_start + end if known else None
