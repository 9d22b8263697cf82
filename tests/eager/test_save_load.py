"""dg.save / dg.load: safetensors files that round-trip tensors, state dicts and nested
optimizer state exactly, that other safetensors readers (numpy, torch) open, and that can
never run code when loaded."""
from __future__ import annotations

import json
import math
import os
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import CheckpointError, DeviceError

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64,
          np.bool_]
CODES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8, "U8": np.uint8,
         "I16": np.int16, "I32": np.int32, "I64": np.int64, "BOOL": np.bool_}


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict]:
    """An independent reader written from the format's specification (the oracle)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, spec in header.items():
        begin, end = spec["data_offsets"]
        dtype = np.dtype(CODES[spec["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[begin:end], dtype).reshape(spec["shape"])
    return out, metadata


arrays = st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))


@pytest.mark.cpu_only
@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), arrays, max_size=4))
def test_state_dict_round_trip_matches_numpy_and_the_spec_reader(tmp_path_factory, state):
    path = str(tmp_path_factory.mktemp("sd") / "state.safetensors")
    dg.save({k: dg.tensor(a) for k, a in state.items()}, path)
    loaded = dg.load(path)
    assert list(loaded) == list(state)
    raw, _ = read_safetensors(path)
    assert set(raw) == set(state)  # a flat state dict keeps its keys as tensor names
    for k, a in state.items():
        assert isinstance(loaded[k], dg.Tensor) and loaded[k].dtype == dg.dtypes.from_numpy_dtype(a.dtype)
        np.testing.assert_array_equal(loaded[k].numpy(), a)
        np.testing.assert_array_equal(raw[k], a)
        assert loaded[k].shape == a.shape


leaves = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=6),
                   st.floats(allow_nan=True, allow_infinity=True), arrays.map(dg.tensor))
trees = st.recursive(leaves, lambda sub: st.one_of(
    st.lists(sub, max_size=3), st.lists(sub, max_size=3).map(tuple),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-3, 3)), sub, max_size=3)),
    max_leaves=12)


def same(a, b) -> bool:
    """Equal in type, structure, key order and value (NaN == NaN, -0.0 != 0.0)."""
    if isinstance(a, dg.Tensor):
        return (isinstance(b, dg.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a.numpy(), b.numpy(), equal_nan=a.dtype.is_floating_point))
    if isinstance(a, float):
        return isinstance(b, float) and (math.isnan(a) and math.isnan(b) or
                                         (a == b and math.copysign(1, a) == math.copysign(1, b)))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.cpu_only
@settings(max_examples=40, deadline=None)
@given(trees)
def test_nested_state_round_trips_exactly(tmp_path_factory, obj):
    path = str(tmp_path_factory.mktemp("tree") / "obj.safetensors")
    dg.save(obj, path)
    assert same(obj, dg.load(path))


def test_optimizer_state_and_devices(tmp_path, eager_device):
    w = dg.randn(3, 2, requires_grad=True)
    state = {"state": {0: {"step": 12, "exp_avg": dg.zeros(3, 2), "max_exp_avg_sq": dg.ones(3, 2)}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": True,
                               "params": [0], "foreach": None}],
             "weights": [w, w * 2], "lookup": np.arange(4, dtype=np.int32), "scale": np.float64(0.5)}
    dg.save(state, tmp_path / "optim.safetensors")  # a path object works too
    loaded = dg.load(str(tmp_path / "optim.safetensors"))
    assert loaded["param_groups"] == state["param_groups"]
    assert loaded["state"][0]["step"] == 12 and list(loaded["state"]) == [0]
    np.testing.assert_array_equal(loaded["weights"][1].numpy(), (w * 2).detach().numpy())
    assert not loaded["weights"][0].requires_grad
    assert loaded["weights"][0].device == w.device  # where it was saved from, as torch.load
    assert loaded["state"][0]["exp_avg"].device == w.device
    assert isinstance(loaded["lookup"], np.ndarray) and loaded["lookup"].dtype == np.int32
    assert loaded["scale"] == 0.5 and isinstance(loaded["scale"], np.float64)
    on_jax = dg.load(str(tmp_path / "optim.safetensors"), map_location="jax")
    assert on_jax["weights"][0].device == dg.zeros(1, device="jax").device  # (cuda:0 on a GPU)
    np.testing.assert_array_equal(on_jax["weights"][0].cpu().numpy(), w.detach().numpy())
    on_cpu = dg.load(str(tmp_path / "optim.safetensors"), map_location="cpu")
    assert on_cpu["weights"][0].device == "cpu"
    np.testing.assert_array_equal(on_cpu["weights"][0].numpy(), w.detach().numpy())


@pytest.mark.cpu_only
def test_a_device_this_process_cannot_place_is_a_checkpoint_error_naming_map_location(tmp_path, monkeypatch):
    """A file saved on a GPU, loaded where there is none (simulated: placing on the jax device
    fails): PyTorch's advice, map_location='cpu', in a CheckpointError naming the file."""
    import dualgrad.eager.creation as creation

    path = str(tmp_path / "gpu.safetensors")
    dg.save({"w": dg.ones(2, device="jax")}, path)
    place = creation.tensor

    def no_jax(data, *args, device=None, **kwargs):
        if device is not None and str(device).startswith("jax"):
            raise DeviceError("no such device here")
        return place(data, *args, device=device, **kwargs)

    monkeypatch.setattr(creation, "tensor", no_jax)
    with pytest.raises(CheckpointError, match=r"gpu.safetensors: tensor 'w' was saved on device 'jax'.*"
                                              r"map_location='cpu'"):
        dg.load(path)
    np.testing.assert_array_equal(dg.load(path, map_location="cpu")["w"].numpy(), [1.0, 1.0])


@pytest.mark.cpu_only
def test_a_single_tensor_and_bad_objects(tmp_path):
    t = dg.arange(5)
    dg.save(t, str(tmp_path / "t.safetensors"))
    assert same(t, dg.load(str(tmp_path / "t.safetensors")))
    loop: list = []
    loop.append(loop)
    for bad, error, pattern in [({"f": len}, TypeError, "cannot store builtin_function"),
                                ({1.5: dg.ones(1)}, TypeError, "dict keys must be str or int"),
                                (loop, ValueError, "nested deeper"),
                                (np.array(["a"]), TypeError, "cannot hold arrays of dtype")]:
        with pytest.raises(error, match=pattern):
            dg.save(bad, str(tmp_path / "bad.safetensors"))
    assert not (tmp_path / "bad.safetensors").exists()
    with pytest.raises(TypeError, match="file path"):
        dg.save(t, open(tmp_path / "f", "wb"))


@pytest.mark.cpu_only
def test_save_replaces_a_file_only_when_complete(tmp_path, monkeypatch):
    path = str(tmp_path / "m.safetensors")
    dg.save({"a": dg.ones(2)}, path)

    def fail(*args):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="injected"):
        dg.save({"a": dg.zeros(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]
    np.testing.assert_array_equal(dg.load(path)["a"].numpy(), np.ones(2))


@pytest.mark.cpu_only
def test_loading_never_unpickles(tmp_path):
    """A torch-style pickle whose unpickling would create a file is refused as not a
    safetensors file, and the file is never created."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (tmp_path / "model.pt").write_bytes(pickle.dumps({"w": Payload()}))
    with pytest.raises(CheckpointError, match="model.pt"):
        dg.load(str(tmp_path / "model.pt"))
    assert not marker.exists()
    import dualgrad.serialization as package

    sources = "".join(open(os.path.join(os.path.dirname(package.__file__), f)).read()
                      for f in os.listdir(os.path.dirname(package.__file__)) if f.endswith(".py"))
    assert "import pickle" not in sources and "np.load" not in sources


@pytest.mark.cpu_only
def test_hostile_files_are_checkpoint_errors(tmp_path):
    path = str(tmp_path / "x.safetensors")
    cases = {
        b"": "too short",
        struct.pack("<Q", 1 << 40) + b"{}": "header declares",
        struct.pack("<Q", 2) + b"[]": "not a JSON object|not a safetensors",
        struct.pack("<Q", 60) + json.dumps({"a": {"dtype": "F32", "shape": [1 << 40],
                                                  "data_offsets": [0, 4 << 40]}}).encode()[:60]:
            "not valid JSON|tensors hold",
        struct.pack("<Q", 62) + json.dumps({"a": {"dtype": "BF16", "shape": [1],
                                                  "data_offsets": [0, 2]}}).ljust(62).encode() + b"xx":
            "unsupported dtype",
        struct.pack("<Q", 2) + b"{" + b"\xff": "not valid JSON",
    }
    overlapping = {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                   "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}
    body = json.dumps(overlapping).encode()
    cases[struct.pack("<Q", len(body)) + body + b"abc"] = "overlap or leave a hole"
    duplicated = b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' \
                 b'"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}'
    cases[struct.pack("<Q", len(duplicated)) + duplicated + b"xy"] = "duplicate key"
    bad_bool = b'{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}'
    cases[struct.pack("<Q", len(bad_bool)) + bad_bool + b"\x07"] = "BOOL"
    deep = b'{"a":' + b"[" * 100_000
    cases[struct.pack("<Q", len(deep)) + deep] = "nested"
    for content, pattern in cases.items():
        open(path, "wb").write(content)
        with pytest.raises(CheckpointError, match=pattern) as info:
            dg.load(path)
        assert path in str(info.value)
    os.symlink(os.path.join(os.path.dirname(path), "missing"), str(tmp_path / "dangling"))
    with pytest.raises(CheckpointError, match="no such file"):
        dg.load(str(tmp_path / "dangling"))


@pytest.mark.cpu_only
def test_files_of_other_writers_load_as_a_state_dict(tmp_path):
    """A safetensors file written by another tool (here by hand, following the spec) loads
    as {name: Tensor}; a link to it is followed (hub caches link to blobs)."""
    body = json.dumps({"__metadata__": {"format": "pt"},
                       "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                       "n": {"dtype": "I64", "shape": [], "data_offsets": [8, 16]}}).encode()
    raw = struct.pack("<Q", len(body)) + body + np.array([1.5, -2], "<f4").tobytes() \
        + np.array(7, "<i8").tobytes()
    (tmp_path / "blob").write_bytes(raw)
    os.symlink(tmp_path / "blob", tmp_path / "model.safetensors")
    loaded = dg.load(str(tmp_path / "model.safetensors"))
    assert list(loaded) == ["w", "n"]
    np.testing.assert_array_equal(loaded["w"].numpy(), np.array([1.5, -2], np.float32))
    assert loaded["n"].item() == 7 and loaded["n"].dtype == dg.int64


@pytest.mark.cpu_only
@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), arrays, min_size=1, max_size=4))
def test_safetensors_numpy_reads_ours_and_we_read_theirs(safetensors_numpy, tmp_path_factory, state):
    numpy_st = safetensors_numpy
    directory = tmp_path_factory.mktemp("np")
    ours, theirs = str(directory / "ours.safetensors"), str(directory / "theirs.safetensors")
    dg.save({k: dg.tensor(a) for k, a in state.items()}, ours)
    numpy_st.save_file(state, theirs)
    from_ours, from_theirs = numpy_st.load_file(ours), dg.load(theirs)
    for k, a in state.items():
        assert from_ours[k].dtype == a.dtype and from_theirs[k].numpy().dtype == a.dtype
        np.testing.assert_array_equal(from_ours[k], a)
        np.testing.assert_array_equal(from_theirs[k].numpy(), a)


@pytest.mark.cpu_only
def test_torch_reads_ours_and_we_read_torchs(torch, safetensors_torch, tmp_path):
    torch_st = safetensors_torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    state["mask"] = torch.tensor([True, False])
    state["ids"] = torch.arange(3, dtype=torch.int64)
    torch_st.save_file(state, str(tmp_path / "torch.safetensors"))
    ours = dg.load(str(tmp_path / "torch.safetensors"))
    assert set(ours) == set(state)  # in the file's order, which torch's writer chooses
    for k, v in state.items():
        np.testing.assert_array_equal(ours[k].numpy(), v.numpy())
    dg.save(ours, str(tmp_path / "dualgrad.safetensors"))
    back = torch_st.load_file(str(tmp_path / "dualgrad.safetensors"))
    assert set(back) == set(state)
    for k, v in state.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v)
    model.load_state_dict({k: back[k] for k in model.state_dict()})
    torch_st.save_file({"x": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "bf16.safetensors"))
    with pytest.raises(CheckpointError, match="unsupported dtype 'BF16'"):
        dg.load(str(tmp_path / "bf16.safetensors"))
