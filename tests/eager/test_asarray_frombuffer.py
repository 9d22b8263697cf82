"""asarray and frombuffer as PyTorch's: what shares memory (a write shows through) and what
copies, copy=True/False, requires_grad on the returned tensor, dtypes as dg.tensor infers
them; frombuffer's elements against struct.unpack of the same bytes (drawn dtype, count and
offset); PyTorch's refusals."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError

FORMATS = {dg.float32: "f", dg.float64: "d", dg.int32: "i", dg.int64: "q", dg.int16: "h", dg.uint8: "B"}


@pytest.mark.cpu_only  # (host memory: frombuffer's tensors live on the CPU, as PyTorch's)
@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(FORMATS, key=str)), st.binary(min_size=1, max_size=40), st.data())
def test_frombuffer_reads_the_bytes_as_struct_does(dtype, raw, data):
    item = struct.calcsize(FORMATS[dtype])
    offset = data.draw(st.integers(0, len(raw) - 1))
    if len(raw) - offset < item:
        return
    count = data.draw(st.integers(1, (len(raw) - offset) // item))
    want = struct.unpack_from(f"<{count}{FORMATS[dtype]}", raw, offset)
    got = dg.frombuffer(bytearray(raw), dtype=dtype, count=count, offset=offset).numpy()
    np.testing.assert_array_equal(got, np.array(want, dtype=dtype.np))


@pytest.mark.cpu_only  # (sharing a numpy array's memory: the CPU's; the jax device copies, below)
def test_sharing_and_copying():
    buffer = bytearray(8)
    shared = dg.frombuffer(buffer, dtype=dg.float32)
    shared[1] = 2.5  # a write reaches the buffer
    assert struct.unpack("<2f", buffer) == (0.0, 2.5)
    array = np.arange(3.0)
    alias, copied = dg.asarray(array), dg.asarray(array, copy=True)
    array[0] = 9.0
    assert alias[0].item() == 9.0 and copied[0].item() == 0.0 and alias.dtype == dg.float64
    assert dg.asarray(array, dtype=dg.float32)[0].item() == 9.0  # (a cast copies)
    x = dg.ones(3, requires_grad=True)
    assert dg.asarray(x) is x and dg.asarray(x, copy=True).grad_fn is not None
    assert dg.asarray([1, 2]).dtype == dg.int64 and dg.asarray([1.0, 2]).dtype == dg.float32
    assert dg.asarray(bytearray(struct.pack("<f", 1.5))).item() == 1.5  # a buffer: raw float32
    leaf = dg.ones(2, requires_grad=True)
    assert dg.asarray(leaf, requires_grad=False) is leaf and not leaf.requires_grad  # (PyTorch's)
    assert dg.asarray(np.ones(2), requires_grad=True).requires_grad


@pytest.mark.parametrize("call, text", [
    (lambda: dg.asarray(np.arange(3.0), dtype=dg.float32, copy=False), "can't alias NumPy array"),
    (lambda: dg.asarray(dg.ones(2), dtype=dg.float64, copy=False), "can't alias tensor"),
    (lambda: dg.asarray([1.0], copy=False), "can't alias arbitrary sequence"),
    (lambda: dg.frombuffer(bytearray(3), dtype=dg.float32), "must be a multiple of element size (4)"),
    (lambda: dg.frombuffer(bytearray(8), dtype=dg.float32, count=3), "must not be greater than actual"),
    (lambda: dg.frombuffer(bytearray(8), dtype=dg.float32, offset=9), "offset (9 bytes) must be"),
    (lambda: dg.frombuffer([1, 2], dtype=dg.uint8), "does not implement Python buffer protocol"),
    (lambda: dg.frombuffer(bytearray(0), dtype=dg.uint8), "must not be 0"),
])
def test_refusals_name_the_function(call, text):
    with pytest.raises(DualgradError) as info:
        call()
    assert text in str(info.value) and "test_asarray_frombuffer.py" in str(info.value)


def test_a_read_only_buffer_gives_a_read_only_tensor():
    t = dg.frombuffer(b"\x00\x00\x80?", dtype=dg.float32)
    assert t.item() == 1.0
    with pytest.raises(DualgradError, match="read-only"):
        t.add_(1)


@pytest.mark.cpu_only  # (the device is named)
def test_another_device_copies_and_copy_false_refuses():
    array = np.arange(3.0)
    alias = dg.asarray(array, device="jax")
    array[0] = 9.0
    assert alias.device.type == "jax" and alias[0].item() == 0.0
    with pytest.raises(DualgradError, match="can't alias NumPy array"):
        dg.asarray(array, device="jax", copy=False)
