"""`ds.summary` and `FileWriter`: event files decoded here with an independent TFRecord and
protobuf reader (and by TensorBoard's own reader where it is installed), values checked
against numpy."""
from __future__ import annotations

import struct
import sys
import types

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import ShapeError
from dualgrad.static.summary import records


def crc32c_bitwise(data: bytes) -> int:
    """CRC-32C bit by bit (the writer uses a table)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def read_records(path) -> list[bytes]:
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        (length_crc,) = struct.unpack_from("<I", data, pos + 8)
        assert unmask(length_crc) == crc32c_bitwise(data[pos:pos + 8])
        body = data[pos + 12:pos + 12 + length]
        (body_crc,) = struct.unpack_from("<I", data, pos + 12 + length)
        assert unmask(body_crc) == crc32c_bitwise(body)
        out.append(body)
        pos += 16 + length
    return out


def fields(message: bytes) -> list[tuple[int, object]]:
    """(field number, value) pairs of a protobuf message: ints, 8/4-byte raw, or bytes."""
    out, pos = [], 0
    while pos < len(message):
        key, pos = varint(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(message, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<d", message, pos)[0], pos + 8
        elif wire == 5:
            value, pos = struct.unpack_from("<f", message, pos)[0], pos + 4
        else:
            assert wire == 2, wire
            length, pos = varint(message, pos)
            value, pos = message[pos:pos + length], pos + length
        out.append((number, value))
    return out


def varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def summaries(path) -> list[tuple[int, str, object]]:
    """(step, tag, scalar or histogram fields) of every summary value in the file."""
    out = []
    for event in read_records(path):
        f = dict(fields(event))
        if 5 in f:
            for number, value in fields(f[5]):
                assert number == 1
                v = dict(fields(value))
                tag = v[1].decode()
                out.append((f.get(2, 0), tag, v[2] if 2 in v else fields(v[5])))
    return out


def tensorboard_reader():
    """TensorBoard's `event_accumulator` (the `tensorboard` extra), loaded on its TensorFlow-free
    path: with TensorFlow installed its reader would otherwise import it (~20 s) for nothing
    it needs here. `tensorboard.compat.notf` is the marker TensorBoard's own TF-free build uses.
    (A test calling it takes the `tensorboard` fixture: deselected where it is not installed.)"""
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    from tensorboard.backend.event_processing import event_accumulator

    return event_accumulator


def build_regression():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    w = ds.Variable(np.array([0.5], np.float32), name="w")
    with ds.name_scope("train"):
        loss = ds.reduce_mean(ds.square(x * w - 1.0))
        ds.summary.scalar("loss", loss)
    ds.summary.histogram("weights", w * x)
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, w, loss, train


def test_crc32c_matches_the_standard_check_value():
    assert records.crc32c(b"123456789") == 0xE3069283 == crc32c_bitwise(b"123456789")


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_scalars_and_histograms_round_trip_with_numpy_values(tmp_path, backend):
    x, w, loss, train = build_regression()
    merged = ds.summary.merge_all()
    data = np.linspace(-2, 3, 7, dtype=np.float32).reshape(7, 1)
    expected_w = 0.5
    with ds.Session(backend=backend) as sess, ds.summary.FileWriter(tmp_path, sess.graph) as writer:
        sess.run(ds.global_variables_initializer())
        for step in range(3):
            summary, _ = sess.run([merged, train], feed_dict={x: data})
            assert isinstance(summary, bytes)
            writer.add_summary(summary, step)
    (path,) = tmp_path.iterdir()
    got = summaries(path)
    assert [tag for _, tag, _ in got] == ["train/loss", "weights"] * 3
    for step in range(3):
        _, _, loss_value = got[2 * step]
        residual = data[:, 0].astype(np.float64) * expected_w - 1
        assert loss_value == pytest.approx(np.mean(residual**2), rel=1e-6)
        values = data[:, 0].astype(np.float64) * expected_w
        histo = dict((n, v) for n, v in got[2 * step + 1][2] if n <= 5)
        assert histo == pytest.approx({1: values.min(), 2: values.max(), 3: 7.0, 4: values.sum(),
                                       5: float(values @ values)}, rel=1e-6)
        counts = dict(got[2 * step + 1][2])[7]
        assert sum(struct.unpack(f"<{len(counts) // 8}d", counts)) == 7
        expected_w -= 0.1 * float(np.mean(2 * residual * data[:, 0]))


def test_tensorboards_reader_loads_the_file(tensorboard, tmp_path):
    event_accumulator = tensorboard_reader()
    x, w, loss, train = build_regression()
    merged = ds.summary.merge_all()
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        writer = ds.summary.FileWriter(tmp_path, graph=sess.graph)
        for step in range(4):
            writer.add_summary(sess.run(merged, {x: np.ones((2, 1), np.float32)}), step)
        writer.close()
    acc = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    assert acc.Tags()["scalars"] == ["train/loss"] and acc.Tags()["histograms"] == ["weights"]
    assert [e.step for e in acc.Scalars("train/loss")] == [0, 1, 2, 3]
    assert acc.Scalars("train/loss")[0].value == pytest.approx(0.25)
    assert acc.Histograms("weights")[0].histogram_value.num == 2
    assert {n.name for n in acc.Graph().node} == {op.name for op in ds.get_default_graph().get_operations()}


def test_build_time_errors_and_writer_ownership(tmp_path):
    ds.reset_default_graph()
    assert ds.summary.merge_all() is None
    with pytest.raises(ShapeError, match=r"must be a scalar.*test_summary.py:\d+"):
        ds.summary.scalar("bad", ds.zeros([3]))
    with pytest.raises(TypeError, match="ds.summary.merge takes summaries"):
        ds.summary.merge([ds.zeros([1])])
    (tmp_path / "events.out.tfevents.mine").write_bytes(b"user data")
    first, second = ds.summary.FileWriter(tmp_path), ds.summary.FileWriter(tmp_path)
    with pytest.raises(TypeError, match="add_summary takes what Session.run returns"):
        first.add_summary(3.0)
    first.close(), second.close()
    with pytest.raises(ValueError, match="is closed"):
        first.add_summary(b"")
    assert len(list(tmp_path.iterdir())) == 3
    assert (tmp_path / "events.out.tfevents.mine").read_bytes() == b"user data"
