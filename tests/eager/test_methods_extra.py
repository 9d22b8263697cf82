"""The compositions of `eager/methods_extra.py` against jax references written from PyTorch's
docs (values and gradients), and torch where installed (test_methods_extra_torch.py)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import ShapeError
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

A = np.array([[0.7, -1.3, 2.25, 0.1], [1.9, 0.45, -0.6, -2.2], [-0.35, 1.1, 0.8, 1.6]])  # 3x4
B = np.array([[0.5, 1.5, -0.5, 2.0], [1.0, -1.0, 0.25, 0.75], [2.0, 0.5, 1.5, -1.5]])
S = np.array([[1.0, 2.0, 0.5], [0.3, 1.2, -0.7], [0.9, -0.4, 2.1]])

# (name, dualgrad call on x, jax reference on a): A's elements
CASES = [
    ("flip", lambda t: t.flip(1), lambda a: jnp.flip(a, 1)),
    ("flip two dims", lambda t: dg.flip(t, (0, 1)), lambda a: jnp.flip(a, (0, 1))),
    ("roll", lambda t: t.roll(1, 1), lambda a: jnp.roll(a, 1, 1)),
    ("roll dims", lambda t: dg.roll(t, (-1, 2), (0, 1)), lambda a: jnp.roll(a, (-1, 2), (0, 1))),
    ("roll flat", lambda t: t.roll(5), lambda a: jnp.roll(a, 5)),
    ("unbind", lambda t: t.unbind(1)[2], lambda a: a[:, 2]),
    ("narrow", lambda t: t.narrow(1, 1, 2), lambda a: a[:, 1:3]),
    ("diagonal", lambda t: t.diagonal(), lambda a: jnp.diagonal(a)),
    ("diagonal offset", lambda t: dg.diagonal(t, 1), lambda a: jnp.diagonal(a, 1)),
    ("diagonal negative", lambda t: t.diagonal(-1), lambda a: jnp.diagonal(a, -1)),
    ("diag of a vector", lambda t: dg.diag(t[0], 1), lambda a: jnp.diag(a[0], 1)),
    ("diag of a matrix", lambda t: t.diag(), lambda a: jnp.diag(a)),
    ("trace", lambda t: t.trace(), lambda a: jnp.trace(a)),
    ("outer", lambda t: dg.outer(t[0], t[1]), lambda a: jnp.outer(a[0], a[1])),
    ("rsqrt", lambda t: (t * t + 1).rsqrt(), lambda a: 1 / jnp.sqrt(a * a + 1)),
    ("lerp", lambda t: t.lerp(dg.tensor(B), 0.3), lambda a: a + 0.3 * (B - a)),
    ("lerp tensor weight", lambda t: dg.lerp(dg.tensor(B), t, t), lambda a: B + a * (a - B)),
    ("addcmul", lambda t: t.addcmul(t, dg.tensor(B), value=0.5), lambda a: a + 0.5 * a * B),
    ("addmm", lambda t: dg.addmm(t[:, :3], t[:, :3], dg.tensor(S), beta=0.5, alpha=2.0),
     lambda a: 0.5 * a[:, :3] + 2.0 * a[:, :3] @ S),
    ("diff prepend append", lambda t: t.diff(prepend=dg.tensor(B[:, :1]), append=dg.tensor(B[:, :2])),
     lambda a: jnp.diff(a, prepend=B[:, :1], append=B[:, :2])),
    ("diff twice along 0 prepend", lambda t: dg.diff(t, 2, 0, prepend=dg.tensor(B[:1])),
     lambda a: jnp.diff(a, 2, 0, prepend=B[:1])),
    ("diff prepending part of x", lambda t: t[:, 1:].diff(prepend=t[:, :1], append=t[:, :1] * 2),
     lambda a: jnp.diff(a[:, 1:], prepend=a[:, :1], append=a[:, :1] * 2)),
    ("clamp_min", lambda t: t.clamp_min(0.2), lambda a: jnp.maximum(a, 0.2)),
    ("clamp_max", lambda t: dg.clamp_max(t, 0.5), lambda a: jnp.minimum(a, 0.5)),
    ("diff", lambda t: t.diff(), lambda a: jnp.diff(a)),
    ("diff twice along 0", lambda t: dg.diff(t, 2, 0), lambda a: jnp.diff(a, 2, 0)),
    ("repeat_interleave", lambda t: t.repeat_interleave(2, dim=0), lambda a: jnp.repeat(a, 2, 0)),
    ("repeat_interleave counts", lambda t: dg.repeat_interleave(t, dg.tensor([1, 0, 2, 1]), dim=1),
     lambda a: jnp.repeat(a, np.array([1, 0, 2, 1]), 1)),
    ("repeat_interleave flat", lambda t: t.repeat_interleave(2), lambda a: jnp.repeat(a.reshape(-1), 2)),
    ("round", lambda t: t.round() * t, lambda a: jnp.round(a) * a),
    ("round decimals", lambda t: dg.round(t, decimals=1) + t, lambda a: jnp.round(a * 10) / 10 + a),
    ("floor", lambda t: t.floor() + t, lambda a: jnp.floor(a) + a),
    ("ceil", lambda t: dg.ceil(t) * t, lambda a: jnp.ceil(a) * a),
    ("meshgrid ij", lambda t: dg.meshgrid(t[0], t[1, :3])[1] * dg.meshgrid(t[0], t[1, :3])[0],
     lambda a: jnp.prod(jnp.stack(jnp.meshgrid(a[0], a[1, :3], indexing="ij")), 0)),
    ("meshgrid xy", lambda t: dg.meshgrid(t[0], t[1, :3], indexing="xy")[0] * 2,
     lambda a: jnp.meshgrid(a[0], a[1, :3], indexing="xy")[0] * 2),
]


_EXPECTED: dict = {}


def _expected(name, ref):
    """jax's value and gradient (cotangent cos(k)), once per case for both devices."""
    if name not in _EXPECTED:
        value, pullback = jax.vjp(ref, jnp.asarray(A))
        g = np.cos(np.arange(value.size)).reshape(value.shape)
        _EXPECTED[name] = np.asarray(value), g, np.asarray(pullback(jnp.asarray(g))[0])
    return _EXPECTED[name]


ON_BOTH_DEVICES = ("roll dims", "diagonal offset", "diag of a vector", "addmm", "repeat_interleave counts",
                   "meshgrid xy", "diff prepend append")


def _check(name, ours, ref):
    x = dg.tensor(A, requires_grad=True)
    out = ours(x)
    value, g, grad = _expected(name, ref)
    assert_close(out.detach().numpy(), value, msg=name)
    (out * dg.tensor(g)).sum().backward()
    assert_close(x.grad.numpy(), grad, msg=name)


@pytest.mark.cpu_only
@pytest.mark.parametrize(("name", "ours", "ref"), CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_match_jax(name, ours, ref):
    _check(name, ours, ref)


@pytest.mark.parametrize(("name", "ours", "ref"), [c for c in CASES if c[0] in ON_BOTH_DEVICES],
                         ids=[c[0] for c in CASES if c[0] in ON_BOTH_DEVICES])
def test_a_sample_on_every_device(name, ours, ref):
    """A sample of the cases on the jax device too (each eager op compiles there, so all of
    them would cost a minute)."""
    _check(name, ours, ref)


INPLACE = [("abs_", np.abs), ("exp_", np.exp), ("sin_", np.sin), ("cos_", np.cos), ("neg_", np.negative),
           ("sign_", np.sign), ("floor_", np.floor), ("ceil_", np.ceil), ("round_", np.round),
           ("tanh_", np.tanh), ("sigmoid_", lambda a: 1 / (1 + np.exp(-a)))]


@pytest.mark.parametrize(("name", "ref"), INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_unary_writes_into_the_tensor(name, ref):
    t = dg.tensor(A)
    assert getattr(t, name)() is t
    assert_close(t.numpy(), ref(A))


def test_inplace_log_sqrt_and_masked_fill_():
    t = dg.tensor(np.abs(A) + 0.5)
    t.log_()
    assert_close(t.numpy(), np.log(np.abs(A) + 0.5))
    t = dg.tensor(np.abs(A))
    t.sqrt_()
    assert_close(t.numpy(), np.sqrt(np.abs(A)))
    t.masked_fill_(dg.tensor(A > 0), -1.0)
    assert_close(t.numpy(), np.where(A > 0, -1.0, np.sqrt(np.abs(A))))


def test_inplace_on_a_leaf_that_requires_grad_is_refused_like_pytorch():
    with pytest.raises(RuntimeError, match="leaf"):
        dg.tensor(A, requires_grad=True).exp_()


def test_equal_compares_shape_and_values():
    assert dg.equal(dg.tensor(A), dg.tensor(A.copy()))
    assert not dg.tensor(A).equal(dg.tensor(B))
    assert not dg.equal(dg.tensor(A), dg.tensor(A[:2]))


def test_refusals_name_the_function():
    with pytest.raises(ShapeError, match="narrow: start"):
        dg.tensor(A).narrow(1, 3, 2)
    with pytest.raises(ShapeError, match="roll: shifts and dimensions must align"):
        dg.tensor(A).roll((1, 2), 0)
    with pytest.raises(ShapeError, match="diagonal: dimensions cannot be identical"):
        dg.tensor(A).diagonal(0, 1, 1)
    with pytest.raises(ShapeError, match=r"outer: expected 1-d tensors, got shapes \(3, 4\)"):
        dg.outer(dg.tensor(A), dg.tensor(A[0]))
    with pytest.raises(ShapeError, match="trace: expected a matrix"):
        dg.tensor(A[0]).trace()


def test_diff_prepend_and_append_are_checked_as_pytorch_checks_them():
    x = dg.tensor(A)
    with pytest.raises(ShapeError, match="diff expects prepend or append to be the same dimension as input"):
        x.diff(prepend=dg.zeros(4))
    with pytest.raises(ShapeError, match=r"input.size\(0\) = 3, but got tensor.size\(0\) = 2"):
        x.diff(append=dg.zeros(2, 1))
    with pytest.raises(TypeError, match="argument 'append' must be Tensor, not float"):
        x.diff(append=1.0)
    with pytest.raises(IndexError, match="diff: dimension -1 is out of range for a 0-d tensor"):
        dg.tensor(3.0).diff(prepend=dg.tensor(1.0))


def test_diff_with_prepend_promotes_as_cat():
    x = dg.tensor(A.astype(np.float32))
    assert x.diff(prepend=dg.zeros(3, 1, dtype=dg.float64)).dtype is dg.float64
    assert x.diff(prepend=dg.zeros(3, 1, dtype=dg.int64)).dtype is dg.float32
    flags = dg.tensor([True, False, False])
    assert flags.diff(prepend=dg.tensor([True])).tolist() == [False, True, False]
