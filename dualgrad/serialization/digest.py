"""SHA-256 digests that bind a tensor's bytes to its name, dtype and shape, and a digest of a
JSON document in canonical form; used to refuse swapped, duplicated or flipped entries."""
from __future__ import annotations

import hashlib
import json
import struct

import numpy as np

from .safetensors import DTYPES, dtype_code


def _field(h, data: bytes) -> None:
    h.update(struct.pack("<Q", len(data)))
    h.update(data)


def tensor_digest(name: str, array: np.ndarray) -> str:
    """sha256 over (name, dtype, shape, little-endian bytes), each length-prefixed."""
    code = dtype_code(array.dtype)
    h = hashlib.sha256(b"dualgrad-tensor-v1\0")
    _field(h, name.encode("utf-8", "surrogatepass"))
    _field(h, code.encode())
    _field(h, struct.pack(f"<{array.ndim}Q", *array.shape))
    h.update(np.asarray(array, DTYPES[code], order="C").reshape(-1).view(np.uint8))
    return h.hexdigest()


def canonical(document) -> bytes:
    """One byte string per JSON value: sorted keys, no spaces, ASCII only."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode()


def document_digest(kind: str, document) -> str:
    """sha256 of `document` in canonical form, separated by `kind` from other digests."""
    return hashlib.sha256(f"dualgrad-{kind}\0".encode() + canonical(document)).hexdigest()


def is_hex_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
