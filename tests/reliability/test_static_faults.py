"""A failed `Session.run` commits no variable update; an interrupted save keeps the previous
checkpoint; a damaged checkpoint is refused and changes nothing."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import DualgradError

from .report import report


@pytest.fixture(params=["jax", "numpy"])
def model(request):
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.float32, shape=(None, 2), name="x")
        w = ds.Variable(np.array([1.0, 2.0], np.float32), name="w")
        b = ds.Variable(np.float32(0.5), name="b")
        loss = ds.reduce_sum(ds.square(x * w + b))
        step = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = ds.global_variables_initializer()
        saver = ds.train.Saver()
    sess = ds.Session(graph=graph, backend=request.param)
    sess.run(init)
    yield sess, x, w, b, step, saver
    sess.close()


def _values(sess, *variables):
    return [np.array(sess.run(v)) for v in variables]


def test_bad_feed_commits_nothing(model):
    sess, x, w, b, step, _ = model
    before = _values(sess, w, b)
    for bad in (np.ones((3, 5), np.float32), np.array([["a", "b"]]), {"not": "an array"}):
        with pytest.raises(DualgradError):
            sess.run(step, {x: bad})
    for got, want in zip(_values(sess, w, b), before, strict=True):
        np.testing.assert_array_equal(got, want)
    sess.run(step, {x: np.ones((3, 2), np.float32)})  # the session still runs
    assert not np.array_equal(_values(sess, w)[0], before[0])


def test_kernel_error_mid_run_commits_nothing(model, monkeypatch):
    sess, x, w, b, step, _ = model
    before = _values(sess, w, b)

    def broken(xp, *args, **kwargs):
        raise FloatingPointError("injected kernel fault")

    monkeypatch.setattr(ops.multiply, "kernel", broken)
    with pytest.raises(FloatingPointError):
        sess.run(step, {x: np.full((2, 2), 7.0, np.float32)})
    monkeypatch.undo()
    for got, want in zip(_values(sess, w, b), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_nan_check_commits_nothing(model):
    sess, x, w, b, step, _ = model
    graph = sess.graph
    with graph.as_default():
        checked = ds.debugging.check_numerics(ds.log(x) * w, "log of the input")
        update = w.assign_add(ds.reduce_sum(checked, axis=0))
    before = _values(sess, w, b)
    with pytest.raises(DualgradError, match="log of the input : Tensor had NaN or Inf"):
        sess.run([update, b.assign(b + 1.0)], {x: np.array([[1.0, -1.0]], np.float32)})
    for got, want in zip(_values(sess, w, b), before, strict=True):
        np.testing.assert_array_equal(got, want)
    sess.run(update, {x: np.array([[1.0, 1.0]], np.float32)})  # finite input: runs and commits
    np.testing.assert_array_equal(_values(sess, w)[0], before[0])  # log(1) == 0


@pytest.mark.parametrize("call, nth", [("fsync", n) for n in range(1, 5)] + [("replace", 1),
                                                                         ("replace", 2)])
def test_interrupted_save_keeps_previous_checkpoint(model, tmp_path, monkeypatch, call, nth):
    """A crash at any write of a save (mid-write, or at any of its renames) leaves a whole
    checkpoint: the previous one while the index's rename (the commit point, replace #1; fsyncs
    1-4 are the ledger's intent record and the three new files) has not happened, the new one after it
    (replace #2 only updates the 'latest' pointer)."""
    sess, x, w, b, step, saver = model
    prefix = saver.save(sess, str(tmp_path / "model"))
    saved = _values(sess, w, b)
    sess.run(step, {x: np.ones((1, 2), np.float32)})
    real = getattr(os, call)
    calls = []

    def crash_on_nth(*args, **kwargs):
        calls.append(args)
        if len(calls) == nth:
            raise OSError(f"disk full at {call} #{nth} (injected)")
        return real(*args, **kwargs)

    at_save = _values(sess, w, b)
    expected = at_save if (call, nth) == ("replace", 2) else saved
    monkeypatch.setattr(os, call, crash_on_nth)
    with pytest.raises(OSError, match="injected"):
        saver.save(sess, str(tmp_path / "model"))
    monkeypatch.undo()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".dgtmp")], os.listdir(tmp_path)
    sess.run(step, {x: np.ones((1, 2), np.float32)})
    saver.restore(sess, prefix)
    for got, want in zip(_values(sess, w, b), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def _damage(path: str, how: str) -> None:
    data = bytearray(open(path, "rb").read())
    if how == "truncate":
        data = data[: len(data) // 2]
    elif how == "flip":
        data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


@pytest.mark.parametrize("how", ["truncate", "flip", "edit-index-shape", "edit-index-name", "missing"])
def test_damaged_checkpoint_is_refused_and_changes_nothing(model, tmp_path, how):
    sess, x, w, b, step, saver = model
    prefix = saver.save(sess, str(tmp_path / "model"))
    sess.run(step, {x: np.ones((1, 2), np.float32)})
    current = _values(sess, w, b)
    files = sorted(os.listdir(tmp_path))
    data_file = str(tmp_path / json.load(open(prefix + ".index.json"))["data_file"])
    index_file = next((str(tmp_path / f) for f in files if f.endswith(".json")), None)
    if how in ("truncate", "flip"):
        _damage(data_file, how)
    elif how == "missing":
        os.remove(data_file)
    else:
        index = json.load(open(index_file))
        text = json.dumps(index)
        text = text.replace("[2]", "[3]") if how == "edit-index-shape" else text.replace('"w', '"evil')
        open(index_file, "w").write(text)
    with pytest.raises(DualgradError):
        saver.restore(sess, prefix)
    for got, want in zip(_values(sess, w, b), current, strict=True):
        np.testing.assert_array_equal(got, want)


def test_fault_figures():
    report("static faults", "failed runs (3 bad feeds, 1 kernel fault, 1 NaN check) x 2 backends "
           "commit 0 updates; a save interrupted at any of 6 points keeps a whole checkpoint; "
           "5 kinds of damaged checkpoint refused")
