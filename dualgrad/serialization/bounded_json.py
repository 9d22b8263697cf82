"""JSON from untrusted files with bounds: size, nesting depth, no duplicate keys, no NaN.

`json.loads` recurses once per nesting level, so 100,000 `[` raise a raw RecursionError;
the depth is measured first (strings removed by one regex, then a cumulative sum over the
brackets, both in C) and refused above `max_depth`.
"""
from __future__ import annotations

import json
import re

import numpy as np

from ..errors import CheckpointError

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def nesting_depth(raw: bytes) -> int:
    """The deepest bracket nesting of `raw` outside strings (an upper bound for bad JSON)."""
    skeleton = np.frombuffer(_STRING.sub(b"", raw), np.uint8)
    if skeleton.size == 0:
        return 0
    return int(np.cumsum(_OPEN[skeleton], dtype=np.int64).max(initial=0))


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def loads(raw: bytes, what: str, *, max_bytes: int, max_depth: int):
    """Parse `raw` as strict JSON; any refusal is a CheckpointError naming `what`."""
    if len(raw) > max_bytes:
        raise CheckpointError(f"{what}: {len(raw)} bytes of JSON, more than the {max_bytes} allowed")
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise CheckpointError(f"{what}: JSON nested {depth} deep, more than the {max_depth} allowed")
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{what}: is not valid JSON ({e})") from None
