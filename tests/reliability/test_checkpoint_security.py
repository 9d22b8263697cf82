"""Tampered checkpoints and saved files, as an attacker would make them: bit flips,
truncation, swapped and duplicated entries (with the digests recomputed or not), giant
declared sizes, deep nesting, FIFOs, links to /dev/zero, directories, foreign file names.

Every attempt must end in a `CheckpointError` with no variable changed, or restore exactly
the saved values (a change without meaning); nothing may hang or raise another error. After
each attempt a save into the same directory must keep every file that is not the Saver's
own (a source file, a look-alike data file, a copied checkpoint)."""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import CheckpointError

from .report import report

EXAMPLES = int(os.environ.get("DUALGRAD_FUZZ_EXAMPLES", "150"))
counts = {"tried": 0, "refused": 0, "same": 0, "wrong": 0, "lost": 0, "kept": 0,
          "files_tried": 0, "files_refused": 0, "files_same": 0, "files_wrong": 0}

GRAPH = ds.Graph()
with GRAPH.as_default():
    VARS = {  # two variables of one shape and dtype, so a swap would pass every shape check
        "layer/w": ds.Variable(np.arange(12, dtype=np.float32).reshape(3, 4), name="layer/w"),
        "layer/v": ds.Variable(-np.arange(12, dtype=np.float32).reshape(3, 4), name="layer/v"),
        "b": ds.Variable(np.float32(0.5), name="b"),
        "step": ds.Variable(np.array([7, 9], np.int64), name="step"),
    }
    INIT = ds.global_variables_initializer()
    SAVER = ds.train.Saver(VARS, max_to_keep=0)
SESSION = ds.Session(graph=GRAPH, backend="numpy")
SESSION.run(INIT)
SAVED = {name: np.array(value) for name, value in zip(VARS, SESSION.run(list(VARS.values())), strict=True)}
SENTINEL = {name: np.full_like(a, 99) for name, a in SAVED.items()}
PRISTINE = tempfile.mkdtemp(prefix="dualgrad-pristine-")
atexit.register(shutil.rmtree, PRISTINE, True)
atexit.register(SESSION.close)
SAVER.save(SESSION, os.path.join(PRISTINE, "model"))
DATA_FILE = json.load(open(os.path.join(PRISTINE, "model.index.json")))["data_file"]
FOREIGN = {"source.py": b"print('precious')\n", "user.0123456789abcdef.safetensors": b"user data"}


def _index_digest(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return hashlib.sha256(b"dualgrad-index\0" + text).hexdigest()


class Workspace:
    """A copy of the pristine checkpoint plus files that are not the Saver's."""

    def __init__(self, root: str):
        self.dir = os.path.join(root, "ckpt")
        shutil.copytree(PRISTINE, self.dir, symlinks=True)
        shutil.copy(self.path("model.index.json"), self.path("best.index.json"))
        for name, content in FOREIGN.items():
            open(self.path(name), "wb").write(content)
        # a hostile index that names a source file as its data file
        open(self.path("evil.index.json"), "w").write(json.dumps({"data_file": "source.py"}))

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def read(self, name: str) -> bytes:
        return open(self.path(name), "rb").read()

    def write(self, name: str, data: bytes) -> None:
        os.remove(self.path(name))
        open(self.path(name), "wb").write(data)

    def edit_index(self, mutate, recompute: bool) -> None:
        body = json.loads(self.read("model.index.json"))
        body.pop("index_sha256")
        mutate(body)
        body["index_sha256"] = _index_digest(body) if recompute else "0" * 64
        self.write("model.index.json", json.dumps(body).encode())

    def match_data(self, recompute: bool) -> None:
        """Make the index's size and digest of the data file agree with its new bytes."""
        data = b"" if not os.path.isfile(self.path(DATA_FILE)) else self.read(DATA_FILE)
        self.edit_index(lambda b: b.update(data_size=len(data),
                                           data_sha256=hashlib.sha256(data).hexdigest()), recompute)

    def edit_data_header(self, mutate, recompute: bool) -> None:
        data = self.read(DATA_FILE)
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n])
        mutate(header)
        raw = json.dumps(header).encode()
        self.write(DATA_FILE, struct.pack("<Q", len(raw)) + raw + data[8 + n:])
        self.match_data(recompute)


def _swap(items: list, i: int, j: int, key: str) -> None:
    items[i][key], items[j][key] = items[j][key], items[i][key]


def tamper(ws: Workspace, kind: str, data, recompute: bool) -> bool:
    """Apply one attack; return True if it touched the shared data file (then `best`, which
    names the same file, is damaged by the attacker, not by the Saver)."""
    names = sorted(SAVED)
    if kind in ("flip-index", "flip-data"):
        name = "model.index.json" if kind == "flip-index" else DATA_FILE
        raw = bytearray(ws.read(name))
        bit = data.draw(st.integers(0, 8 * len(raw) - 1))
        raw[bit // 8] ^= 1 << (bit % 8)
        ws.write(name, bytes(raw))
        return name == DATA_FILE
    if kind in ("truncate-index", "truncate-data"):
        name = "model.index.json" if kind == "truncate-index" else DATA_FILE
        raw = ws.read(name)
        ws.write(name, raw[:data.draw(st.integers(0, len(raw) - 1))])
        if kind == "truncate-data" and recompute:
            ws.match_data(True)
        return name == DATA_FILE
    if kind == "swap-index-names":
        i, j = data.draw(st.lists(st.integers(0, 3), min_size=2, max_size=2, unique=True))
        ws.edit_index(lambda b: _swap(b["variables"], i, j, "name"), recompute)
        return False
    if kind == "swap-index-entries-but-names":
        i, j = data.draw(st.lists(st.integers(0, 3), min_size=2, max_size=2, unique=True))

        def swap_rest(b):
            for key in ("sha256", "shape", "dtype"):
                _swap(b["variables"], i, j, key)

        ws.edit_index(swap_rest, recompute)
        return False
    if kind == "swap-data-names":
        a, b = data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        ws.edit_data_header(lambda h: h.update({a: h[b], b: h[a]}), recompute)
        return True
    if kind == "duplicate-entry":
        i = data.draw(st.integers(0, 3))
        ws.edit_index(lambda b: b["variables"].append(dict(b["variables"][i])), recompute)
        return False
    if kind == "drop-entry":
        i = data.draw(st.integers(0, 3))
        ws.edit_index(lambda b: b["variables"].pop(i), recompute)
        return False
    if kind == "giant-shape":
        name = data.draw(st.sampled_from(names))
        dim = data.draw(st.sampled_from([1 << 31, 1 << 40, 1 << 62, 10 ** 30]))
        ws.edit_data_header(lambda h: h[name].update(shape=[dim]), recompute)
        return True
    if kind == "giant-header":
        raw = ws.read(DATA_FILE)
        ws.write(DATA_FILE, struct.pack("<Q", data.draw(st.sampled_from([1 << 31, 4 << 40, 2**64 - 1])))
                 + raw[8:])
        if recompute:
            ws.match_data(True)
        return True
    if kind in ("deep-index", "deep-data"):
        depth = data.draw(st.integers(1_000, 200_000))
        nested = b"[" * depth + b"]" * depth
        if kind == "deep-index":
            ws.write("model.index.json", nested)
            return False
        body = b'{"a":' + nested + b"}"
        ws.write(DATA_FILE, struct.pack("<Q", len(body)) + body)
        if recompute:
            ws.match_data(True)
        return True
    if kind in ("fifo", "devzero-link", "directory", "missing"):
        os.remove(ws.path(DATA_FILE))
        {"fifo": os.mkfifo, "directory": os.mkdir, "missing": lambda p: None,
         "devzero-link": lambda p: os.symlink("/dev/zero", p)}[kind](ws.path(DATA_FILE))
        return True
    if kind == "rename-data":
        target = data.draw(st.sampled_from(["", ".", "..", "source.py", "ckpt", "/etc/passwd",
                                            "../ckpt/" + DATA_FILE, "user.0123456789abcdef.safetensors",
                                            "best.index.json"]))
        ws.edit_index(lambda b: b.update(data_file=target), recompute)
        return False
    raise AssertionError(kind)


KINDS = ["flip-index", "flip-data", "truncate-index", "truncate-data", "swap-index-names",
         "swap-index-entries-but-names", "swap-data-names", "duplicate-entry", "drop-entry",
         "giant-shape", "giant-header", "deep-index", "deep-data", "fifo", "devzero-link",
         "directory", "missing", "rename-data"]


def _restore_with_timeout(prefix: str):
    """(outcome, error) of restoring into a session holding sentinel values; a restore that
    blocks fails the test instead of hanging it."""
    result = {}

    def attempt():
        with ds.Session(graph=GRAPH, backend="numpy") as sess:
            sess.run(INIT)
            sess.set_values({VARS[n]: a for n, a in SENTINEL.items()})
            try:
                SAVER.restore(sess, prefix)
            except CheckpointError as e:
                result["error"] = e
            except Exception as e:  # noqa: BLE001 (any other error is a finding)
                result["raw"] = e
            result["values"] = dict(zip(VARS, sess.run(list(VARS.values())), strict=True))

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)
    assert "values" in result, "restore blocked for 60 s"
    assert "raw" not in result, repr(result.get("raw"))
    return result


def _equal(values: dict, expected: dict) -> bool:
    return all(np.array_equal(values[n], expected[n]) and values[n].dtype == expected[n].dtype
               for n in expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(KINDS), st.booleans(), st.data())
def test_tampered_checkpoints_are_refused_and_lose_no_file(kind, recompute, data):
    with tempfile.TemporaryDirectory() as root:
        ws = Workspace(root)
        damaged_data = tamper(ws, kind, data, recompute)
        counts["tried"] += 1
        result = _restore_with_timeout(ws.path("model"))
        if "error" in result:
            assert str(ws.dir) in str(result["error"]) or "model" in str(result["error"])
            assert _equal(result["values"], SENTINEL), "a refused restore changed a variable"
            counts["refused"] += 1
        elif _equal(result["values"], SAVED):
            counts["same"] += 1
        else:
            counts["wrong"] += 1
        # a save into the tampered directory deletes nothing that is not the Saver's own
        SAVER.save(SESSION, ws.path("model"))
        for name, content in FOREIGN.items():
            counts["lost"] += ws.read(name) != content
        if not damaged_data:
            best = _restore_with_timeout(ws.path("best"))
            counts["lost"] += "error" in best or not _equal(best["values"], SAVED)
            counts["kept"] += 1
        assert _equal(_restore_with_timeout(ws.path("model"))["values"], SAVED)
    assert counts["wrong"] == 0 and counts["lost"] == 0


# -- dg.load: the same attacks on a file of nested state ---------------------------------------

STATE = {"model": {"weight": np.arange(6, dtype=np.float32).reshape(2, 3), "bias": np.ones(3)},
         "optim": {"state": {0: {"step": 3, "exp_avg": np.full((2, 3), 0.25, np.float32)}},
                   "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False}]}}


def _as_saved(obj):
    if isinstance(obj, dict):
        return {k: _as_saved(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_saved(v) for v in obj)
    return dg.tensor(obj) if isinstance(obj, np.ndarray) else obj


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, dg.Tensor) and b.numpy().dtype == a.dtype and np.array_equal(b.numpy(), a)
    return type(a) is type(b) and a == b


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["flip", "truncate", "swap-names", "giant-shape", "deep", "strip-digest",
                        "edit-structure"]), st.data())
def test_tampered_saved_files_are_refused(kind, data):
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "state.safetensors")
        dg.save(_as_saved(STATE), path)
        raw = bytearray(open(path, "rb").read())
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + n])
        tensors = sorted(k for k in header if k != "__metadata__")
        if kind == "flip":
            bit = data.draw(st.integers(0, 8 * len(raw) - 1))
            raw[bit // 8] ^= 1 << (bit % 8)
        elif kind == "truncate":
            raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
        else:
            if kind == "swap-names":
                a, b = data.draw(st.lists(st.sampled_from(tensors), min_size=2, max_size=2, unique=True))
                header[a], header[b] = header[b], header[a]
            elif kind == "giant-shape":
                header[data.draw(st.sampled_from(tensors))]["shape"] = [1 << 40]
            elif kind == "strip-digest":
                del header["__metadata__"]["dualgrad.sha256"]
            elif kind == "edit-structure":
                header["__metadata__"]["dualgrad.structure"] = header["__metadata__"][
                    "dualgrad.structure"].replace('"lr"', '"LR"')
            else:
                header["__metadata__"]["dualgrad.structure"] = "[" * 100_000 + "]" * 100_000
            body = json.dumps(header).encode()
            raw = struct.pack("<Q", len(body)) + body + raw[8 + n:]
        open(path, "wb").write(bytes(raw))
        counts["files_tried"] += 1
        try:
            loaded = dg.load(path)
        except CheckpointError as e:
            assert path in str(e)
            counts["files_refused"] += 1
            return
        if _same(STATE, loaded):
            counts["files_same"] += 1
        else:
            counts["files_wrong"] += 1
    assert counts["files_wrong"] == 0


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir, lambda p: os.symlink("/dev/zero", p)])
def test_load_of_a_fifo_directory_or_device_is_refused_at_once(tmp_path, make):
    make(str(tmp_path / "x.safetensors"))
    with pytest.raises(CheckpointError, match="not a regular file"):
        dg.load(str(tmp_path / "x.safetensors"))


def test_checkpoint_security_figures():
    assert counts["tried"] and counts["files_tried"]
    assert counts["wrong"] == counts["lost"] == counts["files_wrong"] == 0
    report("checkpoint tampering fuzz",
           f"{counts['tried']} tampered checkpoints tried ({len(KINDS)} kinds): {counts['refused']} "
           f"refused with CheckpointError and 0 variables changed, {counts['same']} restored the "
           f"saved values exactly, restored wrongly: {counts['wrong']}; files lost: {counts['lost']} "
           f"(2 foreign files and, in {counts['kept']} cases, a copied checkpoint, checked after a save)")
    report("dg.load tampering fuzz",
           f"{counts['files_tried']} tampered files tried: {counts['files_refused']} refused, "
           f"{counts['files_same']} loaded the saved values exactly, loaded wrongly: "
           f"{counts['files_wrong']}")
