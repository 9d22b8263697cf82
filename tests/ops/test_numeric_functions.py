"""PyTorch's numeric functions of eager/methods_numeric.py (`logaddexp`, `logcumsumexp`,
`nan_to_num`, `frac`, `sgn`, the shifts, `aminmax`, `kron`, `rot90`, `diag_embed`,
`block_diag`, `cartesian_prod`, `trapezoid`, `cov`, `corrcoef`, `vander`): values against
numpy float64, gradients against finite differences and jax.grad of the jnp equivalent,
PyTorch's values at the edges (written out), the jax device."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DTypeError, ShapeError

INF, NAN = np.inf, np.nan
SETTINGS = settings(max_examples=15, deadline=None)


def _t(a, **kw):
    return dg.tensor(np.asarray(a, dtype=np.float64), **kw)


def _grad(fn, *arrays):
    """dualgrad's gradient of sum(fn(*tensors) * weights) for each input."""
    ts = [_t(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    w = np.linspace(0.5, 1.5, out.numel()).reshape(out.shape)
    (out * _t(w)).sum().backward()
    return [t.grad.numpy() for t in ts], w


def _jax_grad(fn, w, *arrays):
    import jax
    import jax.numpy as jnp

    gradient = jax.grad(lambda *xs: jnp.sum(fn(*xs) * w), argnums=tuple(range(len(arrays))))
    return jax.jit(gradient)(*(jnp.asarray(a) for a in arrays))  # one program, not one compile per primitive


# -- values against numpy, gradients against jax and finite differences ----------------------------
A = np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7]])
B = np.array([[0.9, 0.4], [-0.5, 1.1], [0.2, -2.0]])
CASES = {
    "logaddexp": (lambda x, y: dg.logaddexp(x, y), lambda np_, x, y: np_.logaddexp(x, y), (A, A[:1] * 2)),
    "logaddexp2": (lambda x, y: x.logaddexp2(y), lambda np_, x, y: np_.logaddexp2(x, y), (A, A[:, :1] - 1)),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), None, (A,)),
    "kron": (lambda x, y: dg.kron(x, y), lambda np_, x, y: np_.kron(x, y), (A, B)),
    "rot90": (lambda x: dg.rot90(x, 3, [0, 1]), lambda np_, x: np_.rot90(x, 3, (0, 1)), (A,)),
    "trapezoid": (lambda y, x: dg.trapezoid(y, x), lambda np_, y, x: np_.trapezoid(y, x), (A, A[0] ** 2)),
    "cov": (lambda x: dg.cov(x), lambda np_, x: np_.cov(x), (B,)),
    "corrcoef": (lambda x: x.corrcoef(), lambda np_, x: np_.corrcoef(x), (B.T,)),
    "vander": (lambda x: dg.vander(x, 4), lambda np_, x: np_.vander(x, 4), (A[0],)),
    "frac": (lambda x: dg.frac(x * 3), lambda np_, x: np_.modf(x * 3)[0], (A + 0.05,)),
    "nan_to_num": (lambda x: dg.nan_to_num(x), lambda np_, x: np_.nan_to_num(x), (A,)),
}


def _logcumsumexp_ref(np_, x):
    import jax

    return jax.lax.cumlogsumexp(x, axis=1) if np_ is not np else np.logaddexp.accumulate(x, axis=1)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_numpy_and_jax(name, jax_float64):
    import jax.numpy as jnp

    fn, ref, arrays = CASES[name]
    ref = ref or _logcumsumexp_ref
    got = fn(*(_t(a) for a in arrays))
    np.testing.assert_allclose(got.numpy(), ref(np, *arrays), rtol=1e-12, atol=1e-12)
    grads, w = _grad(fn, *arrays)
    for mine, theirs in zip(grads, _jax_grad(lambda *xs: ref(jnp, *xs), w, *arrays), strict=True):
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-9, atol=1e-12)
    assert dg.autograd.gradcheck(fn, tuple(_t(a, requires_grad=True) for a in arrays))


def test_more_layouts_match_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    for k in (-1, 0, 1, 2, 5):
        np.testing.assert_array_equal(dg.rot90(_t(x), k, (2, 0)).numpy(), np.rot90(x, k, (2, 0)))
    v = np.arange(6.0).reshape(2, 3)
    for offset, d1, d2 in ((0, -2, -1), (1, 0, 2), (-2, 2, 0)):
        want = np.zeros((2, 3 + abs(offset), 3 + abs(offset)))
        for b in range(2):
            want[b] = np.diag(v[b], offset)
        want = np.moveaxis(want, (1, 2), (d1 % 3, d2 % 3))
        np.testing.assert_array_equal(dg.diag_embed(_t(v), offset, d1, d2).numpy(), want)
    got = dg.block_diag(dg.tensor(5), dg.tensor([1, 2]), dg.tensor([[1.5, 2], [3, 4]]))
    want = np.zeros((4, 5))
    want[0, 0], want[1, 1:3], want[2:, 3:] = 5, [1, 2], [[1.5, 2], [3, 4]]
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.dtype == dg.float32 and dg.block_diag().shape == (1, 0)
    got = dg.cartesian_prod(dg.tensor([1, 2]), dg.tensor([3, 4, 5]), dg.tensor([7]))
    np.testing.assert_array_equal(got.numpy(), [[a, b, 7] for a in (1, 2) for b in (3, 4, 5)])
    np.testing.assert_array_equal(dg.kron(dg.ones(2, 1, 3), dg.ones(4, 2)).numpy(),
                                  np.kron(np.ones((2, 1, 3)), np.ones((4, 2))))
    y = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])
    assert dg.trapezoid(_t(y), dx=2.0, dim=1).tolist() == np.trapezoid(y, dx=2.0, axis=1).tolist()
    assert dg.trapz(_t(y), dim=0).tolist() == np.trapezoid(y, axis=0).tolist()
    assert dg.trapezoid(dg.tensor([1, 2, 4])).item() == 4.5 and dg.trapezoid(dg.tensor([3.0])).item() == 0


def test_cov_weights_are_numpys():
    x = np.array([[1.0, 2.0, 4.0, 0.5], [0.0, 1.0, 1.0, 3.0]])
    f, a = np.array([1, 2, 1, 3]), np.array([0.5, 1.0, 2.0, 0.25])
    for correction in (0, 1, 2):
        got = dg.cov(_t(x), correction=correction, fweights=dg.tensor(f), aweights=_t(a))
        want = np.cov(x, ddof=correction, fweights=f, aweights=a)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(dg.cov(_t(x[0])).numpy(), np.cov(x[0]), rtol=1e-12)
    np.testing.assert_allclose(dg.cov(dg.tensor([[1, 2, 4]])).numpy(), 7 / 3, rtol=1e-6)  # ints: float
    with pytest.raises(DTypeError, match="fweights"):
        dg.cov(_t(x), fweights=_t(f))


# -- PyTorch's values at the edges (written out from torch 2) ---------------------------------------
def test_logaddexp_and_logcumsumexp_at_infinities():
    x, y = _t([-INF, 0.0, 1.0, INF], requires_grad=True), _t([-INF, -INF, 1.0, INF], requires_grad=True)
    out = dg.logaddexp(x, y)
    assert out.tolist() == [-INF, 0.0, 1.0 + np.log(2.0), INF]
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[1:3], [1.0, 0.5])  # torch: [nan, 1, 0.5, ...]
    assert np.isnan(x.grad.numpy()[0]) and y.grad.numpy()[1] == 0.0
    assert dg.logaddexp2(_t([-INF, 3.0]), _t([-INF, 3.0])).tolist() == [-INF, 4.0]
    x = _t([-INF, 0.0, -INF, 2.0, INF, 1.0], requires_grad=True)
    out = x.logcumsumexp(0)
    np.testing.assert_allclose(out.detach().numpy(), [-INF, 0, 0, np.log(1 + np.exp(2)), INF, INF])
    out.backward(_t([1.0, -2.0, 3.0, 0.5, 1.0, 1.0]))
    # sum_{j >= i} g_j exp(x_i - out_j); NaN where x_i and out_i are both infinite
    want = [NAN, -2 + 3 + 0.5 / (1 + np.e ** 2), 0.0, 0.5 * np.e ** 2 / (1 + np.e ** 2), NAN, 0.0]
    np.testing.assert_allclose(x.grad.numpy(), want)  # torch's: [nan, 1.0596, 0, 0.4404, nan, 0]
    big = _t([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(big.logcumsumexp(0).numpy(), [1000, 1000 + np.log(2), 1000 + np.log(2)])
    assert dg.tensor(2.0).logcumsumexp(0).item() == 2.0
    with pytest.raises(DTypeError, match="logcumsumexp"):
        dg.tensor([1, 2]).logcumsumexp(0)


def test_nan_to_num_frac_sgn_aminmax():
    for dtype, big in ((dg.float16, 65504.0), (dg.float32, float(np.finfo(np.float32).max)),
                       (dg.float64, float(np.finfo(np.float64).max))):
        got = dg.nan_to_num(dg.tensor([NAN, INF, -INF, 1.5], dtype=dtype)).tolist()
        assert got == [0.0, big, -big, 1.5]
    x = _t([NAN, INF, -INF, 1.5], requires_grad=True)
    out = x.nan_to_num(nan=2.0, posinf=7.0, neginf=-7.0)
    assert out.tolist() == [2.0, 7.0, -7.0, 1.5]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert dg.nan_to_num(dg.tensor([1, 2])).dtype == dg.int64
    a = dg.tensor([1.5, NAN, -INF], requires_grad=True)
    b = a * 2
    b.nan_to_num_(nan=0.5, neginf=-1.0)
    b.sum().backward()
    assert b.tolist() == [3.0, 0.5, -1.0] and a.grad.tolist() == [2.0, 0.0, 0.0]
    c = dg.tensor([2.75, -1.25])
    assert c.frac_() is c and c.tolist() == [0.75, -0.25]
    x = _t([-2.5, 2.5, -0.0, 3.0], requires_grad=True)
    out = x.frac()
    assert out.tolist() == [-0.5, 0.5, 0.0, 0.0]
    out.sum().backward()
    assert x.grad.tolist() == [1.0] * 4
    with pytest.raises(DTypeError, match="frac"):
        dg.frac(dg.tensor([1, 2]))
    assert dg.sgn(dg.tensor([-2, 0, 3])).tolist() == [-1, 0, 1]
    x = dg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 5.0]], requires_grad=True)
    low, high = x.aminmax()
    assert (low.item(), high.item()) == (0.0, 5.0)
    r = dg.aminmax(x, dim=1, keepdim=True)
    assert r.min.tolist() == [[1.0], [0.0]] and r.max.tolist() == [[3.0], [5.0]]
    (r.min.sum() + r.max.sum()).backward()
    assert x.grad.tolist() == [[1.0, 0.5, 0.5], [0.0, 1.0, 1.0]]  # ties share, as amax's


def test_shifts_are_pytorchs_past_the_width():
    a = dg.tensor([1, -1, 5, -128], dtype=dg.int8)
    assert (a << 1).tolist() == [2, -2, 10, 0] and (a << 1).dtype == dg.int8
    assert (a << 7).tolist() == [-128, -128, -128, 0]
    for s in (8, 9, 64, -1):  # torch 2: 0 for <<; 0 / -1 by sign for >>
        assert (a << s).tolist() == [0, 0, 0, 0]
        assert (a >> s).tolist() == [0, -1, 0, -1]
    assert (a >> 1).tolist() == [0, -1, 2, -64]
    u = dg.tensor([1, 255, 5, 200], dtype=dg.uint8)
    assert (u << 1).tolist() == [2, 254, 10, 144] and (u >> 7).tolist() == [0, 1, 0, 1]
    big = dg.tensor([1, -1, 5], dtype=dg.int64)
    assert (big << 63).tolist() == [-2**63, -2**63, -2**63]
    assert (big << dg.tensor([64, 0, 1])).tolist() == [0, -1, 10]
    assert (3 << dg.tensor([1, 2])).tolist() == [6, 12] and (dg.tensor([True, False]) << 1).tolist() == [2, 0]
    b = dg.tensor([3, 4], dtype=dg.int32)
    b <<= 2
    assert b.tolist() == [12, 16] and b.dtype == dg.int32
    b >>= dg.tensor([1, 3], dtype=dg.int32)
    assert b.tolist() == [6, 2]
    assert dg.bitwise_right_shift(dg.tensor([-8]), 1).tolist() == [-4]
    assert dg.tensor([1]).bitwise_left_shift_(3).tolist() == [8]
    with pytest.raises(DTypeError, match="bitwise_left_shift: not implemented for 'Float'"):
        dg.tensor([1.0]) << 1


def test_errors_name_the_function():
    with pytest.raises(ShapeError, match="rot90: expected rotation dims to be different"):
        dg.rot90(dg.ones(2, 2), 1, [0, 0])
    with pytest.raises(ShapeError, match="block_diag"):
        dg.block_diag(dg.ones(1, 1, 1))
    with pytest.raises(ShapeError, match="cartesian_prod"):
        dg.cartesian_prod(dg.ones(2, 2))
    with pytest.raises(ShapeError, match="trapezoid: There must be one `x` value"):
        dg.trapezoid(dg.ones(3), dg.ones(2))


# -- broadcasting ------------------------------------------------------------------------------------
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), data=st.data())
def test_logaddexp_broadcasts_as_numpy(shapes, data):
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=st.floats(-30, 30))) for s in shapes.input_shapes)
    got = dg.logaddexp(_t(a), _t(b))
    assert got.shape == shapes.result_shape
    np.testing.assert_allclose(got.numpy(), np.logaddexp(a, b), rtol=1e-13)


@SETTINGS
@given(a=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
       b=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
def test_kron_of_any_shapes_is_numpys(a, b):
    x = np.arange(np.prod(a), dtype=np.float64).reshape(a)
    y = np.arange(np.prod(b), dtype=np.float64).reshape(b) - 2
    np.testing.assert_array_equal(dg.kron(_t(x), _t(y)).numpy(), np.kron(x, y))


# -- the jax device and dg.compile -------------------------------------------------------------------
def test_on_the_jax_device():
    x = dg.tensor([[0.5, -1.0, 2.0], [1.0, 3.0, -2.0]], device="jax", requires_grad=True)
    out = dg.logaddexp(x, 1.0).sum() + x.logcumsumexp(1).sum() + dg.kron(x, x).sum()
    out.backward()
    assert x.device.type == "jax"
    xs = x.detach().cpu().requires_grad_()
    same = dg.logaddexp(xs, 1.0).sum() + xs.logcumsumexp(1).sum() + dg.kron(xs, xs).sum()
    same.backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), xs.grad.numpy(), rtol=1e-5)
    a = dg.tensor([1, -1, 5], dtype=dg.int8, device="jax")
    assert (a << 8).tolist() == [0, 0, 0] and (a >> 9).tolist() == [0, -1, 0]


def test_tf1_names_in_the_static_front_end():
    """tf.math.cumulative_logsumexp and tf.bitwise.left_shift/right_shift, values written out
    from TensorFlow 2.21's (the shifts inside the width, where TF1 defines them)."""
    import dualgrad.static as ds

    x = np.array([[0.5, -1.0, 2.0], [1.0, 3.0, -np.inf]], np.float32)
    ph = ds.placeholder(ds.float32, [2, 3])
    forward = ds.math.cumulative_logsumexp(ph, axis=1)
    backward = ds.math.cumulative_logsumexp(ph, axis=1, exclusive=True, reverse=True)
    shifted = ds.bitwise.left_shift(ds.constant([1, -1, 5]), ds.constant([1, 3, 3]))
    down = ds.bitwise.right_shift(ds.constant([-16, 16]), ds.constant([2, 40]))
    with ds.Session() as sess:
        f, b, s, d = sess.run([forward, backward, shifted, down], {ph: x})
    np.testing.assert_allclose(f, [[0.5, 0.7014133, 2.2413113], [1.0, 3.126928, 3.126928]], rtol=1e-6)
    np.testing.assert_allclose(b, [[2.0485873, 2.0, -np.inf], [3.0, -np.inf, -np.inf]], rtol=1e-6)
    assert s.tolist() == [2, -8, 40] and d.tolist() == [-4, 0]


def test_symbolic_closed_forms():
    """symbolic.grad of the new ops against derivatives written out by hand here, and
    symbolic.check (sympy.diff of the closed form vs the VJPs) of compositions."""
    import sympy as sp

    from dualgrad import symbolic

    X, Y = sp.symbols("x y", real=True)
    x = dg.tensor(0.7, dtype=dg.float64, requires_grad=True, name="x")
    y = dg.tensor(-0.4, dtype=dg.float64, requires_grad=True, name="y")
    out = dg.logaddexp(x, y)
    assert sp.simplify(symbolic.grad(out, x) - sp.exp(X) / (sp.exp(X) + sp.exp(Y))) == 0
    assert symbolic.check(dg.logaddexp2(x, y) * x, [x, y]).ok
    v = dg.tensor([0.5, -1.0, 2.0], dtype=dg.float64, requires_grad=True, name="v")
    # (logcumsumexp's form is checked against sympy.diff by tests/ops/test_registry.py)
    assert symbolic.check((dg.trapezoid(v * v) + dg.kron(v, v).sum()), [v]).ok
