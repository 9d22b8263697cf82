"""PyTorch's in-place methods that were missing (`lerp_` for an EMA of weights, `clamp_min_`,
`eq_`, `atan2_`, the trigonometric `_` forms and their aliases), each against numpy: the tensor
holds numpy's result in its own dtype, the same object is returned, and a result of a kind its
dtype cannot hold (a float into an int tensor) is refused with the tensor unchanged."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

# (no value whose square is subnormal: the jax device flushes those to 0, docs/devices.md)
UNIT = st.lists(st.floats(-0.95, 0.95).filter(lambda v: not 0 < abs(v) < 1e-100), min_size=1,
                max_size=6).map(np.array)
UNARY = {
    "acos_": np.arccos, "arccos_": np.arccos, "asin_": np.arcsin, "arcsin_": np.arcsin, "atan_": np.arctan,
    "arctan_": np.arctan, "atanh_": np.arctanh, "arctanh_": np.arctanh, "asinh_": np.arcsinh,
    "arcsinh_": np.arcsinh, "cosh_": np.cosh, "sinh_": np.sinh, "tan_": np.tan, "expm1_": np.expm1,
    "log1p_": np.log1p, "square_": np.square, "negative_": np.negative, "relu_": lambda v: np.maximum(v, 0),
}
POSITIVE = {"acosh_": np.arccosh, "arccosh_": np.arccosh, "reciprocal_": np.reciprocal,
            "rsqrt_": lambda v: 1 / np.sqrt(v)}
COMPARISONS = {"eq_": np.equal, "ne_": np.not_equal, "lt_": np.less, "le_": np.less_equal, "gt_": np.greater,
               "ge_": np.greater_equal, "not_equal_": np.not_equal, "less_": np.less,
               "less_equal_": np.less_equal, "greater_": np.greater, "greater_equal_": np.greater_equal}


def _in_place(x: np.ndarray, name: str, *args, **kwargs) -> np.ndarray:
    t = dg.tensor(x)
    assert getattr(t, name)(*args, **kwargs) is t
    assert t.dtype.np == x.dtype
    return t.numpy()


@settings(max_examples=20, deadline=None)
@given(UNIT)
def test_unary_in_place_methods_are_numpys(values) -> None:
    for name, fn in UNARY.items():
        np.testing.assert_allclose(_in_place(values, name), fn(values), rtol=1e-12, err_msg=name)
    for name, fn in POSITIVE.items():
        np.testing.assert_allclose(_in_place(values + 2.0, name), fn(values + 2.0), rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_in_place_write_ones_and_zeros_in_the_tensors_dtype(name, dtype) -> None:
    x, y = np.array([1, 2, 3, 4], dtype=dtype), np.array([2, 2, 1, 5], dtype=dtype)
    want = COMPARISONS[name](x, y).astype(dtype)
    np.testing.assert_array_equal(_in_place(x, name, dg.tensor(y)), want)
    np.testing.assert_array_equal(_in_place(x, name, 2), COMPARISONS[name](x, 2).astype(dtype))


def test_value_methods_in_place_are_numpys() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    m1, m2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    batch1, batch2 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 3))
    cases = {
        ("lerp_", (dg.tensor(b), 0.25), ()): a + 0.25 * (b - a),
        ("atan2_", (dg.tensor(b),), ()): np.arctan2(a, b),
        ("arctan2_", (dg.tensor(b),), ()): np.arctan2(a, b),
        ("cumsum_", (1,), ()): np.cumsum(a, axis=1),
        ("cumprod_", (0,), ()): np.cumprod(a, axis=0),
        ("tril_", (), (("diagonal", -1),)): np.tril(a, -1),
        ("triu_", (1,), ()): np.triu(a, 1),
        ("addmm_", (dg.tensor(m1), dg.tensor(m2)), (("beta", 0.5), ("alpha", 2.0))): 0.5 * a + 2.0 * m1 @ m2,
        ("addbmm_", (dg.tensor(batch1), dg.tensor(batch2)), ()): a + np.einsum("bij,bjk->ik", batch1, batch2),
        ("clamp_min_", (0.1,), ()): np.maximum(a, 0.1),
        ("clamp_max_", (0.1,), ()): np.minimum(a, 0.1),
        ("clip_", (-0.2, 0.3), ()): np.clip(a, -0.2, 0.3),
        ("divide_", (dg.tensor(b),), ()): a / b,
        ("true_divide_", (dg.tensor(b),), ()): a / b,
        ("multiply_", (dg.tensor(b),), ()): a * b,
        ("subtract_", (dg.tensor(b),), ()): a - b,
    }
    for (name, args, kwargs), want in cases.items():
        np.testing.assert_allclose(_in_place(a, name, *args, **dict(kwargs)), want, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", ["acos_", "tan_", "reciprocal_", "rsqrt_", "expm1_"])
def test_a_float_result_is_refused_by_an_int_tensor(name) -> None:
    t = dg.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can.t be cast to the desired output type"):  # (PyTorch's)
        getattr(t, name)()
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])
    _in_place(np.array([1, -2, 3]), "negative_")  # (an int result: kept)


def test_an_ema_of_weights_with_lerp_() -> None:
    """The PyTorch idiom `ema.lerp_(p, 1 - decay)` under no_grad, and lerp_ in a graph."""
    weights = dg.tensor([1.0, 2.0, 3.0])
    ema = dg.zeros(3)
    with dg.no_grad():
        for _ in range(3):
            ema.lerp_(weights, 0.5)
    np.testing.assert_allclose(ema.numpy(), [0.875, 1.75, 2.625])
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.lerp_(dg.tensor([3.0, 5.0]), 0.25)  # y = 0.75 x + 0.25 end
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.75, 0.75])


@pytest.mark.parametrize("name", ["div_", "divide_", "true_divide_"])
@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_div_in_place_takes_a_rounding_mode(name, mode, dtype) -> None:
    x = np.array([5, -3, 7, -8], dtype=dtype)
    rounded = np.floor_divide(x, 2) if mode == "floor" else np.trunc(x / 2).astype(dtype)
    np.testing.assert_array_equal(_in_place(x, name, 2, rounding_mode=mode), rounded)


@pytest.mark.parametrize("value", [3, 2.75, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_copy_of_a_number_fills_as_pytorch_2(value, dtype) -> None:
    filled = _in_place(np.zeros(3, dtype), "copy_", value)
    np.testing.assert_array_equal(filled, np.full(3, value).astype(dtype))
