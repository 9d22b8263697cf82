"""PyTorch's top-level names added in eager/api_more.py, ops/log_bases.py and top_level.py, on
both devices: values against numpy float64, gradients by central differences, hypothesis over
broadcasting shapes; exactness at powers (log2(8) is 3, not 3.0000002); the dtype questions
against numpy's tables and the ops' own promotion; inference_mode; the argument orders of the
top-level aliases of dg.linalg and dg.nn.functional (PyTorch's values pinned where numpy has
no counterpart)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad import dtypes
from dualgrad.errors import DualgradError

FEW = settings(max_examples=8, deadline=None)
RNG = np.random.default_rng(11)


def _grads(fn, arrays):
    """(value, gradients of sum(value * g)) of `fn` of float64 leaves, and the cotangent g."""
    leaves = [dg.tensor(a, dtype=dg.float64, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    g = np.random.default_rng(1).normal(size=tuple(out.shape))
    out.backward(dg.tensor(g, dtype=dg.float64))
    return out.detach().numpy(), [np.zeros(x.shape) if x.grad is None else x.grad.numpy() for x in leaves], g


# (dg call, numpy float64 formula, input shapes, input range)
CASES = {
    "exp2": (dg.exp2, np.exp2, [(2, 3)], (-3, 3)),
    "log2": (lambda x: x.log2(), np.log2, [(2, 3)], (0.2, 4)),
    "log10": (dg.log10, np.log10, [(3,)], (0.2, 4)),
    "deg2rad": (dg.deg2rad, np.deg2rad, [(2, 3)], (-200, 200)),
    "rad2deg": (lambda x: x.rad2deg(), np.rad2deg, [(2, 3)], (-3, 3)),
    "float_power": (dg.float_power, np.power, [(2, 3), (3,)], (0.3, 2)),
    "ldexp": (dg.ldexp, lambda x, e: x * 2.0**e, [(2, 1), (3,)], (-2, 2)),
    "tensordot": (lambda a, b: dg.tensordot(a, b, dims=([1, 0], [0, 2])),
                  lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), [(3, 4, 2), (4, 5, 3)], (-1, 1)),
    "tensordot_int": (lambda a, b: dg.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
                      [(2, 3), (3, 4)], (-1, 1)),
    "tensordot_0": (lambda a, b: dg.tensordot(a, b, 0), lambda a, b: np.tensordot(a, b, 0),
                    [(2,), (3,)], (-1, 1)),
    "std_mean": (lambda x: sum(dg.std_mean(x, 1, keepdim=True)),
                 lambda x: x.std(1, ddof=1, keepdims=True) + x.mean(1, keepdims=True), [(3, 4)], (-2, 2)),
    "var_mean": (lambda x: dg.var_mean(x, correction=0)[0] * 3 + dg.var_mean(x)[1],
                 lambda x: x.var() * 3 + x.mean(), [(3, 4)], (-2, 2)),
    "dist": (lambda a, b: dg.dist(a, b, 3), lambda a, b: np.sum(np.abs(a - b) ** 3) ** (1 / 3),
             [(2, 3), (3,)], (-2, 2)),
    "dist_inf": (lambda a, b: dg.dist(a, b, math.inf), lambda a, b: np.max(np.abs(a - b)),
                 [(4,), (4,)], (-2, 2)),
    "renorm": (lambda x: dg.renorm(x, 2, 0, 1.5),
               lambda x: x * np.where((n := np.sqrt((x * x).sum((1, 2), keepdims=True))) > 1.5,
                                      1.5 / (n + 1e-7), 1.0), [(3, 2, 2)], (-2, 2)),
    "renorm_p1": (lambda x: x.renorm(1, 1, 2.0),
                  lambda x: x * np.where((n := np.abs(x).sum(0, keepdims=True)) > 2.0, 2.0 / (n + 1e-7), 1.0),
                  [(3, 4)], (-2, 2)),
    "vdot": (dg.vdot, np.vdot, [(4,), (4,)], (-2, 2)),
    "ger": (lambda a, b: a.ger(b), np.outer, [(3,), (2,)], (-2, 2)),
    "addbmm": (lambda x, a, b: dg.addbmm(x, a, b, beta=0.5, alpha=2.0),
               lambda x, a, b: 0.5 * x + 2.0 * np.einsum("bij,bjk->ik", a, b), [(5,), (3, 2, 4), (3, 4, 5)],
               (-1, 1)),
    "msort": (lambda x: x.msort(), lambda x: np.sort(x, axis=0), [(4, 3)], (-2, 2)),
    "pdist": (dg.pdist, lambda x: np.array([np.linalg.norm(x[i] - x[j])
                                            for i in range(4) for j in range(i + 1, 4)]), [(4, 3)], (-2, 2)),
    "pdist_p1": (lambda x: dg.pdist(x, 1),
                 lambda x: np.array([np.abs(x[i] - x[j]).sum() for i in range(3) for j in range(i + 1, 3)]),
                 [(3, 2)], (-2, 2)),
    "pinverse": (dg.pinverse, np.linalg.pinv, [(4, 3)], (-1, 1)),
    "matrix_power": (lambda a: a.matrix_power(3), lambda a: np.linalg.matrix_power(a, 3), [(3, 3)], (-1, 1)),
    "matrix_power_neg": (lambda a: dg.matrix_power(a + 3 * dg.eye(3, dtype=dg.float64), -2),
                         lambda a: np.linalg.matrix_power(a + 3 * np.eye(3), -2), [(3, 3)], (-1, 1)),
    "cholesky": (lambda a: dg.cholesky(a @ a.mT + dg.eye(3, dtype=dg.float64)),
                 lambda a: np.linalg.cholesky(a @ a.T + np.eye(3)), [(3, 3)], (-1, 1)),
    "cholesky_upper": (lambda a: (a @ a.mT + dg.eye(3, dtype=dg.float64)).cholesky(upper=True),
                       lambda a: np.linalg.cholesky(a @ a.T + np.eye(3)).T, [(3, 3)], (-1, 1)),
    "svd_product": (lambda a: (lambda r: r.U @ dg.diag(r.S.exp()) @ r.V.mT)(dg.svd(a)),
                    lambda a: (lambda u, s, vh: u @ np.diag(np.exp(s)) @ vh)(
                        *np.linalg.svd(a, full_matrices=False)),
                    [(4, 3)], (-1, 1)),
    "qr_product": (lambda a: (lambda r: r.Q @ r.R)(a.qr()), lambda a: a, [(4, 3)], (-1, 1)),
}


ON_JAX = ["log2", "ldexp", "tensordot"]  # (each jax case compiles its ops)


def _check_case(name, central_differences):
    fn, ref, shapes, (lo, hi) = CASES[name]
    arrays = [RNG.uniform(lo, hi, s) for s in shapes]
    value, grads, g = _grads(fn, arrays)
    np.testing.assert_allclose(value, ref(*arrays), rtol=1e-9, atol=1e-10)
    for got, want in zip(grads, central_differences(ref, arrays, g), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.cpu_only  # (ON_JAX below on both devices)
@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_against_numpy_float64(name, central_differences):
    _check_case(name, central_differences)


@pytest.mark.parametrize("name", ON_JAX)
def test_value_and_gradient_on_each_device(name, central_differences):
    _check_case(name, central_differences)


_FLOATS = st.floats(-3, 3, allow_nan=False, width=64)


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed cases above run on both devices)
@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       data=st.data())
def test_broadcasting_elementwise_functions_against_numpy(shapes, data):
    a = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=_FLOATS), label="a")
    b = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=_FLOATS), label="b")
    i = data.draw(hnp.arrays(np.int64, shapes.input_shapes[0], elements=st.integers(-40, 40)), label="i")
    j = data.draw(hnp.arrays(np.int64, shapes.input_shapes[1], elements=st.integers(-40, 40)), label="j")
    ta, tb = dg.tensor(a), dg.tensor(b)
    np.testing.assert_allclose(dg.ldexp(ta, tb).numpy(), a * np.exp2(b), rtol=1e-13)
    np.testing.assert_allclose(dg.float_power(ta.abs() + 0.1, tb).numpy(), np.power(np.abs(a) + 0.1, b),
                               rtol=1e-13)
    assert dg.gcd(dg.tensor(i), dg.tensor(j)).tolist() == np.gcd(i, j).tolist()
    assert dg.lcm(dg.tensor(i), dg.tensor(j)).tolist() == np.lcm(i, j).tolist()
    np.testing.assert_array_equal(dg.exp2(ta).numpy(), np.exp2(a))
    np.testing.assert_array_equal(dg.log2(ta.abs()).numpy(), np.log2(np.abs(a)))
    np.testing.assert_array_equal(dg.log10(ta.abs()).numpy(), np.log10(np.abs(a)))


def test_log_bases_are_exact_at_powers():
    """log(x) / log(2) would give float32 3.0000002 at 8 and 2.9999998 at 1000 in base 10."""
    powers = dg.tensor([2.0**k for k in range(-126, 128)])  # (every normal float32 power)
    assert dg.log2(powers).tolist() == list(range(-126, 128))
    assert dg.log10(dg.tensor([10.0**k for k in range(-37, 39)])).tolist() == list(range(-37, 39))
    assert dg.exp2(dg.tensor(list(range(-126, 128)))).tolist() == [2.0**k for k in range(-126, 128)]


_LIBM = {"log10": math.log10, "log2": math.log2, "exp2": lambda v: 2.0**v}


@pytest.mark.cpu_only  # (numpy's kernels: their float32 loops differ by CPU)
@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(_LIBM)), x=st.floats(allow_nan=False, allow_infinity=False, width=32),
       dtype=st.sampled_from([np.float32, np.float16]))
def test_narrow_bases_are_libms_float64_rounded(name, x, dtype):
    """float32 log10/log2/exp2 are libm's float64 results rounded, at every drawn float32
    (numpy's AVX-512 float32 loops gave log10(100) 2.0000002, log10(0.001) -3.0000002 (a digit
    count one too many) and exp2(127) one ulp past 2**127)."""
    value = np.asarray(x, dtype)
    if not np.isfinite(value) or name != "exp2" and value <= 0 or name == "exp2" and abs(value) > 200:
        return
    with np.errstate(over="ignore"):
        want = float(dtype(_LIBM[name](float(value))))
    fn = getattr(dg, name)
    assert fn(dg.tensor(value)).item() == want
    assert fn(dg.tensor([value] * 20)).tolist() == [want] * 20


@pytest.mark.cpu_only  # (dtypes: the same promotion on both devices)
def test_results_take_pytorch_dtypes():
    """Integers give the default float, float_power float64, ldexp PyTorch's promotion."""
    for f in (dg.exp2, dg.log2, dg.log10, dg.deg2rad, dg.rad2deg):
        assert f(dg.tensor([1, 2])).dtype is dg.float32  # integers: the default float, as PyTorch
    assert dg.float_power(dg.tensor([2, 3]), 2).dtype is dg.float64
    assert dg.float_power(dg.tensor([2.0], dtype=dg.float32), dg.tensor([0.5])).dtype is dg.float64
    assert dg.log2(dg.tensor([8.0], requires_grad=True)).grad_fn.name() == "Log2Backward0"
    assert dg.special.exp2(dg.tensor([3.0], requires_grad=True)).grad_fn.name() == "Exp2Backward0"
    # ldexp: PyTorch's result dtypes (pinned from torch 2.13)
    ones = {d: dg.ones(2, dtype=d) for d in (dg.float16, dg.float32, dg.float64, dg.int32, dg.int64)}
    assert dg.ldexp(ones[dg.float16], ones[dg.int64]).dtype is dg.float16
    assert dg.ldexp(ones[dg.int64], ones[dg.int64]).dtype is dg.float32
    assert dg.ldexp(ones[dg.float32], ones[dg.float64]).dtype is dg.float64
    assert dg.ldexp(ones[dg.float32], dg.tensor(3.0, dtype=dg.float64)).dtype is dg.float32


@pytest.mark.cpu_only  # (the ops' jax kernels run in the device tests)
def test_ldexp_gradient_at_negative_integer_exponents_is_the_derivative():
    """PyTorch 2.13 takes pow(2, other) in integers in the backward, so x.grad is 0 where an
    integer other is negative; dualgrad gives 2 ** other."""
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    dg.ldexp(x, dg.tensor([-3, 0, 2])).sum().backward()
    assert x.grad.tolist() == [0.125, 1.0, 4.0]


def test_signs_infinities_and_realness():
    x = dg.tensor([-0.0, 0.0, -1.5, 2.0, math.nan, -math.inf, math.inf])
    assert dg.signbit(x).tolist() == [True, False, True, False, False, True, False]
    assert dg.signbit(-dg.tensor([math.nan])).tolist() == [bool(np.signbit(-np.array(np.nan)))]
    assert x.signbit().tolist() == np.signbit(x.numpy()).tolist()
    assert dg.signbit(dg.tensor([-3, 0, 4])).tolist() == [True, False, False]
    assert dg.isneginf(x).tolist() == [False] * 5 + [True, False]
    assert x.isposinf().tolist() == [False] * 6 + [True]
    assert dg.isneginf(dg.tensor([1, -2])).tolist() == [False, False]
    assert dg.isreal(x).tolist() == [True] * 7 and dg.isreal(x).dtype is dg.bool
    assert dg.positive(x) is x and x.positive() is x
    t = dg.tensor([-1.0, 2.0], requires_grad=True)
    assert t.absolute().tolist() == [1.0, 2.0] and dg.absolute(t).grad_fn.name() == "AbsBackward0"
    with pytest.raises(DualgradError, match="positive.*bool"):
        dg.positive(dg.tensor([True]))
    for f in (dg.gcd, dg.lcm):
        with pytest.raises(TypeError, match=f.name):
            f(dg.tensor([1.0]), dg.tensor([2]))


@pytest.mark.cpu_only  # (the ops' jax kernels run in the device tests)
def test_in_place_forms():
    x = dg.tensor([1.0, 8.0, 0.5])
    assert x.clone().log2_().tolist() == [0.0, 3.0, -1.0]
    assert x.clone().exp2_().tolist() == [2.0, 256.0, float(np.float32(2.0**0.5))]
    assert dg.tensor([100.0]).log10_().tolist() == [2.0]
    assert dg.tensor([-2.0]).absolute_().tolist() == [2.0]
    assert dg.tensor([4, 9], dtype=dg.int32).gcd_(dg.tensor([6, 6])).tolist() == [2, 3]
    assert dg.tensor([4, 9]).lcm_(6).tolist() == [12, 18]
    assert dg.tensor([180.0]).deg2rad_().tolist() == [float(np.float32(math.pi))]
    assert dg.tensor([math.pi], dtype=dg.float64).rad2deg_().tolist() == [180.0]
    assert dg.tensor([3.0]).ldexp_(dg.tensor([2])).tolist() == [12.0]
    assert dg.ones(2, 3).renorm_(2, 0, 1.0).numpy() == pytest.approx(np.full((2, 3), 3**-0.5), rel=1e-6)
    assert dg.tensor([2.0, 3.0], dtype=dg.float64).float_power_(2).tolist() == [4.0, 9.0]
    with pytest.raises(RuntimeError, match="float_power_.*float32.*float64"):
        dg.ones(2).float_power_(2)
    with pytest.raises(RuntimeError, match="deg2rad_.*can't be cast"):
        dg.tensor([1, 2]).deg2rad_()


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_statistics_overloads_and_zero_distance_gradient():
    x = RNG.normal(size=(3, 4))
    s, m = dg.std_mean(dg.tensor(x), False)  # PyTorch's std_mean(input, unbiased)
    np.testing.assert_allclose([s.item(), m.item()], [x.std(), x.mean()], rtol=1e-6)
    t = dg.tensor(x, dtype=dg.float64)  # and std/var's (input, unbiased) overloads
    assert (dg.std(t, False).item(), t.var(True).item()) == pytest.approx((x.std(), x.var(ddof=1)), rel=1e-12)
    v, m = dg.var_mean(dg.tensor(x), dim=0, unbiased=True, keepdim=True)
    np.testing.assert_allclose(v.numpy(), x.var(0, ddof=1, keepdims=True).astype(np.float32), rtol=1e-5)
    assert tuple(m.shape) == (1, 4)
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    dg.dist(a, dg.tensor([1.0, 2.0])).backward()
    assert a.grad.tolist() == [0.0, 0.0]
    assert dg.dist(dg.tensor([1.0, 0.0, 3.0]), dg.tensor([0.0])).item() == pytest.approx(math.sqrt(10))


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_errors_name_the_function_and_shapes():
    a, b = dg.ones(2, 3), dg.ones(4, 2)
    with pytest.raises(RuntimeError, match=r"tensordot.*size 3 in dim 1.*size 4 in dim 0"):
        dg.tensordot(a, b, dims=([1], [0]))
    with pytest.raises(RuntimeError, match="tensordot"):
        dg.tensordot(a, b, dims=-1)
    with pytest.raises(TypeError, match="vdot.*same dtype"):
        dg.vdot(dg.ones(2), dg.ones(2, dtype=dg.float64))
    with pytest.raises(RuntimeError, match="vdot: 1D"):
        dg.vdot(a, a)
    with pytest.raises(RuntimeError, match="renorm"):
        dg.renorm(a, 0, 0, 1.0)
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        dg.pdist(dg.ones(3))
    with pytest.raises(RuntimeError, match="addbmm"):
        dg.addbmm(dg.ones(2, 2), dg.ones(3, 2, 4), dg.ones(2, 4, 2))


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_tensordot_accepts_a_tensor_of_dims_and_empty_contractions():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2))
    got = dg.tensordot(dg.tensor(a), dg.tensor(b), dims=dg.tensor([[1], [0]]))
    np.testing.assert_allclose(got.numpy(), (a @ b).astype(np.float32), rtol=1e-6)
    assert tuple(dg.tensordot(dg.ones(2, 0), dg.ones(0, 3), 1).shape) == (2, 3)


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_linalg_aliases_follow_torch_shapes():
    a = dg.tensor(RNG.normal(size=(2, 4, 3)))
    u, s, v = dg.svd(a)
    assert [tuple(t.shape) for t in (u, s, v)] == [(2, 4, 3), (2, 3), (2, 3, 3)]
    assert [tuple(t.shape) for t in a.svd(some=False)] == [(2, 4, 4), (2, 3), (2, 3, 3)]
    r = dg.svd(a, compute_uv=False)
    assert type(r).__name__ == "svd" and r._fields == ("U", "S", "V")
    assert [tuple(t.shape) for t in r] == [(2, 4, 4), (2, 3), (2, 3, 3)]
    assert r.U.abs().sum().item() == 0 and r.V.abs().sum().item() == 0
    np.testing.assert_allclose(r.S.numpy(), np.linalg.svd(a.numpy(), compute_uv=False), rtol=1e-5)
    q, rr = dg.qr(a, some=False)
    assert tuple(q.shape) == (2, 4, 4) and tuple(rr.shape) == (2, 4, 3)


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_dtype_questions():
    for d in (dg.float16, dg.float32, dg.float64):
        info, ref = dg.finfo(d), np.finfo(d.np)
        assert (info.bits, info.eps, info.max, info.min, info.tiny) == (
            ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal))
        assert info.smallest_normal == info.tiny and info.dtype == d.name
        assert info.resolution == 10.0 ** -ref.precision  # PyTorch's (1e-3 for float16, not numpy's rounding)
    assert dg.finfo().dtype == dg.get_default_dtype().name
    assert repr(dg.finfo(dg.float32)) == ("finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, "
                                         "eps=1.19209e-07, smallest_normal=1.17549e-38, tiny=1.17549e-38, "
                                         "dtype=float32)")  # torch 2.13's repr
    for d in (dg.uint8, dg.int8, dg.int16, dg.int32, dg.int64):
        info, ref = dg.iinfo(d), np.iinfo(d.np)
        assert (info.bits, info.max, info.min, info.dtype) == (ref.bits, int(ref.max), int(ref.min), d.name)
    with pytest.raises(TypeError, match="finfo"):
        dg.finfo(dg.int32)
    with pytest.raises(TypeError, match="iinfo"):
        dg.iinfo(dg.bool)
    # torch 2.13's can_cast: no float into an integer, nothing but bool into bool
    pinned = {(dg.int64, dg.uint8): True, (dg.float64, dg.float32): True, (dg.int32, dg.bool): False,
              (dg.bool, dg.int8): True, (dg.float32, dg.int32): False, (dg.uint8, dg.int8): True,
              (dg.float16, dg.bool): False, (dg.int16, dg.float16): True}
    assert {k: dg.can_cast(*k) for k in pinned} == pinned
    for a in dtypes.ALL:
        for b in dtypes.ALL:
            kinds = a.np.kind + b.np.kind
            want = kinds[0] == "b" or kinds[1] == "f" or kinds in ("ii", "iu", "ui", "uu")
            assert dg.can_cast(a, b) == want
            assert dg.promote_types(a, b) is dtypes.promote(a, b)


@pytest.mark.cpu_only  # (about dtypes)
@settings(max_examples=20, deadline=None)
@given(a=st.sampled_from(dtypes.ALL), b=st.sampled_from(dtypes.ALL), zero_d=st.booleans(),
       number=st.sampled_from([None, 2, 2.5, True]))
def test_result_type_is_the_dtype_ops_return(a, b, zero_d, number):
    """result_type agrees with what an op actually returns (the registry's promotion), for
    tensors with dims, 0-d tensors and Python numbers."""
    x = dg.ones(2, dtype=a)
    y = dg.ones((), dtype=b) if zero_d else dg.ones(2, dtype=b)
    assert dg.result_type(x, y) is dg.maximum(x, y).dtype
    if number is not None:
        assert dg.result_type(x, number) is dg.where(dg.tensor(True), x, number).dtype
    assert dg.result_type(2, 2.5) is dg.get_default_dtype() and dg.result_type(2, 3) is dg.int64


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_tensor_attributes():
    t = dg.zeros(2, 3, dtype=dg.int16)
    assert (t.element_size(), t.itemsize, t.nbytes, t.ndimension()) == (2, 2, 12, 2)
    assert not t.is_floating_point() and dg.ones(1).is_floating_point() and t.is_signed()
    assert not dg.ones(1, dtype=dg.uint8).is_signed() and not dg.ones(1, dtype=dg.bool).is_signed()
    assert not t.is_complex() and not dg.is_complex(t) and not t.is_inference()


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_inference_mode_is_no_grad_as_context_and_decorator():
    x = dg.ones(2, requires_grad=True)
    with dg.inference_mode():
        assert not dg.is_grad_enabled() and dg.is_inference_mode_enabled()
        y = x * 2
        with dg.inference_mode(False):  # PyTorch's: turns recording back on
            assert dg.is_grad_enabled() and not dg.is_inference_mode_enabled()
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled() and not dg.is_inference_mode_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @dg.inference_mode
    def bare(t):
        return t * 3

    @dg.inference_mode()
    def called(t):
        return t * 3

    assert not bare(x).requires_grad and not called(x).requires_grad and (x * 3).requires_grad
    with dg.no_grad(), dg.inference_mode(mode=False):
        assert dg.is_grad_enabled()
    with pytest.raises(ZeroDivisionError), dg.inference_mode():
        _ = 1 / 0
    assert dg.is_grad_enabled()


@pytest.mark.cpu_only  # (no device question in it; the ops' kernels run in the device tests)
def test_functional_aliases_take_torch_top_level_argument_orders():
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(4, 3, 5)), rng.normal(size=3), rng.normal(size=3)
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2, 3)
    t = [dg.tensor(v, dtype=dg.float64) for v in (x, w, b, rm, rv)]
    # torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
    got = dg.batch_norm(*t, False, 0.1, 1e-5, True)
    want = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5) * w[:, None] + b[:, None]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    got = dg.instance_norm(t[0], t[1], t[2], None, None, True, 0.1, 1e-5, False)
    mu, var = x.mean(2, keepdims=True), x.var(2, keepdims=True)
    want = (x - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(got.numpy(), want * w[:, None] + b[:, None], rtol=1e-10)
    np.testing.assert_allclose(dg.layer_norm(t[0], [5], None, None, 1e-5, True).numpy(),
                               want, rtol=1e-10)
    assert tuple(dg.group_norm(t[0], 3, t[1], t[2]).shape) == (4, 3, 5)
    # torch.embedding(weight, indices, padding_idx=-1): weight first, a negative padding_idx is none
    table = dg.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    idx = dg.tensor([[0, 2], [5, 2]])
    np.testing.assert_array_equal(dg.embedding(table, idx).detach().numpy(),
                                  table.detach().numpy()[[[0, 2], [5, 2]]])
    dg.embedding(table, idx, 2).sum().backward()
    assert table.grad.sum(1).tolist() == [3.0, 0.0, 0.0, 0.0, 0.0, 3.0]  # row 2 is padding: no gradient
    # torch.dropout(input, p, train)
    assert dg.dropout(t[0], 0.5, False) is t[0] or np.array_equal(dg.dropout(t[0], 0.5, False).numpy(), x)
    kept = dg.dropout(dg.ones(400), 0.5, True).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0 < kept.sum() < 800
    for name in ("selu", "celu", "threshold", "conv1d", "conv2d", "pixel_shuffle", "cosine_similarity",
                 "pairwise_distance", "pdist", "bilinear"):
        assert getattr(dg, name) is getattr(dg.nn.functional, name)
