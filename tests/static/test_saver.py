"""Saver: pickle-free checkpoints, atomic writes, validation before any change (the attacks and
concurrency are in test_saver_safety.py and tests/reliability/test_checkpoint_security.py)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.static.saver import CheckpointError


def data_path(prefix: str) -> str:
    """The data file a checkpoint's index names ('<prefix>.<16 random hex>.safetensors')."""
    name = json.load(open(prefix + ".index.json"))["data_file"]
    assert name.startswith(os.path.basename(prefix) + ".") and name.endswith(".safetensors")
    return os.path.join(os.path.dirname(prefix), name)


OWN = [".dualgrad-checkpoint.lock", ".dualgrad-checkpoint.owned"]


def model():
    w = ds.Variable(np.arange(6.0).reshape(2, 3), name="w")
    b = ds.Variable(np.float32(1.5), name="b")
    step = w.assign(w * 2)
    return w, b, step


def test_round_trip(tmp_path, backend):
    w, b, step = model()
    saver = ds.train.Saver()
    prefix = str(tmp_path / "ckpt" / "model")
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(step)
        assert saver.save(sess, prefix) == prefix
        assert saver.save(sess, prefix, global_step=7) == prefix + "-7"
    assert sorted(os.listdir(tmp_path / "ckpt")) == sorted(OWN + [
        "checkpoint", "model-7.index.json", os.path.basename(data_path(prefix + "-7")),
        "model.index.json", os.path.basename(data_path(prefix))])
    assert ds.train.latest_checkpoint(str(tmp_path / "ckpt")) == prefix + "-7"
    with ds.Session(backend=backend) as sess:
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(w), np.arange(6.0).reshape(2, 3) * 2)
        assert sess.run(b) == np.float32(1.5)
        sess.run(step)  # restored variables are ordinary state
        np.testing.assert_array_equal(sess.run(w), np.arange(6.0).reshape(2, 3) * 4)


def saved(tmp_path):
    w, b, step = model()
    prefix = str(tmp_path / "m")
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        ds.train.Saver().save(sess, prefix)
    return w, b, prefix


def _assert_restore_fails_and_changes_nothing(prefix, w, b, pattern, saver=None):
    with ds.Session() as sess:
        sess.run(w.assign(np.full(w.shape, -1.0)))
        sess.run(b.assign(-1.0))
        with pytest.raises(CheckpointError, match=pattern):
            (saver or ds.train.Saver([w, b])).restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(w), np.full(w.shape, -1.0))
        assert sess.run(b) == -1.0


def test_truncated_data_is_a_clear_error(tmp_path):
    w, b, prefix = saved(tmp_path)
    data = open(data_path(prefix), "rb").read()
    with open(data_path(prefix), "wb") as f:
        f.write(data[: len(data) // 2])
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "truncated or was altered")


def test_altered_data_is_a_clear_error(tmp_path):
    w, b, prefix = saved(tmp_path)
    data = bytearray(open(data_path(prefix), "rb").read())
    data[-40] ^= 0xFF
    with open(data_path(prefix), "wb") as f:
        f.write(bytes(data))
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "truncated or was altered")


def test_damaged_index_is_a_clear_error(tmp_path):
    w, b, prefix = saved(tmp_path)
    with open(prefix + ".index.json", "w") as f:
        f.write('{"format": "dualgrad-checkpoint", "vers')
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "damaged")


def test_object_dtype_is_refused(tmp_path):
    """No dtype can make restore unpickle: the container's dtypes are a whitelist of plain
    numbers; an 'O' (object) tensor is refused before its index or digests are even looked at."""
    w, b, prefix = saved(tmp_path)
    header = json.dumps({"w": {"dtype": "O", "shape": [1], "data_offsets": [0, 8]}}).encode()
    with open(data_path(prefix), "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header + bytes(8))
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "truncated or was altered|unsupported dtype")


def test_mismatched_graph_changes_nothing(tmp_path):
    _, _, prefix = saved(tmp_path)
    ds.reset_default_graph()
    w = ds.Variable(np.zeros((3, 2)), name="w")  # another shape
    b = ds.Variable(np.float32(0), name="b")
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "shapes")
    ds.reset_default_graph()
    w = ds.Variable(np.zeros((2, 3), np.float32), name="w")  # another dtype
    b = ds.Variable(np.float32(0), name="b")
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "dtype")
    ds.reset_default_graph()
    w = ds.Variable(np.zeros((2, 3)), name="w")
    b = ds.Variable(np.float32(0), name="bias")  # a name the checkpoint lacks
    _assert_restore_fails_and_changes_nothing(prefix, w, b, "bias not found")


def test_missing_checkpoint(tmp_path):
    w, b, _ = model()
    with ds.Session() as sess, pytest.raises(CheckpointError, match="no checkpoint"):
        ds.train.Saver().restore(sess, str(tmp_path / "nothing"))


def test_save_refuses_uninitialized(tmp_path):
    model()
    with ds.Session() as sess, pytest.raises(CheckpointError, match="uninitialized"):
        ds.train.Saver().save(sess, str(tmp_path / "m"))
    assert os.listdir(tmp_path) == []


def test_max_to_keep_and_named_var_list(tmp_path):
    w, b, step = model()
    saver = ds.train.Saver({"weights": w}, max_to_keep=2)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        for i in range(4):
            saver.save(sess, str(tmp_path / "m"), global_step=i)
    kept = sorted(p for p in os.listdir(tmp_path) if p.endswith(".safetensors"))
    assert kept == sorted(os.path.basename(data_path(str(tmp_path / f"m-{i}"))) for i in (2, 3))
    index = json.load(open(tmp_path / "m-3.index.json"))
    assert [e["name"] for e in index["variables"]] == ["weights"]
    with ds.Session() as sess:
        saver.restore(sess, str(tmp_path / "m-3"))
        np.testing.assert_array_equal(sess.run(w), np.arange(6.0).reshape(2, 3))
        assert not sess.is_initialized(b)


def test_tf1_save_options(tmp_path):
    """TF1's keyword arguments work as in TF1, the ones that would change what is kept are
    refused, and an unknown one is a TypeError (never silently ignored)."""
    w, b, step = model()
    saver = ds.train.Saver(pad_step_number=True, sharded=True, name="save", write_version=2)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        assert saver.save(sess, str(tmp_path / "m"), global_step=7, write_meta_graph=False) \
            == str(tmp_path / "m-00000007")
        saver.save(sess, str(tmp_path / "other"), write_state=False)
        assert ds.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m-00000007")
        saver.save(sess, str(tmp_path / "x"), latest_filename="state")
        assert ds.train.latest_checkpoint(str(tmp_path), latest_filename="state") == str(tmp_path / "x")
        assert ds.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m-00000007")
        with pytest.raises(ValueError, match="plain file name"):
            saver.save(sess, str(tmp_path / "y"), latest_filename="m.index.json")
        with pytest.raises(TypeError, match="unexpected keyword"):
            saver.save(sess, str(tmp_path / "y"), max_to_kep=1)
    assert not (tmp_path / "y.index.json").exists() and "m.index.json" not in os.listdir(tmp_path)
    with pytest.raises(NotImplementedError, match="keep_checkpoint_every_n_hours"):
        ds.train.Saver(keep_checkpoint_every_n_hours=1.0)
    with pytest.raises(NotImplementedError, match="reshape"):
        ds.train.Saver(reshape=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        ds.train.Saver(max_to_kep=1)
    ds.reset_default_graph()
    empty = ds.train.Saver(allow_empty=True)
    with ds.Session() as sess:
        assert empty.save(sess, str(tmp_path / "nothing")) is None
        empty.restore(sess, str(tmp_path / "nothing"))
    assert not (tmp_path / "nothing.index.json").exists()
