"""Silent wrong numbers found by a differential probe of the eager API against PyTorch 2.13.

Each test's main assertion uses an oracle that is always installed (numpy float64 by hand);
torch comparisons are extras, skipped where torch is missing. Every test runs on both devices
(conftest: 'cpu' and 'jax').

* Results that shared their input's memory: `flip` was a reversed slice (a view, where
  PyTorch's flip copies), `repeat` with every repeat 1 a reshape of the input (a view on the
  jax device, read-only on the CPU), and on the CPU the sign and the round of a bool tensor and
  `clamp()` without bounds (now refused, as PyTorch refuses it) were the input array itself. A
  write into the result changed the input, silently.
* A uint8 index tensor is a mask in PyTorch (deprecated, with a warning); dualgrad read its
  values as integer positions, so `x[tensor([1, 0, 1], dtype=uint8)]` gave rows 1, 0, 1 where
  PyTorch gives rows 0 and 2.
* An integer divided by a bool tensor holding False (`i // b`, `i % b`, `fmod`, `div` with a
  rounding mode, `b // b`) is a division by zero: PyTorch raises; on the jax device dualgrad
  returned any integer (`[1, -1]`), and on the CPU `b // b` gave 0.
* The second derivative of `elu`, `celu` and `selu` at exactly 0 was the exponential branch's
  (alpha * scale * input_scale**2); PyTorch's elu_double_backward reads x < 0, so it is 0 there.
* float16 norms and variances squared in float16, which overflows past 255.9: the norm of
  [0, 300, -300, 10] was inf (PyTorch, computing in float32: 424.5), the variance and std inf,
  and `normalize` and `layer_norm` of such rows all zeros.
* An in-place op that saves its output (`exp_`, `tanh_`, `sigmoid_`) on a view of a non-leaf
  raised 'modified by an inplace operation' at backward where PyTorch runs: the write moved the
  counter the view shares with its base twice (the op, then the base's rebase), so the view's
  own saved output read as modified. (An error, not a wrong number, but the version check is
  where PyTorch's fires, as the probe asked.)
* `clamp` of an integer (or bool) tensor by a float tensor bound truncated the bound into the
  input's dtype (`int64.clamp(tensor(2.5))` was [2, 5, 9]; PyTorch promotes: [2.5, 5., 9.]),
  and a float16 tensor clamped by a float64 vector stayed float16; only Python-number bounds
  were promoted.
* `dg.where(c, 1.5, 2)` (two Python numbers) was float64 (numpy's where); PyTorch makes the
  default float, float32.
  `int_tensor.masked_fill(m, dg.tensor(2.7))` was a float tensor holding 2.7; PyTorch keeps the
  input's dtype (2).
* A mask to a bool power (`mask ** True`) was int8 on the CPU and int32 on the jax device
  (numpy's and jax's power of bools); PyTorch, and dualgrad's own shape rule, say bool.
* `retain_grad()` and then an in-place write (`b.retain_grad(); b.mul_(3)`, or a write into
  b's base): `.grad` was the gradient of b's old value (3x too large in the example), or None
  for a view whose history was replayed; PyTorch retains the current version's.
* The second derivative of `prod` over a slice with exactly two zeros was 0: the gradient at
  each zero was the constant 0 (right in value, the product of the others), so its derivative
  in the other zero, the product of the nonzeros, was lost (`prod([0, 2, 0])`: 2 between the
  zeros; PyTorch and jax give it).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

SETTINGS = dict(max_examples=15, deadline=None)

# -- results that must not share their input's memory ---------------------------------------------

matrices = hnp.arrays(np.float64, st.sampled_from([(2, 3), (3, 1), (1, 4)]),
                      elements=st.floats(-4, 4, allow_subnormal=False))


def _copies(make, source: np.ndarray, dtype=None):
    """`make(t)` of a tensor holding `source`; a write into the result leaves `t` as `source`,
    and a write into `t` leaves the result as it was."""
    t = dg.tensor(source, dtype=dtype)
    out = make(t)
    before = out.numpy().copy()
    out.zero_()
    np.testing.assert_array_equal(t.numpy(), source)
    out2 = make(t)
    t.zero_()
    np.testing.assert_array_equal(out2.numpy(), before)
    return before


@settings(**SETTINGS)
@given(matrices, st.sampled_from([0, 1, -1, (0, 1), (1, 0)]))
def test_flip_is_a_copy_of_the_reversed_tensor(x, dims):
    got = _copies(lambda t: t.flip(dims), x)
    np.testing.assert_array_equal(got, np.flip(x, dims))
    np.testing.assert_array_equal(_copies(lambda t: dg.flip(t, dims), x), np.flip(x, dims))


def test_a_write_into_a_flip_leaves_the_base_and_its_gradient_alone():
    """The probe's example: `c = b.flip(0); c.mul_(2)` doubled b (PyTorch: b unchanged), and
    so the gradient of (b * b).sum() was 4a for PyTorch's 2a."""
    a = dg.tensor([1.0, -2.0, 3.0], dtype=dg.float64, requires_grad=True)
    b = a * 1.0
    c = b.flip(0)
    c.mul_(2)
    (b * b).sum().backward()
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(c.detach().numpy(), [6.0, -4.0, 2.0])
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, -4.0, 6.0])
    a.grad = None
    ((a * 1.0).flip(0) * dg.tensor([1.0, 10.0, 100.0], dtype=dg.float64)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [100.0, 10.0, 1.0])


@settings(**SETTINGS)
@given(matrices, st.sampled_from([(1, 1), (1, 1, 1), (2, 1), (1, 3), (2, 1, 2)]))
def test_repeat_is_always_a_copy(x, reps):
    got = _copies(lambda t: t.repeat(*reps), x)
    np.testing.assert_array_equal(got, np.tile(x, reps))


def test_repeat_by_ones_keeps_its_gradient():
    a = dg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=dg.float64, requires_grad=True)
    r = (a * 1.0).repeat(1, 1, 1)
    assert tuple(r.shape) == (1, 2, 2)
    r.mul_(3)  # (on the CPU this raised 'read-only'; on jax it tripled a * 1.0)
    (r * a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), 6 * np.array([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize("name", ["sign"])  # (a bool round is refused, as PyTorch: test_trust_dtype_table.py)
def test_sign_and_round_of_bools_are_copies(name):
    x = np.array([[True, False, True], [False, True, True]])
    got = _copies(lambda t: getattr(t, name)(), x, dtype=dg.bool)
    np.testing.assert_array_equal(got, x)


def test_clamp_without_bounds_is_a_copy():
    # (`clamp()` with neither bound is now refused, as PyTorch refuses it: test_trust_refusals.py;
    # bounds that bind nowhere still give a copy)
    x = np.array([1.5, -2.0, 3.0])
    np.testing.assert_array_equal(_copies(lambda t: t.clamp(min=-np.inf), x, dtype=dg.float64), x)
    np.testing.assert_array_equal(_copies(lambda t: t.clamp(None, np.inf), x, dtype=dg.float64), x)


def test_flip_and_repeat_copy_as_torch_does(torch):
    for make in (lambda t: t.flip(0), lambda t: t.repeat(1, 1), lambda t: t.flip((0, 1))):
        tt, dt = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), dg.tensor([[1.0, 2.0], [3.0, 4.0]])
        make(tt).add_(10)
        make(dt).add_(10)
        np.testing.assert_array_equal(dt.numpy(), tt.numpy())


# -- uint8 index tensors are masks ----------------------------------------------------------------

flags = hnp.arrays(np.uint8, 4, elements=st.sampled_from([0, 1, 2]))


@settings(**SETTINGS)
@given(flags)
def test_a_uint8_index_tensor_is_a_mask_as_in_pytorch(u):
    x = np.arange(12.0).reshape(4, 3)
    mask = u != 0
    t = dg.tensor(x, dtype=dg.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        got = t[dg.tensor(u, dtype=dg.uint8)]
    np.testing.assert_array_equal(got.detach().numpy(), x[mask])
    (got * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.where(mask[:, None], 2.0, 0.0) * np.ones((4, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(t[dg.tensor(u, dtype=dg.uint8), 1].detach().numpy(), x[mask, 1])
        np.testing.assert_array_equal(t[u].detach().numpy(), x[mask])  # a numpy uint8 array too
        put = t.detach().index_put((dg.tensor(u, dtype=dg.uint8),), dg.tensor(7.0, dtype=dg.float64),
                                   accumulate=True)
        np.testing.assert_array_equal(put.numpy(), x + 7.0 * mask[:, None])
        w = t.detach().clone()
        w[dg.tensor(u, dtype=dg.uint8)] = -1.0
        np.testing.assert_array_equal(w.numpy(), np.where(mask[:, None], -1.0, x))


def test_uint8_masks_match_torch(torch):
    u = np.array([1, 0, 2, 0], np.uint8)
    x = np.arange(12.0).reshape(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.tensor(x)[torch.tensor(u)].numpy()
        got = dg.tensor(x)[dg.tensor(u, dtype=dg.uint8)].numpy()
    np.testing.assert_array_equal(got, want)


# -- integer division by a bool zero -------------------------------------------------------------

DIVISIONS = {
    "floor_divide": (lambda a, b: a // b, lambda p, q: p // q),
    "remainder": (lambda a, b: a % b, lambda p, q: p % q),
    "fmod": (lambda a, b: dg.fmod(a, b), lambda p, q: int(np.fmod(p, q))),
    "div_trunc": (lambda a, b: dg.div(a, b, rounding_mode="trunc"), lambda p, q: int(p / q)),
}


@settings(**SETTINGS)
@given(hnp.arrays(np.int64, 3, elements=st.integers(-50, 50)), hnp.arrays(np.bool_, 3),
       st.sampled_from(sorted(DIVISIONS)), st.booleans())
def test_an_integer_divided_by_a_false_bool_raises(x, flags, name, bool_dividend):
    run, python = DIVISIONS[name]
    a = dg.tensor(x != 0 if bool_dividend else x)
    b = dg.tensor(flags)
    if bool_dividend:  # two bools: no such kernel in PyTorch or TF1 (test_trust_bool_division.py)
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            run(a, b)
        return
    if not flags.all():
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            run(a, b)
        return
    got = run(a, b).numpy()
    want = [python(int(p), 1) for p in (x != 0 if bool_dividend else x)]
    np.testing.assert_array_equal(got, want)


def test_a_python_int_dividend_and_a_false_divisor_raise():
    for divisor in (dg.tensor([True, False]), dg.tensor([1, 0]).bool()):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            1 // divisor
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            dg.tensor([3, 4]).floor_divide(divisor)


def test_integer_by_bool_division_raises_as_torch(torch):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([1, 2]) // torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        dg.tensor([1, 2]) // dg.tensor([True, False])


# -- second derivative of the elu family at 0 --------------------------------------------------

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
# (no subnormals: XLA on the CPU flushes them to 0)
# (no subnormal scaled input either: celu's x / alpha of a tiny x would be one, which XLA
# flushes to zero on the jax device, docs/devices.md)
points = hnp.arrays(np.float64, 6, elements=st.one_of(
    st.sampled_from([0.0, -0.0]),
    st.floats(-3, 3, allow_subnormal=False).filter(lambda v: v == 0 or abs(v) > 1e-300)))


def _elu_derivatives(x, alpha, scale, input_scale):
    """PyTorch's elu_backward and elu_double_backward (Activation.h, derivatives.yaml), in
    numpy float64: the first derivative takes the exponential branch at x <= 0, the second
    at x < 0 only."""
    e = np.exp(np.minimum(x, 0) * input_scale)
    first = np.where(x <= 0, alpha * scale * input_scale * e, scale)
    second = np.where(x < 0, alpha * scale * input_scale ** 2 * e, 0.0)
    return first, second


@settings(**SETTINGS)
@given(points, st.sampled_from(["elu", "celu", "selu"]), st.floats(0.2, 3.0))
def test_second_derivative_of_the_elu_family_at_zero_is_pytorchs(x, name, alpha):
    F = dg.nn.functional
    if name == "elu":
        run, (a, s, i) = (lambda t: F.elu(t, alpha)), (alpha, 1.0, 1.0)
    elif name == "celu":
        run, (a, s, i) = (lambda t: F.celu(t, alpha)), (alpha, 1.0, 1.0 / alpha)
    else:
        run, (a, s, i) = F.selu, (SELU_ALPHA, SELU_SCALE, 1.0)
    t = dg.tensor(x, dtype=dg.float64, requires_grad=True)
    y = run(t)
    want_y = np.where(x > 0, s * x, a * s * np.expm1(np.minimum(x, 0) * i))
    np.testing.assert_allclose(y.detach().numpy(), want_y, rtol=1e-12, atol=0)
    (g,) = dg.autograd.grad(y.sum(), t, create_graph=True)
    (h,) = dg.autograd.grad(g.sum(), t)
    first, second = _elu_derivatives(x, a, s, i)
    np.testing.assert_allclose(g.detach().numpy(), first, rtol=1e-12, atol=0)
    np.testing.assert_allclose(h.numpy(), second, rtol=1e-12, atol=0)


def test_elu_second_derivative_at_zero_matches_torch(torch):
    for name in ("elu", "celu", "selu"):
        got = []
        for lib in (torch, dg):
            t = lib.tensor([0.0, -0.0, -0.5, 0.5], dtype=lib.float64, requires_grad=True)
            (g,) = lib.autograd.grad(getattr(lib.nn.functional, name)(t).sum(), t, create_graph=True)
            (h,) = lib.autograd.grad(g.sum(), t)
            got.append(h.detach().numpy())
        np.testing.assert_allclose(got[1], got[0], rtol=1e-12)


# -- float16 norms and variances are computed in float32 -------------------------------------

# (no subnormal magnitudes: a norm rounded to float16 there is too coarse to divide by, in
# PyTorch too)
halves = hnp.arrays(np.float16, st.sampled_from([(4,), (2, 3)]),
                    elements=st.floats(-3000, 3000, width=16).filter(lambda v: v == 0 or abs(v) > 0.01))
HALF_CASES = {
    "norm": (lambda t: t.norm(), lambda x: np.sqrt((x * x).sum())),
    "norm p=3 dim": (lambda t: dg.linalg.vector_norm(t, 3, dim=-1),
                     lambda x: (np.abs(x) ** 3).sum(-1) ** (1 / 3)),
    "var": (lambda t: t.var(), lambda x: x.var(ddof=1)),
    "std dim": (lambda t: t.std(-1, correction=0), lambda x: x.std(-1)),
    # (eps 1e-12 is 0 in float16: a zero row is 0 / 0, NaN, in PyTorch too)
    "normalize": (lambda t: dg.nn.functional.normalize(t, dim=-1),
                  lambda x: x / np.sqrt((x * x).sum(-1, keepdims=True))),
}


@settings(**SETTINGS)
@given(halves, st.sampled_from(sorted(HALF_CASES)))
def test_float16_norms_and_variances_do_not_overflow_in_their_squares(x, name):
    run, formula = HALF_CASES[name]
    with np.errstate(invalid="ignore"):
        want = formula(x.astype(np.float64))
    got = run(dg.tensor(x))
    assert got.dtype == dg.float16
    fits = ~(np.abs(want) >= 60000)  # (a result float16 cannot hold is inf in both)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(got.numpy().astype(np.float64)[fits], want[fits], rtol=4e-3, atol=2e-3)


def test_float16_norm_gradient_is_finite():
    t = dg.tensor([0.0, 300.0, -300.0, 10.0], dtype=dg.float16, requires_grad=True)
    t.norm().backward()
    x = np.array([0.0, 300.0, -300.0, 10.0])
    np.testing.assert_allclose(t.grad.numpy().astype(np.float64), x / np.linalg.norm(x), rtol=2e-3)


def test_float16_norms_match_torch(torch):
    x = np.array([0.0, 300.0, -300.0, 10.0], np.float16)
    for name in ("norm", "var", "std"):
        want = getattr(torch.tensor(x), name)().numpy()
        np.testing.assert_array_equal(getattr(dg.tensor(x), name)().numpy(), want)


# -- one in-place write on a view moves the shared version counter once ------------------------

VIEW_KEYS = {
    "rows": lambda b: b[1:],
    "column": lambda b: b[:, 1],
    "transposed rows": lambda b: b.t()[1:],
    "view of a view": lambda b: b[1:][:, :2],
    "whole": lambda b: b.view(-1),
}
OUTPUT_SAVERS = {  # name: (function, its derivative from its output)
    "exp_": (np.exp, lambda f: f),
    "tanh_": (np.tanh, lambda f: 1 - f * f),
    "sigmoid_": (lambda x: 1 / (1 + np.exp(-x)), lambda f: f * (1 - f)),
}


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, (3, 3), elements=st.floats(-2, 2, allow_subnormal=False)),
       st.sampled_from(sorted(VIEW_KEYS)), st.sampled_from(sorted(OUTPUT_SAVERS)))
def test_an_output_saving_in_place_op_on_a_view_backpropagates(x, key, name):
    fn, derivative = OUTPUT_SAVERS[name]
    w = np.arange(9.0).reshape(3, 3) / 4
    a = dg.tensor(x, requires_grad=True)
    b = a * 1.0
    v = VIEW_KEYS[key](b)
    getattr(v, name)()
    ((v * v).sum() + (b * dg.tensor(w)).sum()).backward()
    # numpy float64: the positions the view covers, their new values f, and the loss's gradient
    where = VIEW_KEYS[key](dg.tensor(np.arange(9).reshape(3, 3))).numpy().ravel()
    covered = np.zeros(9, bool)
    covered[where] = True
    covered = covered.reshape(3, 3)
    f = fn(x)
    want = np.where(covered, (2 * f + w) * derivative(f), w)
    np.testing.assert_allclose(a.grad.numpy(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), np.where(covered, f, x), rtol=1e-15)


def test_writes_after_a_save_still_raise():
    a = dg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 1.0
    v = b[1:]
    saved = v.sin()  # saves v
    v.exp_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.sum().backward()
    b = a * 1.0
    v = b[0]
    v.exp_()
    v.tanh_()  # overwrites exp_'s saved output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (v * b).sum().backward()


def test_output_saving_in_place_on_a_view_matches_torch(torch):
    grads = []
    for lib in (torch, dg):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        b = a * 1.0
        v = b[1:]
        v.exp_()
        ((v * v).sum() + b.sum()).backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


# -- clamp by tensor bounds promotes as PyTorch ---------------------------------------------------

BOUND_DTYPES = [dg.float32, dg.float64, dg.float16, dg.int64, dg.int8]


@settings(**SETTINGS)
@given(hnp.arrays(np.int64, 4, elements=st.integers(-9, 9)), st.sampled_from(BOUND_DTYPES),
       st.sampled_from(BOUND_DTYPES), st.booleans(), st.floats(-5, 0, width=16, allow_subnormal=False),
       st.floats(0, 5, width=16, allow_subnormal=False))
def test_clamp_by_tensor_bounds_keeps_them_exact(x, low_dtype, high_dtype, zero_dim, low, high):
    shape = () if zero_dim else (4,)
    lo = dg.tensor(np.full(shape, low), dtype=low_dtype)
    hi = dg.tensor(np.full(shape, high), dtype=high_dtype)
    got = dg.tensor(x).clamp(lo, hi)
    # numpy float64 on the bounds as stored; the result dtype: the float bound's dtype (the
    # widest one of dimensioned bounds; a 0-d bound lifts an int input to its float dtype)
    want = np.minimum(np.maximum(x, lo.numpy().astype(np.float64)), hi.numpy().astype(np.float64))
    np.testing.assert_array_equal(got.numpy().astype(np.float64), want)
    floats = [d for d in (low_dtype, high_dtype) if d.is_floating_point]
    if floats:
        assert got.dtype.is_floating_point
        assert got.dtype == max(floats, key=lambda d: d.np.itemsize)
    else:
        assert got.dtype == dg.int64


def test_clamp_in_place_of_an_int_tensor_by_a_float_tensor_is_refused():
    t = dg.tensor([1, 5, 9])
    with pytest.raises(RuntimeError, match="can't be cast"):
        t.clamp_(dg.tensor(2.5))
    np.testing.assert_array_equal(t.numpy(), [1, 5, 9])
    h = dg.tensor([1.0, 5.0, 9.0], dtype=dg.float16)
    clamped = h.clamp(dg.tensor([2.5, 2.5, 2.5], dtype=dg.float64))
    np.testing.assert_array_equal(clamped.numpy(), [2.5, 5.0, 9.0])
    assert clamped.dtype == dg.float64


def test_clamp_by_tensor_bounds_matches_torch(torch):
    for bound in ([2.5], 2.5):
        for dt in ("float32", "float64", "float16"):
            want = torch.tensor([1, 5, 9]).clamp(torch.tensor(bound, dtype=getattr(torch, dt)))
            got = dg.tensor([1, 5, 9]).clamp(dg.tensor(bound, dtype=getattr(dg, dt)))
            assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
            np.testing.assert_array_equal(got.numpy(), want.numpy())


# -- where of two numbers, masked_fill by a tensor value ------------------------------------------

NUMBERS = st.one_of(st.booleans(), st.integers(-2**40, 2**40), st.floats(-1e6, 1e6, allow_subnormal=False))


def _weak_dtype(v):
    return dg.bool if isinstance(v, bool) else dg.int64 if isinstance(v, int) else dg.float32


@settings(**SETTINGS)
@given(hnp.arrays(np.bool_, 3), NUMBERS, NUMBERS)
def test_where_of_two_numbers_has_pytorchs_dtype(cond, x, y):
    got = dg.where(dg.tensor(cond), x, y)
    kinds = {_weak_dtype(x), _weak_dtype(y)}
    want_dtype = dg.float32 if dg.float32 in kinds else dg.int64 if dg.int64 in kinds else dg.bool
    assert got.dtype == want_dtype
    want = np.where(cond, np.asarray(x, want_dtype.np), np.asarray(y, want_dtype.np))
    np.testing.assert_array_equal(got.numpy(), want)


@settings(**SETTINGS)
@given(hnp.arrays(np.int64, 4, elements=st.integers(-9, 9)), hnp.arrays(np.bool_, 4),
       st.floats(-50, 50, allow_subnormal=False), st.sampled_from([dg.float32, dg.float64, dg.int32]))
def test_masked_fill_by_a_tensor_keeps_the_inputs_dtype(x, mask, value, value_dtype):
    got = dg.tensor(x).masked_fill(dg.tensor(mask), dg.tensor(value, dtype=value_dtype))
    assert got.dtype == dg.int64
    stored = np.asarray(value, value_dtype.np)  # the value as the tensor holds it
    np.testing.assert_array_equal(got.numpy(), np.where(mask, np.trunc(stored).astype(np.int64), x))


def test_masked_fill_by_a_tensor_value_keeps_its_gradient():
    v = dg.tensor(2.5, dtype=dg.float64, requires_grad=True)
    y = dg.tensor([1.0, 2.0, 3.0], dtype=dg.float32).masked_fill(dg.tensor([True, False, True]), v)
    assert y.dtype == dg.float32
    y.sum().backward()
    assert v.grad.dtype == dg.float64 and v.grad.item() == 2.0


def test_where_and_masked_fill_dtypes_match_torch(torch):
    for a, b in [(1.5, 2), (1, 2), (True, False), (1.5, True)]:
        want = torch.where(torch.tensor([True, False]), a, b)
        got = dg.where(dg.tensor([True, False]), a, b)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    want = torch.tensor([1, 5]).masked_fill(torch.tensor([True, False]), torch.tensor(2.7))
    got = dg.tensor([1, 5]).masked_fill(dg.tensor([True, False]), dg.tensor(2.7))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# -- prod's second derivative with two zeros -----------------------------------------------------

def _prod_hessian(x: np.ndarray) -> np.ndarray:
    """d2 prod / dx_i dx_j = the product of every element but i and j (0 on the diagonal)."""
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                h[i, j] = np.prod(np.delete(x, [i, j]))
    return h


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, st.integers(2, 5), elements=st.sampled_from([0.0, 0.0, 1.5, -2.0, 0.5])),
       st.booleans())
def test_prod_second_derivative_with_zeros(x, as_rows):
    w = np.arange(1.0, x.size + 1)
    t = dg.tensor(x[None] if as_rows else x, dtype=dg.float64, requires_grad=True)
    y = t.prod(1).sum() if as_rows else t.prod()
    (g,) = dg.autograd.grad(y, t, create_graph=True)
    (h,) = dg.autograd.grad((g * dg.tensor(w.reshape(t.shape), dtype=dg.float64)).sum(), t)
    want_g = np.array([np.prod(np.delete(x, i)) for i in range(x.size)])
    np.testing.assert_allclose(g.detach().numpy().ravel(), want_g, rtol=1e-12, atol=0)
    hessian = _prod_hessian(x)
    # an entry whose terms cancel (x without zeros: 0 from terms near 20) is 0 up to their rounding
    scale = (np.abs(hessian) @ w).max(initial=1.0)
    np.testing.assert_allclose(h.numpy().ravel(), hessian @ w, rtol=1e-12, atol=1e-13 * scale)


def test_prod_second_derivative_with_zeros_matches_torch(torch):
    got = []
    for lib in (torch, dg):
        t = lib.tensor([0.0, 2.0, 0.0, 3.0], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(t.prod(), t, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), t)
        got.append(h.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-12)


# -- bools to bool powers -------------------------------------------------------------------------

@settings(**SETTINGS)
@given(hnp.arrays(np.bool_, 4), st.one_of(st.booleans(), hnp.arrays(np.bool_, 4)))
def test_a_bool_to_a_bool_power_is_a_bool(x, y):
    exponent = y if isinstance(y, bool) else dg.tensor(y)
    got = dg.tensor(x) ** exponent
    assert got.dtype == dg.bool
    # 1 ** anything is 1, 0 ** 0 is 1, 0 ** 1 is 0 (Python's integer powers)
    want = np.array([bool(int(a) ** int(b)) for a, b in zip(x, np.broadcast_to(y, x.shape), strict=True)])
    np.testing.assert_array_equal(got.numpy(), want)


def test_static_bool_power_runs_in_its_declared_dtype():
    import dualgrad.static as ds

    for backend in ("numpy", "jax"):
        with ds.Graph().as_default():
            m = ds.placeholder(ds.bool, (2,))
            y = ds.pow(m, True)
            assert y.dtype == ds.bool
            got = ds.Session(backend=backend).run(y, {m: np.array([True, False])})
            assert got.dtype == np.bool_ and got.tolist() == [True, False]


def test_a_bool_power_matches_torch(torch):
    for exponent in (True, False, 2):
        want = torch.tensor([True, False]) ** exponent
        got = dg.tensor([True, False]) ** exponent
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())


# -- retain_grad follows the tensor through in-place writes ----------------------------------------

@settings(**SETTINGS)
@given(hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3, allow_subnormal=False)),
       st.floats(-2, 2, allow_subnormal=False), st.sampled_from(["self", "view", "base"]))
def test_retained_grad_is_of_the_current_version(x, c, where):
    a = dg.tensor(x, requires_grad=True)
    b = a * 2.0
    v = b[0]
    retained = v if where == "view" else b
    retained.retain_grad()
    if where == "base":
        v.mul_(c)  # a write into b through its view
    else:
        b.mul_(c)  # (where == "view": v's history is replayed from the new b)
    # (the view's later uses reach b, as in PyTorch, also after a write through it)
    loss = (b * b).sum() + (v * v * v).sum()
    loss.backward()
    new_b = 2 * x * (c if where != "base" else np.array([[c], [1.0]]))
    if where == "view":
        want = 3 * new_b[0] ** 2  # d loss / d v (b's own term reaches b, not v)
    else:
        want = 2 * new_b + np.vstack([3 * new_b[0] ** 2, np.zeros(3)])
    np.testing.assert_allclose(retained.grad.numpy(), want, rtol=1e-12, atol=1e-12)


def test_retained_grad_after_in_place_matches_torch(torch):
    got = []
    for lib in (torch, dg):
        a = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        b = a * 2
        b.retain_grad()
        b.mul_(3)
        (b * b).sum().backward()
        got.append(b.grad.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-12)
