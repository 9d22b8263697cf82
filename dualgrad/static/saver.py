"""`ds.train.Saver`: checkpoints without pickle.

A checkpoint at prefix `p` is two files: `p.npz` (one array per variable, read back with
`allow_pickle=False`, so loading can never run code) and `p.index.json` (format version,
variable names, shapes, dtypes, array keys, and the SHA-256 and size of the `.npz`). Each is
written to a temporary file in the same directory and renamed into place, so a crash never
leaves a half-written checkpoint under the real name. `restore` checks the index, the digest,
and every name, shape and dtype against the graph before it changes anything.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from .. import dtypes
from ..errors import DualgradError
from .variables import Variable, global_variables

FORMAT = "dualgrad-checkpoint"
VERSION = 1


class CheckpointError(DualgradError, ValueError):
    """A checkpoint that is missing, truncated, altered, or does not match the graph."""


def _atomic_write(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Saver:
    """Save and restore variable values of a session (TF1's `tf.train.Saver`).

    `var_list` (a list of variables or a dict name -> variable) defaults to the global
    variables that exist when the Saver is made, as in TF1.
    """

    def __init__(self, var_list=None, max_to_keep: int = 5, **kwargs):
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {}
            for v in var_list:
                if not isinstance(v, Variable):
                    raise TypeError(f"Saver takes ds.Variables, got {type(v).__name__}")
                self._vars[v.op.name] = v
        if not self._vars:
            raise ValueError("No variables to save")
        self.max_to_keep = max_to_keep
        self._kept: list[str] = []

    def save(self, sess, save_path: str, global_step=None, **kwargs) -> str:
        """Write the values of the variables to `save_path` (+ `-step`); return the prefix."""
        if global_step is not None:
            step = int(sess.run(global_step) if not isinstance(global_step, (int, np.integer))
                       else global_step)
            save_path = f"{save_path}-{step}"
        values = sess.get_values(self._vars.values())
        missing = [n for n, v in self._vars.items() if v not in values]
        if missing:
            raise CheckpointError(f"Attempting to save uninitialized variables: {missing}")
        entries, arrays = [], {}
        for i, (name, var) in enumerate(sorted(self._vars.items())):
            a = np.array(values[var], order="C")
            key = f"a{i}"
            arrays[key] = a
            entries.append({"name": name, "key": key, "shape": list(a.shape), "dtype": var.dtype.name})
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        data = buf.getvalue()
        index = {"format": FORMAT, "version": VERSION, "variables": entries,
                 "npz_sha256": hashlib.sha256(data).hexdigest(), "npz_size": len(data)}
        directory = os.path.dirname(os.path.abspath(save_path))
        os.makedirs(directory, exist_ok=True)
        # the data file is named by its content and the index, written last, names it: the
        # index's rename is the one commit point, so a crash at any moment leaves the previous
        # checkpoint whole (its index still names its own data file)
        data_file = f"{os.path.basename(save_path)}.{index['npz_sha256'][:16]}.npz"
        index["npz_file"] = data_file
        previous = _data_file_of(save_path)
        _atomic_write(os.path.join(directory, data_file), data)
        _atomic_write(save_path + ".index.json", json.dumps(index, indent=1).encode())
        if previous and previous != data_file and os.path.exists(os.path.join(directory, previous)):
            os.unlink(os.path.join(directory, previous))
        _atomic_write(os.path.join(directory, "checkpoint"),
                      json.dumps({"latest": os.path.basename(save_path)}).encode())
        self._track(save_path)
        return save_path

    def _track(self, prefix: str) -> None:
        if prefix in self._kept:
            self._kept.remove(prefix)
        self._kept.append(prefix)
        while self.max_to_keep and len(self._kept) > self.max_to_keep:
            old = self._kept.pop(0)
            data_file = _data_file_of(old)
            paths = [old + ".index.json"]
            if data_file:
                paths.append(os.path.join(os.path.dirname(os.path.abspath(old)), data_file))
            for path in paths:
                if os.path.exists(path):
                    os.unlink(path)

    def restore(self, sess, save_path: str) -> None:
        """Load every saved variable into `sess`; all checks run before anything changes."""
        arrays = read_checkpoint(save_path)
        staged = {}
        for name, var in self._vars.items():
            if name not in arrays:
                raise CheckpointError(f"Key {name} not found in checkpoint {save_path}")
            a = arrays[name]
            if tuple(a.shape) != tuple(var.shape):
                raise CheckpointError(f"Assign requires shapes of both tensors to match: variable "
                                      f"{name} has shape {var.shape}, checkpoint has {tuple(a.shape)}")
            if a.dtype != var.dtype.np:
                raise CheckpointError(f"variable {name} has dtype {var.dtype.name}, checkpoint has "
                                      f"{a.dtype}")
            staged[var] = a
        sess.set_values(staged)


def _read_index(save_path: str) -> dict:
    try:
        with open(save_path + ".index.json", "rb") as f:
            raw = f.read()
    except FileNotFoundError as e:
        raise CheckpointError(f"no checkpoint at {save_path!r}: {e.filename} is missing") from None
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint index {save_path}.index.json is damaged: {e}") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise CheckpointError(f"{save_path}.index.json is not a dualgrad checkpoint index")
    return index


def _data_file_of(save_path: str) -> str | None:
    """The data file an existing checkpoint's index names (None if there is none)."""
    try:
        name = _read_index(save_path).get("npz_file")
    except CheckpointError:
        return None
    return name if isinstance(name, str) and os.sep not in name else None


def read_checkpoint(save_path: str) -> dict[str, np.ndarray]:
    """Validate a checkpoint and return {variable name: array}; raise CheckpointError."""
    index = _read_index(save_path)
    data_file = index.get("npz_file")
    if not isinstance(data_file, str) or os.sep in data_file or data_file.startswith("."):
        raise CheckpointError(f"{save_path}.index.json names no valid data file")
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(save_path)), data_file), "rb") as f:
            data = f.read()
    except FileNotFoundError as e:
        raise CheckpointError(f"no checkpoint at {save_path!r}: {e.filename} is missing") from None
    if index.get("version") != VERSION:
        raise CheckpointError(f"checkpoint format version {index.get('version')!r} is not supported")
    if len(data) != index.get("npz_size") or hashlib.sha256(data).hexdigest() != index.get("npz_sha256"):
        raise CheckpointError(f"checkpoint data {data_file} is truncated or was altered "
                              "(its size or SHA-256 does not match the index)")
    entries = index.get("variables")
    if not isinstance(entries, list):
        raise CheckpointError("checkpoint index has no variable list")
    try:
        npz = np.load(io.BytesIO(data), allow_pickle=False)
        out = {}
        for e in entries:
            name, key, shape, dtype = e["name"], e["key"], e["shape"], e["dtype"]
            a = npz[key]
            if list(a.shape) != list(shape) or a.dtype != dtypes.as_dtype(dtype).np:
                raise CheckpointError(f"checkpoint entry {name} does not match its index")
            out[name] = a
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as e:
        raise CheckpointError(f"checkpoint {save_path} is damaged: {e}") from None
    return out


def latest_checkpoint(checkpoint_dir: str) -> str | None:
    """The prefix of the last checkpoint saved in `checkpoint_dir`, or None."""
    try:
        with open(os.path.join(checkpoint_dir, "checkpoint"), "rb") as f:
            latest = json.loads(f.read().decode("utf-8")).get("latest")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(latest, str) or os.sep in latest or latest.startswith("."):
        return None
    return os.path.join(checkpoint_dir, latest)
