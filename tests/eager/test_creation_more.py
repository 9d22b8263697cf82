"""dg.logspace, dg.tril_indices/triu_indices, dg.nonzero/argwhere (and Tensor.nonzero) and the
`dtype=` of mean/sum/prod/cumsum, against oracles written out here in numpy float64 and plain
Python loops (PyTorch 2.13's values for the integer logspace cases are written out too)."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import DTypeError, NotImplementedForDType, ShapeError, ValueOverflowError


def _exponents(start: float, end: float, n: int) -> np.ndarray:
    """start + i * (end - start) / (n - 1), the exponents of logspace."""
    if n == 1:
        return np.array([start])
    return start + np.arange(n) * ((end - start) / (n - 1))


@pytest.mark.parametrize("start, end, steps, base", [(0, 3, 4, 10.0), (-2.5, 1.5, 7, 2.0), (1, -1, 5, 0.5),
                                                      (0, 10, 11, 2.5), (3, 3, 1, 10.0), (0, 1, 0, 10.0)])
def test_logspace_floats_are_base_to_the_linspace(start, end, steps, base):
    expected = base ** _exponents(start, end, steps) if steps else np.zeros(0)
    t64 = dg.logspace(start, end, steps, base=base, dtype=dg.float64)
    np.testing.assert_allclose(t64.numpy(), expected, rtol=1e-14)
    t32 = dg.logspace(start, end, steps, base=base)
    assert t32.dtype == dg.float32 and t32.shape == (steps,)
    assert t32.device == dg.zeros(1).device  # (the default 'jax' device is cuda:0 on a GPU)
    np.testing.assert_allclose(t32.numpy(), expected, rtol=2e-7)


# (start, end, steps, base, dtype) -> PyTorch 2.13's result
INTEGER_CASES = [
    ((0, 2, 5, 10.0, dg.int64), [1, 3, 10, 31, 100]),
    ((0.5, 2.5, 5, 2.0, dg.int64), [1, 1, 2, 2, 4]),  # bounds truncate to 0 and 2 first
    ((-1.5, 1.5, 3, 10.0, dg.int64), [0, 1, 10]),
    ((0.7, 2.9, 3, 10.0, dg.int32), [1, 10, 100]),
    ((2, 0, 5, 10.0, dg.int64), [100, 31, 10, 3, 1]),
    ((0, 2, 3, 2.5, dg.int16), [1, 2, 6]),
    ((0, 2, 5, 10.0, dg.uint8), [1, 3, 10, 31, 100]),
]


@pytest.mark.parametrize("args, torch_values", INTEGER_CASES)
def test_logspace_integer_dtypes_truncate_bounds_then_powers(args, torch_values):
    start, end, steps, base, dtype = args
    t = dg.logspace(start, end, steps, base=base, dtype=dtype)
    s, e = math.trunc(start), math.trunc(end)
    oracle = [math.trunc(base ** x) for x in _exponents(s, e, steps)]
    assert t.dtype == dtype and t.tolist() == oracle == torch_values


@pytest.mark.cpu_only
def test_logspace_refusals():
    with pytest.raises(ShapeError, match="logspace: number of steps must be non-negative"):
        dg.logspace(0, 1, -1)
    with pytest.raises(NotImplementedForDType, match="logspace"):
        dg.logspace(0, 1, 3, dtype=dg.bool)
    # PyTorch wraps 1000 to -24 in int8 (and gives INT64_MIN for nan); dualgrad refuses
    with pytest.raises(ValueOverflowError, match="logspace.*1000.*int8"):
        dg.logspace(0, 3, 4, dtype=dg.int8)
    with pytest.raises(ValueOverflowError, match="logspace"):
        dg.logspace(0, 1, 3, base=-2.0, dtype=dg.int64)
    with pytest.raises(DTypeError, match="logspace.*steps"):
        dg.logspace(0, 1, 2.5)


def _triangle(rows: int, cols: int, offset: int, lower: bool) -> list[list[int]]:
    cells = [(i, j) for i in range(rows) for j in range(cols)
             if (j - i <= offset if lower else j - i >= offset)]
    return [[i for i, _ in cells], [j for _, j in cells]]


@pytest.mark.cpu_only  # index values, not devices
def test_tril_and_triu_indices_list_the_triangle_row_major():
    for rows, cols, offset in itertools.product((0, 1, 3, 4), (0, 2, 3, 5), (-5, -1, 0, 1, 4)):
        for fn, lower in ((dg.tril_indices, True), (dg.triu_indices, False)):
            t = fn(rows, cols, offset)
            assert t.dtype == dg.int64 and t.shape[0] == 2
            assert t.tolist() == _triangle(rows, cols, offset, lower), (fn.__name__, rows, cols, offset)
    assert dg.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]  # PyTorch's
    small = dg.triu_indices(3, 4, offset=1, dtype=dg.int32)
    assert small.dtype == dg.int32 and small.tolist() == [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]
    x = dg.arange(12.0).reshape(3, 4)
    i, j = dg.tril_indices(3, 4)
    rows, cols = _triangle(3, 4, 0, True)
    assert x[i, j].tolist() == [4.0 * r + c for r, c in zip(rows, cols, strict=True)]


@pytest.mark.cpu_only
def test_triangle_indices_refusals():
    with pytest.raises(ShapeError, match="tril_indices: row must be non-negative, got -1"):
        dg.tril_indices(-1, 3)
    with pytest.raises(ShapeError, match="triu_indices: col must be non-negative, got -2"):
        dg.triu_indices(3, -2)
    with pytest.raises(NotImplementedForDType, match="tril_indices.*'Float'"):
        dg.tril_indices(3, 3, dtype=dg.float32)
    with pytest.raises(DTypeError, match="tril_indices.*row.*must be int"):
        dg.tril_indices(3.0, 3)


def _nonzero_oracle(a: np.ndarray) -> list[list[int]]:
    return [list(idx) for idx in np.ndindex(*a.shape) if a[idx] != 0 or a[idx] != a[idx]]  # NaN counts


@pytest.mark.parametrize("values", [
    [[0.0, 1.5], [float("nan"), 0.0], [-0.0, 2.0]],
    [True, False, True],
    [[[0, 3], [4, 0]], [[0, 0], [7, 1]]],
    np.zeros((0, 3)),
])
def test_nonzero_and_argwhere_list_the_nonzero_positions(values):
    a = np.asarray(values)
    x = dg.tensor(a)
    expected = _nonzero_oracle(a)
    for got in (dg.nonzero(x), x.nonzero(), dg.argwhere(x), x.argwhere()):
        assert got.dtype == dg.int64 and got.shape == (len(expected), a.ndim) and got.tolist() == expected
        assert str(got.device) == str(x.device)
    columns = x.nonzero(as_tuple=True)
    assert len(columns) == a.ndim
    assert [c.tolist() for c in columns] == [[p[d] for p in expected] for d in range(a.ndim)]


def test_nonzero_of_a_scalar_reads_it_as_one_dim():
    assert dg.nonzero(dg.tensor(3.0)).shape == (1, 0) and dg.argwhere(dg.tensor(0.0)).shape == (0, 0)
    assert [t.tolist() for t in dg.nonzero(dg.tensor(3.0), as_tuple=True)] == [[0]]
    assert [t.tolist() for t in dg.nonzero(dg.tensor(0.0), as_tuple=True)] == [[]]


def test_nonzero_never_requires_grad_and_indexes_back():
    x = dg.tensor([[0.0, 2.0], [3.0, 0.0]], requires_grad=True)
    idx = x.nonzero()
    assert not idx.requires_grad and idx.grad_fn is None
    picked = x[tuple(x.nonzero(as_tuple=True))]
    picked.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(TypeError):
        dg.nonzero(x, True)  # as_tuple is keyword-only, as in PyTorch


def test_reductions_cast_to_dtype_before_reducing():
    a = np.array([[1, 2, 4], [3, 5, 7]], dtype=np.int64)
    i = dg.tensor(a)
    for dim in (None, 0, 1):
        af = a.astype(np.float64)
        mean = i.mean(dtype=dg.float64) if dim is None else dg.mean(i, dim, dtype=dg.float64)
        assert mean.dtype == dg.float64
        np.testing.assert_allclose(mean.numpy(), af.mean() if dim is None else af.mean(axis=dim), rtol=1e-15)
    assert dg.mean(i, 1, True, dtype=dg.float32).shape == (2, 1)
    p = i.prod(1, dtype=dg.float32)
    assert p.dtype == dg.float32 and p.tolist() == [8.0, 105.0]
    for fn in (lambda t: dg.prod(t, dtype=dg.int32), lambda t: t.sum(dtype=dg.int32),
               lambda t: t.cumsum(0, dtype=dg.int32), lambda t: t.cumprod(0, dtype=dg.int32)):
        assert fn(i).dtype == dg.int32  # PyTorch: the result has the dtype asked for
    assert dg.prod(i, dtype=dg.int32).item() == 840 and i.int().sum().dtype == dg.int64
    assert i.sum(dtype=dg.float64).dtype == dg.float64
    assert i.cumsum(1, dtype=dg.float64).tolist() == [[1.0, 3.0, 7.0], [3.0, 8.0, 15.0]]
    with pytest.raises(DTypeError, match=r"mean\(\): could not infer output dtype.*Got: int64"):
        i.mean(dtype=dg.int64)


def test_dtype_reductions_differentiate_back_to_the_input_dtype():
    x = np.array([1.5, 2.7, -0.3], dtype=np.float32)
    for name, fn, grad in [
        ("mean", lambda t: t.mean(dtype=dg.float64), np.full(3, 1 / 3)),
        ("sum", lambda t: t.sum(dtype=dg.float64), np.ones(3)),
        ("prod", lambda t: t.prod(dtype=dg.float64),
         np.array([x[1] * x[2], x[0] * x[2], x[0] * x[1]], np.float64)),
        ("cumsum", lambda t: t.cumsum(0, dtype=dg.float64).sum(), np.array([3.0, 2.0, 1.0])),
    ]:
        t = dg.tensor(x, requires_grad=True)
        y = fn(t)
        assert y.dtype == dg.float64 and y.grad_fn is not None, name
        y.backward()
        assert t.grad.dtype == dg.float32, name
        np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-6, err_msg=name)


def test_triangles_of_a_bool_mask_stay_bool():
    """`torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)`, the usual causal mask, is bool
    (tril/triu filled with the integer 0, which made it int64)."""
    ones = dg.ones(4, 5, dtype=dg.bool)
    for fn, ref in ((dg.triu, np.triu), (dg.tril, np.tril)):
        for k in (-1, 0, 1):
            got = fn(ones, k)
            assert got.dtype == dg.bool and got.tolist() == ref(np.ones((4, 5), bool), k).tolist()
    assert dg.ones(3, 3, dtype=dg.int32).tril().dtype == dg.int32


def test_logspace_of_one_half_power_is_c_pow_as_the_registry_and_pytorch():
    """One step at exponent 0.5: numpy alone reads it as sqrt (-0.0 and NaN); the registry's
    power, C's pow and PyTorch give 0.0 and inf."""
    for base, want in ((-0.0, 0.0), (float("-inf"), float("inf")), (4.0, 2.0)):
        got = dg.logspace(0.5, 0.5, 1, base=base, dtype=dg.float64).numpy()
        assert got.tobytes() == np.array([want]).tobytes(), (base, got)
