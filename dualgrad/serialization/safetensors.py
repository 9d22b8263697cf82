"""The safetensors container (https://github.com/huggingface/safetensors), read and written
natively: no pickle, no new dependency, and a reader that trusts nothing in the file.

Layout: 8 bytes little-endian `N`, then `N` bytes of UTF-8 JSON
`{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}`
(padded with spaces to a multiple of 8), then the raw little-endian bytes of every tensor,
contiguous, without holes, offsets relative to the end of the header.

`read` checks, before allocating anything: the header length against the file size and
100 MB, the JSON's size and depth, the dtype against a whitelist, that every
shape x itemsize equals its byte range, and that the ranges tile the data exactly. Every
refusal is a `CheckpointError` naming the file and the reason.
"""
from __future__ import annotations

import json
import math
import os
import struct
import sys

import numpy as np

from ..errors import CheckpointError
from . import bounded_json
from .files import readinto_exact

MAX_HEADER = 100_000_000  # the limit of the reference implementation
MAX_RANK = 64
METADATA = "__metadata__"
DTYPES = {
    "BOOL": np.dtype("?"), "U8": np.dtype("u1"), "I8": np.dtype("i1"), "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"), "F16": np.dtype("<f2"), "I32": np.dtype("<i4"), "U32": np.dtype("<u4"),
    "F32": np.dtype("<f4"), "I64": np.dtype("<i8"), "U64": np.dtype("<u8"), "F64": np.dtype("<f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in DTYPES.items()} | {
    dt: code for code, dt in DTYPES.items()}


def dtype_code(dtype: np.dtype) -> str:
    """The safetensors name of a numpy dtype ('F32'); TypeError for one it cannot hold."""
    code = _CODES.get(np.dtype(dtype))
    if code is None:
        raise TypeError(f"safetensors cannot hold arrays of dtype {np.dtype(dtype)}")
    return code


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> list[memoryview]:
    """The byte chunks (length, header, each tensor's data) of a safetensors file of `tensors`."""
    arrays = {}
    for name, a in tensors.items():
        if not isinstance(name, str) or name == METADATA:
            raise TypeError(f"a safetensors tensor name must be a str other than {METADATA!r}, "
                            f"got {name!r}")
        a = np.asarray(a)
        code = dtype_code(a.dtype)
        arrays[name] = (code, np.asarray(a, DTYPES[code], order="C"))
    # larger items first, then by name: every tensor stays aligned to its itemsize (as the
    # reference writer does)
    order = sorted(arrays, key=lambda n: (-arrays[n][1].itemsize, n))
    header, offset = {}, 0
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata must map str to str")
        header[METADATA] = dict(metadata)
    for name in order:
        code, a = arrays[name]
        header[name] = {"dtype": code, "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return [memoryview(struct.pack("<Q", len(text)) + text),
            *(memoryview(arrays[n][1].reshape(-1).view(np.uint8)) for n in order)]


def _entry(path: str, name, spec) -> tuple[str, np.dtype, tuple, int, int]:
    where = f"{path}: tensor {name!r}"
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"{where} must have exactly dtype, shape and data_offsets")
    dtype = DTYPES.get(spec["dtype"]) if isinstance(spec["dtype"], str) else None
    if dtype is None:
        raise CheckpointError(f"{where} has unsupported dtype {spec['dtype']!r} "
                              f"(supported: {', '.join(DTYPES)})")
    shape, offsets = spec["shape"], spec["data_offsets"]
    if (not isinstance(shape, list) or len(shape) > MAX_RANK
            or not all(type(d) is int and d >= 0 for d in shape)):
        raise CheckpointError(f"{where} has an invalid shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int for o in offsets) or not 0 <= offsets[0] <= offsets[1]):
        raise CheckpointError(f"{where} has invalid data_offsets {offsets!r}")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != offsets[1] - offsets[0]:
        raise CheckpointError(f"{where}: shape {tuple(shape)} x {dtype.itemsize} bytes is {nbytes} "
                              f"bytes but its data_offsets span {offsets[1] - offsets[0]}")
    return name, dtype, tuple(shape), offsets[0], offsets[1]


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def read(fd: int, size: int, path: str, hasher=None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """({name: array}, metadata) of the safetensors file open as `fd` (`size` bytes long).

    `hasher` (a hashlib object), if given, is fed every byte of the file in order, so a caller
    can check a digest of the whole file without reading it twice.
    """
    if size < 8:
        raise CheckpointError(f"{path}: is {size} bytes, too short for a safetensors header")
    head = bytearray(8)
    readinto_exact(fd, memoryview(head), path)
    (n,) = struct.unpack("<Q", head)
    if n > min(MAX_HEADER, size - 8):
        raise CheckpointError(f"{path}: header declares {n} bytes but the file has {size - 8} after "
                              f"the length (limit {MAX_HEADER})")
    raw = bytearray(n)
    readinto_exact(fd, memoryview(raw), path)
    if hasher is not None:
        hasher.update(head)
        hasher.update(raw)
    if not raw.startswith(b"{"):
        raise CheckpointError(f"{path}: is not a safetensors file (its header is not a JSON object)")
    header = bounded_json.loads(bytes(raw), f"{path} (safetensors header)", max_bytes=MAX_HEADER,
                                max_depth=3)
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: safetensors header is not a JSON object")
    metadata = header.pop(METADATA, None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{path}: safetensors __metadata__ must map str to str")
    entries = sorted((_entry(path, name, spec) for name, spec in header.items()),
                     key=lambda e: (e[3], e[4]))
    end = 0
    for name, _, _, begin, stop in entries:
        if begin != end:
            raise CheckpointError(f"{path}: tensor {name!r} starts at byte {begin}, expected {end} "
                                  "(tensors overlap or leave a hole)")
        end = stop
    if end != size - 8 - n:
        raise CheckpointError(f"{path}: tensors hold {end} bytes but the file has {size - 8 - n} "
                              "after the header (truncated or padded)")
    memory = _physical_memory()
    if memory is not None and end > memory:
        raise CheckpointError(f"{path}: holds {end} bytes of tensors, more than this machine's "
                              f"{memory} bytes of memory")
    out = {}
    try:
        for name, dtype, shape, _, _ in entries:
            a = np.empty(shape, dtype)
            raw_bytes = a.reshape(-1).view(np.uint8)
            readinto_exact(fd, memoryview(raw_bytes), path)
            if hasher is not None:
                hasher.update(raw_bytes)
            if dtype.kind == "b" and raw_bytes.size and raw_bytes.max() > 1:
                raise CheckpointError(f"{path}: tensor {name!r} is BOOL but holds bytes other than 0/1")
            out[name] = a if sys.byteorder == "little" else a.astype(dtype.newbyteorder("="))
    except MemoryError:
        raise CheckpointError(f"{path}: not enough memory for {end} bytes of tensors") from None
    return out, metadata

