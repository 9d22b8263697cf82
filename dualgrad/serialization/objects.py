"""`dg.save(obj, path)` / `dg.load(path)`: tensors, state dicts and optimizer state in the
safetensors format, so loading an untrusted file can never run code (no pickle).

Tensors (and numpy arrays) become the file's tensors; a flat `{str: Tensor}` dict keeps its
keys as tensor names, so other safetensors readers (`safetensors.torch.load_file`) see a
plain state dict. Everything else (nesting, int keys, tuples, Python numbers, strings, None)
is described by a JSON structure in the header's `__metadata__`, with a SHA-256 over the
structure and every tensor's name-bound digest; `load` refuses a file whose digest does not
match. A file without our structure (written by another tool) loads as `{name: Tensor}`.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np

from ..errors import CheckpointError, DualgradError
from . import bounded_json
from . import safetensors as st
from .digest import canonical, document_digest, tensor_digest
from .files import open_regular, temp_name, write_new

STRUCTURE = "dualgrad.structure"
DIGEST = "dualgrad.sha256"
MAX_DEPTH = 100


class _Flattener:
    """Turns a nested object into a JSON structure plus {tensor name: array}."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path: str) -> str:
        name, n = path or "tensor", 1
        while name in self.arrays or name == st.METADATA:
            name, n = f"{path or 'tensor'}#{n}", n + 1
        return name

    def add(self, obj, path: str, depth: int):
        from ..eager.tensor import Tensor

        if depth > MAX_DEPTH:
            raise ValueError(f"dg.save: object nested deeper than {MAX_DEPTH} levels at {path!r} "
                             "(a container that contains itself?)")
        device = None
        if isinstance(obj, Tensor):
            kind, array = "tensor", np.asarray(obj.detach())
            device = str(obj.device)
        elif isinstance(obj, np.ndarray):
            kind, array = "ndarray", obj
        elif isinstance(obj, np.generic):
            kind, array = "npscalar", np.asarray(obj)
        else:
            return self._plain(obj, path, depth)
        try:
            st.dtype_code(array.dtype)
        except TypeError as e:
            raise TypeError(f"dg.save: {path or 'the object'}: {e}") from None
        name = self._name(path)
        self.arrays[name] = array
        if device is not None and device != "cpu":  # loaded back there, as torch.load does
            return {"tensor_on": [name, device]}
        return {kind: name}

    def _plain(self, obj, path: str, depth: int):
        if obj is None:
            return {"none": None}
        if isinstance(obj, bool):
            return {"bool": obj}
        if isinstance(obj, int):
            return {"int": int(obj)}
        if isinstance(obj, float):
            return {"float": float(obj).hex()}
        if isinstance(obj, str):
            return {"str": obj}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [self.add(v, f"{path}.{i}" if path else str(i), depth + 1)
                           for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"dg.save: dict keys must be str or int, got {k!r} at {path!r}")
                sub = f"{path}.{k}" if path else str(k)
                items.append(["int" if isinstance(k, int) else "str", k, self.add(v, sub, depth + 1)])
            return {"dict": items}
        raise TypeError(f"dg.save cannot store {type(obj).__name__} (at {path or 'the top'}): it "
                        "stores tensors, numpy arrays, dicts, lists, tuples, str, int, float, bool "
                        "and None (no pickle)")


def _digest(structure, arrays: dict[str, np.ndarray]) -> str:
    return document_digest("save", {"structure": structure,
                                    "tensors": {k: tensor_digest(k, a) for k, a in arrays.items()}})


def save(obj, f) -> None:
    """Write `obj` to the path `f` in the safetensors format (atomically: a temporary file in
    the same directory is renamed over `f` once it is complete)."""
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"dg.save takes a file path, got {type(f).__name__} (file objects are not "
                        "supported)")
    flat = _Flattener()
    structure = flat.add(obj, "", 0)
    metadata = {STRUCTURE: canonical(structure).decode(), DIGEST: _digest(structure, flat.arrays)}
    chunks = st.encode(flat.arrays, metadata)
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, temp_name(os.path.basename(path)))
    try:
        write_new(tmp, chunks)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _Builder:
    """Rebuilds the object a structure describes; every tensor must be used exactly once."""

    def __init__(self, path: str, arrays: dict[str, np.ndarray], make_tensor):
        self.path, self.arrays, self.make_tensor, self.used = path, arrays, make_tensor, set()

    def refuse(self, reason: str):
        raise CheckpointError(f"{self.path}: {reason}")

    def build(self, node):
        if not isinstance(node, dict) or len(node) != 1:
            self.refuse(f"invalid structure node {str(node)[:100]}")
        (kind, value), = node.items()
        if kind == "tensor_on":  # a tensor saved from a device other than the cpu: [name, device]
            if (not isinstance(value, list) or len(value) != 2
                    or not all(isinstance(v, str) for v in value)):
                self.refuse(f"invalid structure node {str(node)[:100]}")
            return self.make_tensor(self._take(value[0]), self.arrays[value[0]], value[1])
        if kind in ("tensor", "ndarray", "npscalar"):
            a = self.arrays[self._take(value)]
            return self.make_tensor(value, a) if kind == "tensor" else (a if kind == "ndarray" else a[()])
        if kind == "none" and value is None:
            return None
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and type(value) is int:
            return value
        if kind == "float" and isinstance(value, str):
            try:
                return float.fromhex(value)
            except (ValueError, OverflowError):
                self.refuse(f"invalid float {value[:40]!r}")
        if kind == "str" and isinstance(value, str):
            return value
        if kind in ("list", "tuple") and isinstance(value, list):
            items = [self.build(v) for v in value]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(value, list):
            out = {}
            for item in value:
                if (not isinstance(item, list) or len(item) != 3
                        or (item[0], type(item[1])) not in (("str", str), ("int", int))):
                    self.refuse(f"invalid dict item {str(item)[:100]}")
                if item[1] in out:
                    self.refuse(f"dict key {item[1]!r} appears twice")
                out[item[1]] = self.build(item[2])
            return out
        self.refuse(f"invalid structure node {str(node)[:100]}")

    def _take(self, name) -> str:
        """`name`, a tensor of the file that no other node has used."""
        if not isinstance(name, str) or name not in self.arrays or name in self.used:
            self.refuse(f"structure names tensor {str(name)[:100]!r}, which is missing or named twice")
        self.used.add(name)
        return name


def _tensor_maker(path: str, map_location):
    from .. import dtypes
    from ..eager.creation import from_numpy, tensor

    def make(name: str, a: np.ndarray, saved_on: str = "cpu"):
        try:
            dtypes.from_numpy_dtype(a.dtype)
        except TypeError:
            raise CheckpointError(f"{path}: tensor {name!r} has dtype {a.dtype}, which dualgrad "
                                  "tensors cannot hold") from None
        device = saved_on if map_location is None else map_location
        if device == "cpu":
            return from_numpy(a)
        try:
            return tensor(a, device=device)
        except DualgradError as e:
            if map_location is not None:
                raise
            raise CheckpointError(f"{path}: tensor {name!r} was saved on device {device[:40]!r}, which "
                                  f"this process cannot place it on ({e}); load it elsewhere with "
                                  "map_location='cpu'") from None

    return make


def load(f, map_location=None, *, weights_only: bool = True):
    """Read what `dg.save` wrote (or any safetensors file, as `{name: Tensor}`).

    Only a regular file is read (a link is followed to one; a FIFO, device or directory is
    refused without blocking); sizes are checked before allocating; the structure's digest
    is verified. Every refusal is a `CheckpointError` naming the file and the reason.
    Tensors come back on the device they were saved from (as torch.load), or on
    `map_location`. `weights_only` is accepted for PyTorch's signature; loading never runs
    code whatever it says.
    """
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"dg.load takes a file path, got {type(f).__name__} (file objects are not "
                        "supported)")
    path = os.fspath(f)
    fd, size = open_regular(path, follow_symlinks=True)
    try:
        arrays, metadata = st.read(fd, size, path)
    finally:
        os.close(fd)
    make = _tensor_maker(path, map_location)
    if STRUCTURE not in metadata:
        if DIGEST in metadata:
            raise CheckpointError(f"{path}: has a dualgrad digest but no structure (altered)")
        return {name: make(name, a) for name, a in arrays.items()}
    structure = bounded_json.loads(metadata[STRUCTURE].encode("utf-8", "surrogatepass"),
                                   f"{path} (structure)", max_bytes=st.MAX_HEADER,
                                   max_depth=2 * MAX_DEPTH + 4)
    if metadata.get(DIGEST) != _digest(structure, arrays):
        raise CheckpointError(f"{path}: its SHA-256 does not match its structure and tensors "
                              "(the file was altered or damaged)")
    builder = _Builder(path, arrays, make)
    obj = builder.build(structure)
    if builder.used != set(arrays):
        raise CheckpointError(f"{path}: holds tensors its structure does not name: "
                              f"{sorted(set(arrays) - builder.used)[:10]}")
    return obj
