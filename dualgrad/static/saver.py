"""`ds.train.Saver`: checkpoints that never run code, never lose or mix data.

A checkpoint at prefix `p` (directory `d = dirname(p)`, name `b = basename(p)`, as TF1 splits
it, so `p = 'ckpt/'` writes `ckpt/.index.json`) is:

* `d/b.<16 random hex>.safetensors`: one tensor per variable, named by the variable, in the
  safetensors format (any safetensors reader opens it; no pickle);
* `d/b.index.json`: format, version, the data file's name, size and SHA-256, and per variable
  its name, dtype, shape and a SHA-256 over (name, dtype, shape, bytes), plus a SHA-256 of
  the index itself. Swapped, duplicated, edited or bit-flipped entries are refused.
* `d/checkpoint` naming the latest prefix, for `latest_checkpoint`.

A save holds the directory's lock (`serialization.ownership`), creates the data file under a
fresh name with O_EXCL, writes the index to a temporary file and renames it into place: that
rename is the one commit point. It then deletes only files the ledger proves it made that no
index in the directory names (so copies of an index keep their data), plus temporary files of
interrupted saves. `restore` verifies everything before it changes any variable.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import threading

import numpy as np

from .. import dtypes
from ..errors import CheckpointError, MissingCheckpointError, UnsupportedSaverOption
from ..serialization import bounded_json, ownership
from ..serialization import safetensors as st
from ..serialization.digest import canonical, document_digest, is_hex_digest, tensor_digest
from ..serialization.files import fsync_dir, open_regular, read_small_file, temp_name, write_new
from .variables import Variable, global_variables

FORMAT = "dualgrad-checkpoint"
VERSION = 2
STATE_FILE = "checkpoint"
_INDEX_KEYS = {"format", "version", "data_file", "data_size", "data_sha256", "variables",
               "index_sha256"}
_ENTRY_KEYS = {"name", "dtype", "shape", "sha256"}

__all__ = ["CheckpointError", "Saver", "latest_checkpoint", "read_checkpoint"]


def _split(save_path) -> tuple[str, str, str]:
    """(directory, base name, prefix) of a save path, as TF1 splits it (`os.path.dirname`)."""
    if not isinstance(save_path, (str, os.PathLike)):
        raise TypeError(f"save_path must be a str or path, got {type(save_path).__name__}")
    prefix = os.fspath(save_path)
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("save_path must be a non-empty str")
    return os.path.dirname(prefix) or ".", os.path.basename(prefix), prefix


class Saver:
    """Save and restore variable values of a session (TF1's `tf.train.Saver`).

    `var_list` (a list of variables or a dict name -> variable) defaults to the global
    variables that exist when the Saver is made, as in TF1.
    """

    def __init__(self, var_list=None, reshape: bool = False, sharded: bool = False,
                 max_to_keep: int | None = 5, keep_checkpoint_every_n_hours: float = 10000.0,
                 name=None, restore_sequentially: bool = False, saver_def=None, builder=None,
                 defer_build: bool = False, allow_empty: bool = False, write_version=2,
                 pad_step_number: bool = False, save_relative_paths: bool = False, filename=None):
        # TF1's graph-building options (name, sharded, restore_sequentially, defer_build,
        # write_version, save_relative_paths, filename) change nothing here: there are no save
        # ops, one data file, and the `checkpoint` file always holds relative names. Options
        # that would change what is kept or restored are refused rather than ignored.
        for option, value, default in (("reshape", reshape, False), ("saver_def", saver_def, None),
                                       ("builder", builder, None),
                                       ("keep_checkpoint_every_n_hours",
                                        keep_checkpoint_every_n_hours, 10000.0)):
            if value != default:
                raise UnsupportedSaverOption(f"Saver({option}={value!r}) is not supported by dualgrad")
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
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self.max_to_keep = max_to_keep
        self.pad_step_number = pad_step_number
        self._kept: list[str] = []
        self._kept_lock = threading.Lock()

    @property
    def last_checkpoints(self) -> list[str]:
        """Prefixes of the checkpoints this Saver made and has not deleted, oldest first."""
        with self._kept_lock:
            return list(self._kept)

    def save(self, sess, save_path, global_step=None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True,
             write_state: bool = True, strip_default_attrs: bool = False,
             save_debug_info: bool = False) -> str | None:
        """Write the values of the variables to `save_path` (+ `-step`); return the prefix.

        As in TF1, `latest_filename` names the state file (default 'checkpoint') and
        `write_state=False` leaves it alone. No `.meta` graph file is written, so the meta
        graph options change nothing. A Saver made with `allow_empty=True` and no variables
        saves nothing and returns None.
        """
        if not self._vars:
            return None
        state_file = _state_file_name(latest_filename)
        directory, base, prefix = _split(save_path)
        if global_step is not None:
            step = int(sess.run(global_step) if not isinstance(global_step, (int, np.integer))
                       else global_step)
            step_text = f"{step:08d}" if self.pad_step_number else str(step)
            prefix, base = f"{prefix}-{step_text}", f"{base}-{step_text}"
        values = sess.get_values(self._vars.values())  # one consistent snapshot
        missing = [n for n, v in self._vars.items() if v not in values]
        if missing:
            raise CheckpointError(f"Attempting to save uninitialized variables: {missing}")
        arrays = {name: np.asarray(values[var], var.dtype.np) for name, var in self._vars.items()}
        entries = [{"name": name, "dtype": self._vars[name].dtype.name, "shape": list(a.shape),
                    "sha256": tensor_digest(name, a)} for name, a in sorted(arrays.items())]
        chunks = st.encode(arrays, {"format": FORMAT})
        data_hash = hashlib.sha256()
        for chunk in chunks:
            data_hash.update(chunk)
        os.makedirs(directory, exist_ok=True)
        with ownership.locked(directory, exclusive=True):
            ledger = ownership.Ledger(directory)
            ledger.collect_garbage()
            data_file = f"{base}.{secrets.token_hex(8)}.safetensors"
            index = {"format": FORMAT, "version": VERSION, "data_file": data_file,
                     "data_size": sum(len(c) for c in chunks), "data_sha256": data_hash.hexdigest(),
                     "variables": entries}
            index["index_sha256"] = document_digest("index", index)
            index_name = base + ownership.INDEX_SUFFIX
            made = _commit(directory, ledger, data_file, chunks, index_name, index,
                           {state_file: base} if write_state else {})
            ledger.made(made)
            ledger.collect_garbage()
        for old in self._track(prefix):
            _delete_checkpoint(old)
        return prefix

    def _track(self, prefix: str) -> list[str]:
        """Remember `prefix`; return the prefixes beyond `max_to_keep` (oldest first)."""
        if not self.max_to_keep:  # None or 0: keep every checkpoint, as in TF1
            return []
        with self._kept_lock:
            if prefix in self._kept:
                self._kept.remove(prefix)
            self._kept.append(prefix)
            dropped = []
            while len(self._kept) > self.max_to_keep:
                dropped.append(self._kept.pop(0))
            return dropped

    def restore(self, sess, save_path) -> None:
        """Load every saved variable into `sess`; all checks run before anything changes."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        if not self._vars:
            return
        arrays = read_checkpoint(save_path)
        staged = {}
        for name, var in self._vars.items():
            if name not in arrays:
                raise CheckpointError(f"Key {name} not found in checkpoint {save_path}")
            a = arrays[name]
            if tuple(a.shape) != tuple(var.shape):
                raise CheckpointError(f"Assign requires shapes of both tensors to match: variable "
                                      f"{name} has shape {var.shape}, checkpoint {save_path} has "
                                      f"{tuple(a.shape)}")
            if a.dtype != var.dtype.np:
                raise CheckpointError(f"variable {name} has dtype {var.dtype.name}, checkpoint "
                                      f"{save_path} has {a.dtype}")
            staged[var] = a
        sess.set_values(staged)


def _commit(directory: str, ledger, data_file: str, chunks, index_name: str, index: dict,
            state: dict[str, str]) -> dict:
    """Write the data file, then the index and the state file ({file name: latest prefix},
    or nothing) through temporary names; the index's rename commits. On failure before it,
    everything written is removed again."""
    index_tmp = temp_name(index_name)
    state_tmps = {name: temp_name(name) for name in state}
    ledger.intend(data_file, index_tmp, *state_tmps.values())
    path = lambda name: os.path.join(directory, name)
    committed = False
    try:
        data_stat = write_new(path(data_file), chunks)
        index_stat = write_new(path(index_tmp), [json.dumps(index, indent=1).encode()])
        for name, tmp in state_tmps.items():
            write_new(path(tmp), [canonical({"latest": state[name]})])
        os.replace(path(index_tmp), path(index_name))
        committed = True
        for name, tmp in state_tmps.items():
            os.replace(path(tmp), path(name))
    except BaseException:
        leftovers = [index_tmp, *state_tmps.values()] + ([] if committed else [data_file])
        for name in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(path(name))
        raise
    fsync_dir(directory)
    return {data_file: data_stat, index_name: index_stat}


def _delete_checkpoint(prefix: str) -> None:
    """max_to_keep: delete an old checkpoint's index if it is still the one we wrote, then any
    of our data files that no index names any more."""
    directory, base, _ = _split(prefix)
    if not os.path.lexists(os.path.join(directory, base + ownership.INDEX_SUFFIX)):
        return  # already gone (deleted by the user, or its directory was removed)
    with ownership.locked(directory, exclusive=True):
        ledger = ownership.Ledger(directory)
        ledger.delete([base + ownership.INDEX_SUFFIX])
        ledger.collect_garbage()


def _refuse(path: str, reason: str):
    raise CheckpointError(f"checkpoint index {path}: {reason}")


def _read_files(directory: str, prefix: str) -> tuple:
    """(index, data file path, arrays, the data's SHA-256 object), read while the caller
    holds the directory's lock; a missing index or data file is MissingCheckpointError."""
    index_path = prefix + ownership.INDEX_SUFFIX
    try:
        raw = read_small_file(index_path, ownership.MAX_INDEX, follow_symlinks=False)
    except MissingCheckpointError:
        raise MissingCheckpointError(f"no checkpoint at {prefix!r}: {index_path} is missing") from None
    index = bounded_json.loads(raw, f"checkpoint index {index_path}", max_bytes=ownership.MAX_INDEX,
                               max_depth=8)
    _check_index(index_path, index)
    data_path = os.path.join(directory, index["data_file"])
    try:
        fd, size = open_regular(data_path, follow_symlinks=False)
    except MissingCheckpointError:
        raise MissingCheckpointError(f"no checkpoint at {prefix!r}: its data file {data_path} "
                                     "is missing") from None
    try:
        if size != index["data_size"]:
            raise CheckpointError(f"checkpoint data {data_path} is truncated or was altered: "
                                  f"{size} bytes, the index says {index['data_size']}")
        data_hash = hashlib.sha256()
        arrays, _ = st.read(fd, size, data_path, hasher=data_hash)
    finally:
        os.close(fd)
    return index, data_path, arrays, data_hash


def _check_index(path: str, index) -> None:
    """Schema and self-digest of an index; CheckpointError naming `path` and the reason."""
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        _refuse(path, "is not a dualgrad checkpoint index")
    if index.get("version") != VERSION:
        _refuse(path, f"format version {index.get('version')!r} is not supported (this dualgrad "
                f"reads version {VERSION}; version 1 .npz checkpoints must be re-saved)")
    if set(index) != _INDEX_KEYS:
        _refuse(path, f"has keys {sorted(index)}, expected {sorted(_INDEX_KEYS)}")
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    if index["index_sha256"] != document_digest("index", body):
        _refuse(path, "its SHA-256 does not match its contents (the index was altered or damaged)")
    data_file = index["data_file"]
    if not isinstance(data_file, str) or os.sep in data_file or "/" in data_file \
            or not ownership.DATA.fullmatch(data_file):
        _refuse(path, f"names {data_file!r}, which is not a checkpoint data file name")
    if type(index["data_size"]) is not int or not is_hex_digest(index["data_sha256"]):
        _refuse(path, "has an invalid data_size or data_sha256")
    variables = index["variables"]
    if not isinstance(variables, list):
        _refuse(path, "has no variable list")
    seen = set()
    for e in variables:
        if not isinstance(e, dict) or set(e) != _ENTRY_KEYS or not isinstance(e["name"], str) \
                or not is_hex_digest(e["sha256"]) or not isinstance(e["shape"], list) \
                or not all(type(d) is int and d >= 0 for d in e["shape"]):
            _refuse(path, f"has an invalid variable entry {str(e)[:200]}")
        if e["name"] in seen:
            _refuse(path, f"lists variable {e['name']!r} twice")
        seen.add(e["name"])
        try:
            if not isinstance(e["dtype"], str):
                raise TypeError
            dtypes.as_dtype(e["dtype"])
        except TypeError:
            _refuse(path, f"variable {e['name']!r} has unknown dtype {e['dtype']!r}")


def read_checkpoint(save_path) -> dict[str, np.ndarray]:
    """Verify a checkpoint and return {variable name: array}; raise CheckpointError.

    Only regular files are opened (never a link, FIFO or device; nothing blocks), the data
    file's size is checked against the index before anything is allocated, and every array is
    checked against its name-bound digest.
    """
    directory, _, prefix = _split(save_path)
    with ownership.locked(directory, exclusive=False) as held:
        try:
            found = _read_files(directory, prefix)
        except MissingCheckpointError:
            # read unlocked because no save had made the lock file yet: a save that began
            # meanwhile may have replaced the files mid-read; read again under its lock
            if held or not os.path.lexists(os.path.join(directory, ownership.LOCK_NAME)):
                raise
            found = None
    if found is None:
        with ownership.locked(directory, exclusive=False):
            found = _read_files(directory, prefix)
    index, data_path, arrays, data_hash = found
    if data_hash.hexdigest() != index["data_sha256"]:
        raise CheckpointError(f"checkpoint data {data_path} is truncated or was altered (its "
                              "SHA-256 does not match the index)")
    entries = {e["name"]: e for e in index["variables"]}
    if set(arrays) != set(entries):
        raise CheckpointError(f"checkpoint data {data_path} holds {sorted(arrays)[:20]}, the index "
                              f"lists {sorted(entries)[:20]}")
    for name, a in arrays.items():
        e = entries[name]
        if list(a.shape) != e["shape"] or a.dtype != dtypes.as_dtype(e["dtype"]).np \
                or tensor_digest(name, a) != e["sha256"]:
            raise CheckpointError(f"checkpoint entry {name!r} in {data_path} does not match its "
                                  "index (name, dtype, shape or SHA-256)")
    return arrays


def _state_file_name(latest_filename: str | None) -> str:
    """TF1's `latest_filename`, which must not be a name the checkpoint files use."""
    name = STATE_FILE if latest_filename is None else latest_filename
    if (not isinstance(name, str) or name in ("", ".", "..") or "/" in name or os.sep in name
            or name.endswith((ownership.INDEX_SUFFIX, ".safetensors"))
            or name.startswith(".dualgrad-checkpoint")):
        raise ValueError(f"latest_filename {name!r} must be a plain file name that is not a "
                         "checkpoint file's")
    return name


def latest_checkpoint(checkpoint_dir, latest_filename: str | None = None) -> str | None:
    """The prefix of the last checkpoint saved in `checkpoint_dir`, or None."""
    path = os.path.join(os.fspath(checkpoint_dir), _state_file_name(latest_filename))
    try:
        state = bounded_json.loads(read_small_file(path, 1 << 16, follow_symlinks=False), path,
                                   max_bytes=1 << 16, max_depth=2)
    except CheckpointError:
        return None
    latest = state.get("latest") if isinstance(state, dict) else None
    if not isinstance(latest, str) or "/" in latest or os.sep in latest or "\0" in latest \
            or latest in (".", ".."):
        return None
    return os.path.join(os.fspath(checkpoint_dir), latest)
