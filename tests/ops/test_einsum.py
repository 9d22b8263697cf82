"""dg.einsum / ds.einsum on hypothesis-drawn equations (implicit and explicit outputs,
repeated subscripts, `...` broadcasting, one to three operands) against numpy.einsum in
float64, gradients against jax.grad of jnp.einsum, PyTorch's call forms and the errors."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import DualgradError

pytestmark = pytest.mark.usefixtures("jax_float64")
LETTERS = "abcdAB"


@st.composite
def equations(draw):
    """(equation, operand shapes): each operand's subscripts drawn from a few letters (so
    they repeat and contract), an optional `...` whose dims broadcast, explicit or implicit."""
    sizes = {c: draw(st.integers(1, 3)) for c in LETTERS}
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    n = draw(st.integers(1, 3))
    terms, shapes = [], []
    for _ in range(n):
        subs = draw(st.lists(st.sampled_from(LETTERS), max_size=3))
        ellipsis = bool(batch) and draw(st.booleans())
        shape = [sizes[c] for c in subs]
        if ellipsis:
            width = draw(st.integers(0, len(batch)))
            lead = [d if draw(st.booleans()) else 1 for d in batch[len(batch) - width:]]
            at = draw(st.integers(0, len(subs)))
            subs = subs[:at] + ["..."] + subs[at:]
            shape = shape[:at] + lead + shape[at:]
        terms.append("".join(subs))
        shapes.append(tuple(shape))
    equation = ",".join(terms)
    if draw(st.booleans()):
        used = sorted({c for t in terms for c in t if c != "."})
        out = draw(st.permutations(used)).copy()[: draw(st.integers(0, len(used)))]
        if any("..." in t for t in terms) and draw(st.booleans()):
            out.insert(draw(st.integers(0, len(out))), "...")
        elif any("..." in t for t in terms):
            return equation + "->..." + "".join(out), shapes  # numpy needs '...' kept
        equation += "->" + "".join(out)
    return equation, shapes


@settings(max_examples=20, deadline=None)
@given(equations(), st.integers(0, 2**32 - 1))
def test_einsum_matches_numpy_and_its_gradient_jax(case, seed):
    equation, shapes = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    want = np.einsum(equation, *arrays)
    tensors = [dg.tensor(a, requires_grad=True) for a in arrays]
    out = dg.einsum(equation, *tensors)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(want.shape)
    (out * dg.tensor(g)).sum().backward()
    gradient = jax.grad(lambda *xs: jnp.sum(jnp.einsum(equation, *xs) * g), argnums=tuple(range(len(arrays))))
    grads = jax.jit(gradient)(*arrays)  # one program, not one compile per primitive
    for t, e in zip(tensors, grads, strict=True):
        np.testing.assert_allclose(t.grad.numpy(), np.asarray(e), rtol=1e-10, atol=1e-12)


def test_pytorch_call_forms_and_size_one_broadcast():
    a, b = dg.randn(2, 3, dtype=dg.float64), dg.randn(3, 4, dtype=dg.float64)
    want = a.numpy() @ b.numpy()
    for got in (dg.einsum("ij,jk->ik", a, b), dg.einsum("ij,jk", [a, b]),
                dg.einsum(a, [0, 1], b, [1, 2], [0, 2]), dg.einsum(" i j , j k -> i k ", a, b)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    # a subscript of size 1 broadcasts (PyTorch's rule), also when it is summed
    x, y = np.arange(3.0).reshape(1, 3), np.arange(4.0).reshape(4, 1)
    np.testing.assert_allclose(dg.einsum("ij,kj", dg.tensor(x), dg.tensor(y)).numpy(),
                               np.einsum("ij,kj->ik", x, np.broadcast_to(y, (4, 3))))
    # an explicit output without '...' sums the ellipsis dims (PyTorch's rule)
    z = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(dg.einsum("...ij->ij", dg.tensor(z)).numpy(), z.sum(0))


@pytest.mark.parametrize("equation, shapes, words", [
    ("ij,jk", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1"),
    ("ij", [(2, 3, 4)], "number of subscripts"),
    ("i->j", [(3,)], "output subscript j"),
    ("ii", [(2, 3)], "repeated for operand 0"),
    ("i,j", [(3,)], "2 operands"),
    ("i$", [(3, 3)], "invalid subscript"),
    ("i->ii", [(3,)], "more than once"),
])
def test_errors_name_the_op_equation_and_shapes(equation, shapes, words):
    with pytest.raises(DualgradError, match="einsum") as info:
        dg.einsum(equation, *[dg.ones(*s) for s in shapes])
    assert words in str(info.value) and repr(equation) in str(info.value)
    assert "test_einsum.py" in str(info.value)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_static_einsum_with_an_unknown_batch_dim(backend):
    rng = np.random.default_rng(1)
    q, k, w = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 6, 5)), rng.standard_normal((5, 5))
    with ds.Graph().as_default():
        pq = ds.placeholder(ds.float64, (None, 4, 5))
        pk = ds.placeholder(ds.float64, (None, 6, 5))
        var = ds.Variable(w)
        scores = ds.einsum("bqd,de,bke->bqk", pq, var, pk)
        grad = ds.gradients(ds.reduce_sum(ds.square(scores)), [var])[0]
        with ds.Session(backend=backend) as sess:
            sess.run(ds.global_variables_initializer())
            got, got_grad = sess.run([scores, grad], {pq: q, pk: k})
    want = np.einsum("bqd,de,bke->bqk", q, w, k)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got_grad, np.einsum("bqd,bqk,bke->de", q, 2 * want, k), rtol=1e-10)
