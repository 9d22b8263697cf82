"""PyTorch APIs scripts reach for: `dg.where(cond)`, `masked_scatter`, `put`, `index_reduce`,
`dg.histogram`, `nn.Module.type`, `dg.linalg.vecdot/cond/tensorinv/tensorsolve/cholesky_ex/lu/
lu_factor/lu_solve`, `dg.norm(dtype=)` and `vector_norm(ord=0)`'s gradient. Values against numpy
float64; gradients three ways: finite differences (dg.autograd.gradcheck), jax.vjp of an
independent jnp version (float64), and the closed form (symbolic.check) where it is cheap."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn as nn
from dualgrad import symbolic
from dualgrad.errors import DualgradError, LinAlgError

pytestmark = pytest.mark.usefixtures("jax_float64")
FEW = settings(max_examples=10, deadline=None)
RNG = np.random.default_rng(11)


def _leaves(*arrays):
    return [dg.tensor(a, dtype=dg.float64, requires_grad=True) for a in arrays]


def _check(fn, jfn, arrays, rtol=1e-9, full=False):
    """fn's value and VJP against jfn's (jax, float64) and against central differences along two
    random directions (the whole Jacobian, dg.autograd.gradcheck, with `full`)."""
    leaves = _leaves(*arrays)
    out = fn(*leaves)
    g = RNG.normal(size=tuple(out.shape))

    @jax.jit  # (one compilation: jax's op-by-op dispatch compiles each op apart, seconds in all)
    def oracle(args, cotangent):
        value, pullback = jax.vjp(jfn, *args)
        return value, pullback(cotangent)

    want, wanted = oracle([jnp.asarray(a) for a in arrays], jnp.asarray(g))
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(want), rtol=rtol, atol=1e-12)
    grads = dg.autograd.grad(out, leaves, dg.tensor(g, dtype=dg.float64), allow_unused=True)
    grads = [np.zeros(r.shape) if got is None else got.numpy() for got, r in zip(grads, wanted, strict=True)]
    for got, ref in zip(grads, wanted, strict=True):
        np.testing.assert_allclose(got, np.asarray(ref), rtol=rtol, atol=1e-10)
    if full:
        assert dg.autograd.gradcheck(fn, tuple(_leaves(*arrays)))
        return
    for _ in range(2):
        v = [RNG.normal(size=np.shape(a)) for a in arrays]
        ahead, back = ([dg.tensor(a + h * d, dtype=dg.float64) for a, d in zip(arrays, v, strict=True)]
                       for h in (1e-6, -1e-6))
        slope = np.sum((fn(*ahead).numpy() - fn(*back).numpy()) / 2e-6 * g)
        np.testing.assert_allclose(slope, sum(np.sum(a * d) for a, d in zip(grads, v, strict=True)),
                                   rtol=1e-6, atol=1e-7)


# -- where(cond), masked_scatter, put, index_reduce -----------------------------------------------
@pytest.mark.cpu_only
@FEW
@given(st.lists(st.booleans(), min_size=1, max_size=12), st.sampled_from([(-1,), (3, -1), (2, 1, -1)]))
def test_where_of_a_condition_alone_is_nonzero_as_tuple(values, shape):
    cond = np.array(values * 6)[:12].reshape(shape)
    got = dg.where(dg.tensor(cond))
    assert isinstance(got, tuple) and len(got) == cond.ndim
    for g, want in zip(got, np.nonzero(cond), strict=True):
        assert g.dtype == dg.int64 and g.tolist() == want.tolist()


@pytest.mark.cpu_only
def test_where_with_one_of_input_and_other_is_refused():
    with pytest.raises(TypeError, match=r"where\(\).*test_torch_gaps\.py"):
        dg.where(dg.tensor([True]), dg.tensor([1.0]))


def _masked_scatter_ref(x, mask, s):
    idx = np.nonzero(np.broadcast_to(mask, x.shape))
    return x.at[idx].set(s.reshape(-1)[:idx[0].size])


@pytest.mark.cpu_only
def test_masked_scatter_against_jax_and_finite_differences():
    mask = np.array([[True, False, True], [False, True, True]])
    row = np.array([True, False, True])  # broadcasts over the rows

    def fn(x, s, t):
        return dg.cat([x.masked_scatter(dg.tensor(mask), s), dg.masked_scatter(x, dg.tensor(row), t)])

    def ref(x, s, t):
        return jnp.concatenate([_masked_scatter_ref(x, mask, s), _masked_scatter_ref(x, row, t)])

    _check(fn, ref, [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 4)), RNG.normal(size=(5,))], full=True)


@pytest.mark.cpu_only
@FEW
@given(st.sampled_from([((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 1, 3), (4, 1)), ((3,), (2, 3)), ((), (2,))]),
       st.integers(0, 2**31))
def test_masked_scatter_broadcasts_as_pytorch(shapes, seed):
    """mask and input broadcast together (out of place); source's first elements fill the true
    positions of the broadcast input in row-major order."""
    rng = np.random.default_rng(seed)
    x, mask = rng.normal(size=shapes[0]), rng.random(size=shapes[1]) < 0.5
    full = np.broadcast_shapes(x.shape, mask.shape)
    source = rng.normal(size=(int(np.prod(full)) + 1,))
    want = np.array(np.broadcast_to(x, full))
    want[np.broadcast_to(mask, full)] = source[:int(np.broadcast_to(mask, full).sum())]
    x_t, source_t = dg.tensor(x, dtype=dg.float64), dg.tensor(source, dtype=dg.float64)
    got = dg.masked_scatter(x_t, dg.tensor(mask), source_t)
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.cpu_only
def test_masked_scatter_and_put_closed_forms():
    x = dg.tensor([1.0, 2.0, 3.0, 4.0], dtype=dg.float64, requires_grad=True, name="x")
    s = dg.tensor([5.0, 6.0, 7.0], dtype=dg.float64, requires_grad=True, name="s")
    y = (x.masked_scatter(dg.tensor([True, False, True, True]), s) ** 2).sum()
    assert symbolic.check(y, [x, s]).ok
    y = (x.put(dg.tensor([0, 0, 2]), s, accumulate=True) ** 2).sum()
    assert symbolic.check(y, [x, s]).ok


@pytest.mark.cpu_only
def test_masked_scatter_in_place_and_its_refusals():
    x = dg.zeros(2, 2)
    assert x.masked_scatter_(dg.tensor([[True, False], [False, True]]), dg.tensor([5.0, 6.0, 7.0])) is x
    assert x.tolist() == [[5.0, 0.0], [0.0, 6.0]]
    with pytest.raises(RuntimeError, match=r"source < number of ones in mask.*test_torch_gaps\.py"):
        x.masked_scatter(dg.tensor([[True, True], [True, False]]), dg.tensor([1.0, 2.0]))
    with pytest.raises(DualgradError, match="boolean masks"):
        x.masked_scatter(dg.tensor([[1, 0], [0, 1]]), dg.tensor([1.0, 2.0]))
    with pytest.raises(DualgradError, match="same dtypes.*float32 and float64"):
        x.masked_scatter(dg.tensor([[True, False], [False, True]]), dg.tensor([1.0, 2.0], dtype=dg.float64))
    assert x.tolist() == [[5.0, 0.0], [0.0, 6.0]]  # (unchanged)


@pytest.mark.cpu_only
def test_put_against_jax_and_finite_differences():
    index, repeated = np.array([[4, -1], [0, 2]]), np.array([[4, 4], [0, -6]])

    def fn(x, s):
        return dg.cat([x.put(dg.tensor(index), s), x.put(dg.tensor(repeated), s, accumulate=True)])

    def ref(x, s):
        flat = x.reshape(-1)
        written = flat.at[index.reshape(-1) % 6].set(s.reshape(-1)).reshape(x.shape)
        added = flat.at[repeated.reshape(-1) % 6].add(s.reshape(-1)).reshape(x.shape)
        return jnp.concatenate([written, added])

    _check(fn, ref, [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2))], full=True)


@pytest.mark.cpu_only
def test_put_in_place_and_its_refusals():
    x = dg.zeros(2, 3)
    assert x.put_(dg.tensor([0, -1]), dg.tensor([1.0, 2.0])) is x
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    with pytest.raises(IndexError, match=r"index 7 on a tensor of 6 elements.*test_torch_gaps\.py"):
        x.put_(dg.tensor([7]), dg.tensor([1.0]))
    with pytest.raises(DualgradError, match="same number of elements"):
        x.put_(dg.tensor([1, 2]), dg.tensor([1.0]))
    with pytest.raises(IndexError, match="long tensor for index"):
        x.put_(dg.tensor([1.0]), dg.tensor([1.0]))
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    one = dg.tensor(1.0)  # (a 0-d tensor: its one element; masked_scatter's mask 0-d too, as PyTorch)
    assert one.put(dg.tensor([0, 0]), dg.tensor([5.0, 2.0]), accumulate=True).item() == 8.0
    assert one.masked_scatter(dg.tensor(True), dg.tensor([3.0])).item() == 3.0
    assert one.masked_scatter(dg.tensor(False), dg.tensor([3.0])).item() == 1.0


REDUCE = {"prod": jnp.prod, "mean": jnp.mean, "amax": jnp.max, "amin": jnp.min}


def _index_reduce_ref(reduce, include_self, index):
    """jnp: each row index[i] of x reduced with source[i] (PyTorch's index_reduce along dim 0)."""
    def ref(x, src):
        rows = []
        for r in range(x.shape[0]):
            picked = [src[i] for i in range(len(index)) if index[i] == r]
            if not picked:
                rows.append(x[r])
                continue
            vals = ([x[r]] if include_self else []) + picked
            stack = jnp.stack(vals)
            rows.append(REDUCE[reduce](stack, 0))
        return jnp.stack(rows)
    return ref


@pytest.mark.cpu_only
def test_index_reduce_against_jax_and_finite_differences():
    index = [0, 2, 0, 3]
    x, src = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))  # (distinct values: no ties)
    cases = [(reduce, include_self) for reduce in REDUCE for include_self in (True, False)]

    def fn(a, b):
        return dg.stack([a.index_reduce(0, dg.tensor(index), b, r, include_self=s) for r, s in cases])

    def ref(a, b):
        return jnp.stack([_index_reduce_ref(r, s, index)(a, b) for r, s in cases])

    _check(fn, ref, [x, src])


@pytest.mark.cpu_only
def test_index_reduce_in_place_and_its_refusals():
    x = dg.ones(3, 2)
    assert x.index_reduce_(0, dg.tensor([0, 0]), dg.tensor([[2.0, 3.0], [4.0, 5.0]]), "prod") is x
    assert x.tolist() == [[8.0, 15.0], [1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(DualgradError, match="one of prod, mean, amax or amin but got 'sum'"):
        x.index_reduce(0, dg.tensor([0]), dg.ones(1, 2), "sum")
    with pytest.raises(DualgradError, match="source of shape"):
        x.index_reduce(0, dg.tensor([0]), dg.ones(2, 2), "prod")


# -- histogram ------------------------------------------------------------------------------------
@pytest.mark.cpu_only
@FEW
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=20), st.integers(1, 6),
       st.booleans(), st.booleans())
def test_histogram_against_numpy(values, bins, density, weighted):
    x = np.array(values, dtype=np.float64)
    w = np.linspace(0.5, 2.0, x.size) if weighted else None
    hist, edges = dg.histogram(dg.tensor(x, dtype=dg.float64), bins,
                               weight=None if w is None else dg.tensor(w, dtype=dg.float64), density=density)
    want, want_edges = np.histogram(x, bins, weights=w, density=density)
    np.testing.assert_allclose(edges.numpy(), want_edges, rtol=1e-12)
    np.testing.assert_allclose(hist.numpy(), want, rtol=1e-9, atol=1e-12)


@pytest.mark.cpu_only
def test_histogram_with_edges_and_range_as_pytorch():
    x = dg.tensor([1.0, 2.0, 5.0, -1.0])
    hist, edges = x.histogram(bins=dg.tensor([0.0, 1.0, 3.0]), density=True)  # (torch 2.13's numbers)
    assert hist.tolist() == [0.0, 0.5] and edges.tolist() == [0.0, 1.0, 3.0]
    hist, edges = dg.histogram(x, 3, range=(0.0, 3.0), weight=dg.tensor([1.0, 2.0, 3.0, 4.0]))
    assert hist.tolist() == [0.0, 1.0, 2.0] and edges.tolist() == [0.0, 1.0, 2.0, 3.0]
    hist, edges = dg.histogram(dg.tensor([1.0, 1.0]), 2)
    assert hist.tolist() == [0.0, 2.0] and edges.tolist() == [0.5, 1.0, 1.5]
    assert not dg.histogram(dg.tensor([1.0, 2.0], requires_grad=True), 2).hist.requires_grad
    with pytest.raises(DualgradError, match="histogram"):
        dg.histogram(dg.tensor([1, 2]), 2)


# -- nn.Module.type -------------------------------------------------------------------------------
@pytest.mark.cpu_only
def test_module_type_casts_every_parameter_and_buffer():
    m = nn.BatchNorm1d(2)
    weight = m.weight
    assert m.type(dg.float64) is m and m.weight is weight
    assert m.weight.dtype == dg.float64 and m.running_mean.dtype == dg.float64
    assert m.num_batches_tracked.dtype == dg.float64  # (all of them, as PyTorch's; `to` keeps integers)
    lin = nn.Linear(2, 2).type("torch.DoubleTensor")
    assert lin(dg.ones(1, 2, dtype=dg.float64)).dtype == dg.float64
    with pytest.raises(RuntimeError, match="must be floating point, got int64"):
        lin.type(dg.int64)
    assert lin.weight.dtype == dg.float64  # (unchanged)


# -- linalg -----------------------------------------------------------------------------------------
@pytest.mark.cpu_only
@FEW
@given(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((4, 1, 3), (2, 3)), ((2, 1), (3, 1, 1))]),
       st.sampled_from([-1, 0]))
def test_vecdot_broadcasts_as_sum_of_products(shapes, dim):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    got = dg.linalg.vecdot(dg.tensor(a, dtype=dg.float64), dg.tensor(b, dtype=dg.float64), dim=dim)
    np.testing.assert_allclose(got.numpy(), np.sum(a * b, axis=dim), rtol=1e-12)


ORDERS = [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf]


@pytest.mark.cpu_only
def test_cond_against_numpy_jax_and_finite_differences():
    A = RNG.normal(size=(2, 3, 3)) + 2 * np.eye(3)
    for p in ORDERS:
        got = dg.linalg.cond(dg.tensor(A, dtype=dg.float64), p)
        np.testing.assert_allclose(got.numpy(), np.linalg.cond(A, p), rtol=1e-10)
    few = [None, "fro"]
    _check(lambda a: dg.stack([dg.linalg.cond(a, p) for p in few]),
           lambda a: jnp.stack([jnp.linalg.cond(a, p) for p in few]), [A[0]], rtol=1e-8)


@pytest.mark.cpu_only
def test_cond_of_a_singular_matrix_is_inf():
    got = dg.linalg.cond(dg.tensor([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]]), "fro")
    assert got.tolist() == [np.inf, 2.5]  # (torch 2.13's)


@pytest.mark.cpu_only
def test_tensorinv_and_tensorsolve_against_jax_and_finite_differences():
    A = RNG.normal(size=(2, 2, 4)) + np.eye(4).reshape(2, 2, 4)
    B = RNG.normal(size=(2, 2))

    def fn(a, b):  # (and vecdot's gradient, of b against a's rows)
        solved = dg.linalg.tensorsolve(a.reshape(2, 2, 2, 2), b)
        dots = dg.linalg.vecdot(a.reshape(4, 4), b.reshape(4), dim=-1)
        return dg.cat([dg.linalg.tensorinv(a, ind=2).reshape(-1), solved.reshape(-1), dots])

    def ref(a, b):
        return jnp.concatenate([jnp.linalg.tensorinv(a, ind=2).reshape(-1),
                                jnp.linalg.tensorsolve(a.reshape(2, 2, 2, 2), b).reshape(-1),
                                jnp.sum(a.reshape(4, 4) * b.reshape(4), axis=-1)])

    _check(fn, ref, [A, B])
    A = RNG.normal(size=(2, 3, 6)) + np.eye(6).reshape(2, 3, 6)
    B = RNG.normal(size=(2, 3))
    moved = np.moveaxis(A.reshape(2, 3, 2, 3), (0, 1), (2, 3))
    got = dg.linalg.tensorsolve(dg.tensor(moved, dtype=dg.float64), dg.tensor(B, dtype=dg.float64),
                                dims=(0, 1))
    np.testing.assert_allclose(got.numpy(), np.linalg.tensorsolve(A.reshape(2, 3, 2, 3), B), rtol=1e-10)
    with pytest.raises(DualgradError, match="tensorinv"):
        dg.linalg.tensorinv(dg.ones(2, 3), ind=1)


@pytest.mark.cpu_only
def test_cholesky_ex_reports_instead_of_raising():
    A = dg.tensor([[[4.0, 2.0], [2.0, 3.0]], [[1.0, 2.0], [2.0, 1.0]]])
    L, info = dg.linalg.cholesky_ex(A)
    assert info.dtype == dg.int32 and info.tolist() == [0, 2]  # (torch 2.13's)
    np.testing.assert_allclose(L[0].numpy(), np.linalg.cholesky(A[0].numpy()), rtol=1e-6)
    assert np.isnan(L[1].numpy()).all()
    U, info = dg.linalg.cholesky_ex(A[0], upper=True)
    np.testing.assert_allclose(U.numpy(), np.linalg.cholesky(A[0].numpy()).T, rtol=1e-6)
    assert info.tolist() == 0
    with pytest.raises(LinAlgError):
        dg.linalg.cholesky_ex(A, check_errors=True)


SHAPES = [(3, 3), (4, 2), (2, 4)]


@pytest.mark.cpu_only
def test_lu_against_jax_and_finite_differences():
    arrays = [RNG.normal(size=shape) for shape in SHAPES]

    def fn(a):
        return dg.cat([f.reshape(-1) for f in dg.linalg.lu(a)[1:]])

    _check(fn, lambda a: jnp.concatenate([f.reshape(-1) for f in jsl.lu(a)[1:]]), arrays[:1])
    for A in arrays[1:] + [RNG.normal(size=(2, 2))]:  # (tall, wide: the whole Jacobian)
        assert dg.autograd.gradcheck(fn, tuple(_leaves(A)))
    for A in arrays:
        P, L, U = dg.linalg.lu(dg.tensor(A, dtype=dg.float64))
        np.testing.assert_allclose((P @ L @ U).numpy(), A, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(P.numpy(), np.asarray(jsl.lu(jnp.asarray(A))[0]))


@pytest.mark.cpu_only
@FEW
@given(st.sampled_from([(3, 3), (2, 3, 3), (2, 4, 2), (3, 2, 5)]), st.integers(0, 2**31))
def test_lu_factor_matches_lapack_on_batches(shape, seed):
    A = np.random.default_rng(seed).normal(size=shape)
    LU, pivots = dg.linalg.lu_factor(dg.tensor(A, dtype=dg.float64))
    for at in np.ndindex(*shape[:-2]):
        lu, piv = jsl.lu_factor(jnp.asarray(A[at]))
        np.testing.assert_allclose(LU.numpy()[at], np.asarray(lu), rtol=1e-10, atol=1e-12)
        assert pivots.numpy()[at].tolist() == (np.asarray(piv) + 1).tolist()
    assert pivots.dtype == dg.int32


@pytest.mark.cpu_only
def test_lu_solve_against_jax_and_finite_differences():
    A, B, C = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(2, 3))
    LU, pivots = dg.linalg.lu_factor(dg.tensor(A, dtype=dg.float64))
    piv = jnp.asarray(pivots.numpy() - 1)

    def fn(lu, b, c):
        right = [dg.linalg.lu_solve(lu, pivots, c, left=False, adjoint=t).reshape(-1) for t in (False, True)]
        left = [dg.linalg.lu_solve(lu, pivots, b, adjoint=t).reshape(-1) for t in (False, True)]
        return dg.cat(left + right)

    def ref(lu, b, c):
        return jnp.concatenate([jsl.lu_solve((lu, piv), b, trans=t).reshape(-1) for t in (0, 1)]
                               + [jsl.lu_solve((lu, piv), c.T, trans=t).T.reshape(-1) for t in (1, 0)])

    _check(fn, ref, [LU.detach().numpy(), B, C])


@pytest.mark.cpu_only  # (it runs on the jax device too, but compiles each step's ops there: seconds)
def test_lu_values_and_lu_factor_of_a_singular_matrix():
    A = np.array([[1.0, 2.0], [3.0, -1.0]])
    P, L, U = dg.linalg.lu(dg.tensor(A, dtype=dg.float64))
    np.testing.assert_allclose((P @ L @ U).numpy(), A, rtol=1e-12, atol=1e-14)
    X = dg.linalg.lu_solve(*dg.linalg.lu_factor(dg.tensor(A, dtype=dg.float64)), dg.eye(2, dtype=dg.float64))
    np.testing.assert_allclose(X.numpy(), np.linalg.inv(A), rtol=1e-10)


def test_the_updates_on_each_device():
    x = dg.zeros(2, 2)
    got = x.masked_scatter(dg.tensor([[True, False], [False, True]]), dg.tensor([5.0, 6.0]))
    assert got.tolist() == [[5.0, 0.0], [0.0, 6.0]]
    got = x.put(dg.tensor([1, 1]), dg.tensor([1.0, 2.0]), accumulate=True)
    assert got.tolist() == [[0.0, 3.0], [0.0, 0.0]]
    assert dg.ones(2, 2).index_reduce(0, dg.tensor([1, 1]), dg.tensor([[2.0, 3.0], [4.0, 5.0]]), "amax",
                                      include_self=False).tolist() == [[1.0, 1.0], [4.0, 5.0]]
    with pytest.raises(LinAlgError, match=r"U\[1,1\] is zero.*test_torch_gaps\.py"):
        dg.linalg.lu_factor(dg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert dg.linalg.lu(dg.tensor([[0.0, 0.0], [0.0, 0.0]])).U.tolist() == [[0.0, 0.0], [0.0, 0.0]]


# -- norms ----------------------------------------------------------------------------------------
@pytest.mark.cpu_only
def test_norm_dtype_casts_first_and_refuses_narrowing():
    x = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert dg.norm(x, dtype=dg.float64).dtype == dg.float64
    assert x.norm(p=1, dim=1, dtype=dg.float64).tolist() == [3.0, 7.0]
    w = dg.tensor([3.0, 4.0], requires_grad=True)
    dg.norm(w, dtype=dg.float64).backward()  # (the cast's gradient comes back in w's dtype)
    assert w.grad.dtype == dg.float32 and w.grad.tolist() == pytest.approx([0.6, 0.8])
    with pytest.raises(RuntimeError, match="without narrowing"):
        dg.linalg.matrix_norm(x.double(), dtype=dg.float32)
    with pytest.raises(RuntimeError, match="floating point"):
        dg.norm(x, dtype=dg.int64)


def test_vector_norm_ord_0_has_a_zero_gradient():
    x = dg.tensor([1.0, 0.0, 2.0, np.inf], requires_grad=True)
    y = dg.linalg.vector_norm(x, ord=0)
    assert y.item() == 3.0 and y.requires_grad  # (PyTorch's: backward works, nothing flows)
    y.backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", ["lu", "lu_factor"])
def test_lu_without_pivoting_is_refused_as_on_pytorchs_cpu(name):
    with pytest.raises(dg.errors.ArgumentError, match=f"linalg.{name}: LU without pivoting"):
        getattr(dg.linalg, name)(dg.eye(2), pivot=False)
