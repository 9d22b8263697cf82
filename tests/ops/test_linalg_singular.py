"""A singular matrix in inv/solve (and the gradients that invert A) raises LinAlgError on
every path, as PyTorch's `torch.linalg.LinAlgError` and TF1's "Input is not invertible": eager
numpy and jax devices, static Sessions on numpy and jax (where a jitted kernel returns inf/nan
and the registry op's check must catch it). A failed static run commits nothing. Oracle:
numpy float64 (`np.linalg`)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import LinAlgError

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
REGULAR = np.array([[1.0, 2.0], [3.0, 4.0]])
BATCH = np.stack([REGULAR, SINGULAR, REGULAR + 1.0])  # batch element (1,) is singular
RHS = np.array([[1.0, 0.5], [-2.0, 3.0]])
HERE = r"test_linalg_singular\.py:\d+"


def _message(op: str, shape: tuple, batch: bool) -> str:
    at = r", batch element \(1,\)" if batch else ""
    shape_text = r"\(" + r", ".join(map(str, shape)) + r"\)"
    return rf"{op}.*singular.*A of shape {shape_text}{at}; at .*{HERE}"


@pytest.mark.parametrize("device", ["cpu", "jax"])
@pytest.mark.parametrize("a", [SINGULAR, BATCH], ids=["one", "batch"])
def test_eager_inv_and_solve_raise(device, a):
    t = dg.tensor(a, device=device)
    batch = a.ndim == 3
    with pytest.raises(LinAlgError, match=_message("inv", a.shape, batch)):
        dg.linalg.inv(t)
    with pytest.raises(LinAlgError, match=_message("solve", a.shape, batch)):
        dg.linalg.solve(t, dg.tensor(RHS, device=device))
    with pytest.raises(LinAlgError, match=_message("solve", a.shape, batch)):
        dg.linalg.solve(t, dg.tensor(RHS[0], device=device))  # a vector right-hand side


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_eager_det_gradient_at_a_singular_matrix_raises(device):
    t = dg.tensor(BATCH, device=device, requires_grad=True)
    d = dg.linalg.det(t)
    np.testing.assert_allclose(d.detach().numpy(), np.linalg.det(BATCH), atol=1e-12)  # det itself is fine
    with pytest.raises(LinAlgError, match=_message("inv", BATCH.shape, True)):
        d.sum().backward()


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_eager_nonsingular_values_equal_numpy(device):
    a = BATCH[[0, 2]]
    t = dg.tensor(a, device=device)
    np.testing.assert_allclose(np.asarray(dg.linalg.inv(t).numpy()), np.linalg.inv(a), rtol=1e-12)
    b = np.arange(6.0).reshape(2, 3) - 2.0  # (not A's shape without its last dim: a matrix B)
    np.testing.assert_allclose(np.asarray(dg.linalg.solve(t, dg.tensor(b, device=device)).numpy()),
                               np.linalg.solve(a, b), rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(at=st.integers(0, 2), scale=st.integers(-8, 8).filter(bool))
def test_eager_jax_names_the_first_singular_batch_element(at, scale):
    # integer scales keep the LU exact (a rounded near-zero pivot is singular to neither)
    a = np.stack([REGULAR * scale] * 3)
    a[at:] = SINGULAR * scale  # every element from `at` on is singular: the first is named
    with pytest.raises(np.linalg.LinAlgError):  # the oracle agrees that it is singular
        np.linalg.inv(a)
    with pytest.raises(LinAlgError, match=rf"batch element \({at},\)"):
        dg.linalg.inv(dg.tensor(a, device="jax"))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_static_singular_run_raises_and_commits_nothing(backend):
    with ds.Graph().as_default():
        v = ds.Variable(BATCH, name="A")
        x = ops.inv(v)
        grad = ds.gradients(ds.reduce_sum(x), [v])[0]
        step = v.assign_sub(0.1 * grad)
        y = ops.solve(v, RHS)
        det_grad = ds.gradients(ds.reduce_sum(ops.det(v)), [v])[0]
        with ds.Session(backend=backend) as sess:
            sess.run(v.initializer)
            for fetched, op in ((x, "inv"), (grad, "inv"), (step, "inv"), (y, "solve"), (det_grad, "inv")):
                with pytest.raises(LinAlgError, match=rf"{op}.*singular.*batch element \(1,\); at .*{HERE}"):
                    sess.run(fetched)
                np.testing.assert_array_equal(sess.run(v), BATCH)  # the failed run changed nothing
            good = BATCH[[0, 2, 0]]
            np.testing.assert_allclose(sess.run(x, {v: good}), np.linalg.inv(good), rtol=1e-12)
            np.testing.assert_allclose(sess.run(y, {v: good}), np.linalg.solve(good, RHS), rtol=1e-12)


def test_static_jax_message_names_the_graph_op_and_where_it_was_built():
    with ds.Graph().as_default():
        a = ds.placeholder(ds.float64, shape=(None, 2, 2))
        x = ops.inv(a)  # built here: the message points at this line
        line = x.op.where
        with ds.Session(backend="jax") as sess:
            with pytest.raises(LinAlgError, match=r"inv \(op 'inv.*'\).*A of shape \(None, 2, 2\)") as info:
                sess.run(x, {a: BATCH})
    assert line in str(info.value)


def test_non_finite_input_is_not_called_singular():
    # inf/nan in A is not a singular matrix: numpy and jax both propagate it (no LinAlgError)
    a = REGULAR.copy()
    a[0, 0] = np.nan
    out = dg.linalg.inv(dg.tensor(a, device="jax")).numpy()
    assert np.isnan(np.asarray(out)).any()


NAN_MATRIX = np.array([[np.nan, 1.0], [2.0, 3.0]])
LU_OPS = {
    "inv": lambda t: dg.linalg.inv(t),
    "solve": lambda t: dg.linalg.solve(t, dg.tensor([1.0, 2.0], device=t.device)),
    "det": lambda t: dg.linalg.det(t),
    "slogdet": lambda t: dg.linalg.slogdet(t)[1],
}


@pytest.mark.parametrize("name", sorted(LU_OPS))
def test_a_nan_matrix_gives_nan_even_when_the_lu_skips_it(name, monkeypatch):
    # cuSolver's pivoting compares with the NaN (always false) and returns finite numbers for
    # a NaN matrix; stand in for it with a jax LU that never sees the NaN
    import jax.numpy as jnp

    for fn in ("inv", "solve", "det", "slogdet"):
        real = getattr(jnp.linalg, fn)
        monkeypatch.setattr(jnp.linalg, fn, lambda a, *rest, real=real: real(jnp.nan_to_num(a), *rest))
    out = LU_OPS[name](dg.tensor(NAN_MATRIX, device="jax")).numpy()
    assert np.isnan(np.asarray(out)).any()
    assert np.isnan(np.asarray(LU_OPS[name](dg.tensor(NAN_MATRIX)).numpy())).any()  # numpy's LAPACK
    assert np.isfinite(np.asarray(LU_OPS[name](dg.tensor(REGULAR, device="jax")).numpy())).all()


def test_compiled_function_raises_too():
    f = dg.compile(lambda t: dg.linalg.inv(t))
    with pytest.raises(LinAlgError, match=r"inv.*singular.*batch element \(1,\)"):
        f(dg.tensor(BATCH))
    good = BATCH[[0, 2]]
    np.testing.assert_allclose(f(dg.tensor(good)).numpy(), np.linalg.inv(good), rtol=1e-12)
