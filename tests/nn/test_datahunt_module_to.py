"""`Module.to` reads its arguments as `Tensor.to` does (a tensor's dtype and device, `float`,
numpy dtypes) and, as PyTorch's, casts only floating-point parameters and buffers; found by
the differential hunt of Module state against torch 2.13."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn


class _Counted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)  # num_batches_tracked: int64
        self.register_buffer("index", dg.tensor([3, 1]))  # int64
        self.register_buffer("flags", dg.tensor([True, False]))


def _dtypes(m: nn.Module) -> dict:
    return {n: t.dtype for n, t in [*m.named_parameters(), *m.named_buffers()]}


_FLOAT_TARGETS = [
    ("tensor float64", lambda: dg.zeros(1, dtype=dg.float64), dg.float64),
    ("tensor float16", lambda: dg.zeros(1, dtype=dg.float16), dg.float16),
    ("python float", lambda: float, dg.float64),
    ("numpy float64", lambda: np.float64, dg.float64),
    ("numpy dtype float16", lambda: np.dtype("float16"), dg.float16),
    ("dtype", lambda: dg.float64, dg.float64),
]


@pytest.mark.parametrize("label,target,want", _FLOAT_TARGETS, ids=[t[0] for t in _FLOAT_TARGETS])
def test_module_to_casts_only_floating_tensors(label, target, want):
    """`m.to(float64_tensor)` cast the int64 `num_batches_tracked` and an int index buffer to
    float64 (and bools to float) before; torch 2.13 keeps them, as dualgrad's `m.to(dg.float64)` did."""
    m = _Counted()
    before = _dtypes(m)
    weights = m.lin.weight.detach().numpy().astype(np.float64)
    assert m.to(target()) is m
    after = _dtypes(m)
    for name, dt in before.items():
        assert after[name] == (want if dt.is_floating_point else dt), name
    assert m.index.tolist() == [3, 1] and m.flags.tolist() == [True, False]
    np.testing.assert_array_equal(m.lin.weight.detach().numpy().astype(np.float64),
                                  weights.astype(want.np).astype(np.float64))


@pytest.mark.parametrize("target", [lambda: dg.zeros(1, dtype=dg.int32), lambda: int, lambda: np.int64,
                                    lambda: dg.zeros(1, dtype=dg.bool)])
def test_module_to_an_integer_dtype_raises_and_changes_nothing(target):
    """`m.to(int32_tensor)` turned every parameter into int32 (weights truncated toward 0)
    before; torch 2.13 raises 'nn.Module.to only accepts floating point ... dtypes'."""
    m = _Counted()
    before, weights = _dtypes(m), m.lin.weight.detach().numpy().copy()
    with pytest.raises(TypeError, match="floating point"):
        m.to(target())
    assert _dtypes(m) == before
    np.testing.assert_array_equal(m.lin.weight.detach().numpy(), weights)


def test_module_to_a_device_keeps_dtypes():
    """A device alone (positional or keyword) changes no dtype."""
    m = _Counted()
    before = _dtypes(m)
    assert _dtypes(m.to("cpu")) == before and _dtypes(m.to(device="cpu")) == before
    assert _dtypes(m.to("cpu", dg.float64))["lin.weight"] == dg.float64


def test_parameter_dict_from_a_plain_dict_is_in_sorted_key_order():
    """torch 2.13's ParameterDict adds a plain dict's entries in sorted key order (an OrderedDict,
    a ParameterDict or a list of pairs in their order), so `parameters()` (an optimizer's
    parameter indices, `state_dict()`) follows; dualgrad kept the dict's insertion order."""
    from collections import OrderedDict

    def p(v: float) -> nn.Parameter:
        return nn.Parameter(dg.tensor([v]))

    plain = nn.ParameterDict({"b": p(1.0), "a": p(2.0), "c": p(3.0)})
    assert list(plain.keys()) == ["a", "b", "c"] and [v.item() for v in plain.values()] == [2.0, 1.0, 3.0]
    assert [n for n, _ in plain.named_parameters()] == ["a", "b", "c"]
    assert list(plain.state_dict()) == ["a", "b", "c"]
    plain.update({"e": p(4.0), "d": p(5.0)})
    plain.update([("g", p(6.0)), ("f", p(7.0))])
    assert list(plain.keys()) == ["a", "b", "c", "d", "e", "g", "f"]
    ordered = nn.ParameterDict(OrderedDict([("b", p(1.0)), ("a", p(2.0))]))
    assert list(ordered.keys()) == ["b", "a"] and list(ordered.copy().keys()) == ["b", "a"]
    assert list((ordered | nn.ParameterDict([("z", p(0.0)), ("y", p(0.0))])).keys()) == ["b", "a", "z", "y"]
