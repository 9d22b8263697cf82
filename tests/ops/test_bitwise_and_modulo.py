"""`remainder`, `fmod`, `floor_divide`, `trunc` and the bitwise ops, on every front end and
device, against Python's own `%`, `//`, `math.fmod`, `math.trunc`, `& | ^ ~` element by
element (an oracle independent of numpy's kernels), and the gradients of `remainder`/`fmod`
against `jax.grad` of jax's own and against finite differences; plus PyTorch's rule for
integers to negative integer powers, computed in plain Python."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import DTypeError

SETTINGS = settings(max_examples=6, deadline=None)
SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)
EIGHTHS = st.integers(-40, 40).map(lambda k: k / 8)  # exact in binary: no rounding to argue about
PYTHON = {
    "remainder": lambda a, b: a % b,
    "floor_divide": lambda a, b: a // b,
    "fmod": lambda a, b: math.fmod(a, b) if isinstance(a, float) else int(math.fmod(a, b)),
    "bitwise_and": lambda a, b: a & b, "bitwise_or": lambda a, b: a | b, "bitwise_xor": lambda a, b: a ^ b,
}
DIVISIONS = ("remainder", "floor_divide", "fmod")


def _python(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The op element by element in Python's arithmetic, broadcasting as numpy."""
    a, b = np.broadcast_arrays(a, b)
    kind = float if a.dtype.kind == "f" or b.dtype.kind == "f" else int
    pairs = zip(a.ravel().tolist(), b.ravel().tolist(), strict=True)
    out = [PYTHON[name](kind(x), kind(y)) for x, y in pairs]
    return np.array(out, dtype=np.result_type(a, b)).reshape(a.shape)


WHERE = ["cpu", "jax", "graph-numpy", "graph-jax"]


def _run(name: str, a, b, where: str) -> np.ndarray:
    """The registry op through one front end: eager on 'cpu'/'jax', or a static graph run by
    a 'graph-numpy'/'graph-jax' session."""
    op = getattr(ops, name)
    if not where.startswith("graph"):
        return op(dg.tensor(a, device=where), dg.tensor(b, device=where)).numpy()
    with ds.Graph().as_default():
        out = op(ds.constant(a), ds.constant(b))
        with ds.Session(backend=where.split("-")[1]) as sess:
            return sess.run(out)


@st.composite
def _operands(draw, integers: bool, nonzero_divisor: bool):
    shapes = draw(SHAPES).input_shapes
    elements = st.integers(-20, 20) if integers else EIGHTHS
    dtype = np.int64 if integers else np.float64
    a = draw(hnp.arrays(dtype, shapes[0], elements=elements))
    divisor = elements.filter(lambda v: v != 0) if nonzero_divisor else elements
    b = draw(hnp.arrays(dtype, shapes[1], elements=divisor))
    return a, b


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", DIVISIONS)
@SETTINGS
@given(data=st.data())
def test_rounding_division_is_pythons_on_every_front_end(name, where, data):
    integers = data.draw(st.booleans(), label="integers")
    a, b = data.draw(_operands(integers, nonzero_divisor=True), label="a, b")
    got = _run(name, a, b, where)
    want = _python(name, a, b)
    assert got.dtype == want.dtype  # int op int is int, float op float is float (PyTorch)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", DIVISIONS)
def test_an_integer_divided_by_zero_raises_on_every_front_end(name, where):
    """PyTorch raises (Python too); numpy gave 0 with a warning and XLA any integer."""
    a, b = np.array([[5, -7, 3]]), np.array([[2], [0]])
    with pytest.raises(RuntimeError, match=rf"^{name}.*ZeroDivisionError"):
        _run(name, a, b, where)
    np.testing.assert_array_equal(_run(name, a, b[:1], where), _python(name, a, b[:1]))


def test_a_static_run_that_divides_by_zero_commits_nothing():
    with ds.Graph().as_default():
        v = ds.Variable(np.zeros(2))
        x, y = ds.placeholder(ds.int64, shape=(None,)), ds.placeholder(ds.int64, shape=(None,))
        step = v.assign_add(ds.ones([2], ds.float64) * ds.cast(ds.reduce_sum(x // y), ds.float64))
        with ds.Session(backend="jax") as sess:
            sess.run(v.initializer)
            with pytest.raises(RuntimeError, match="ZeroDivisionError"):
                sess.run(step, {x: np.array([5, 6]), y: np.array([0, 1])})
            np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@SETTINGS
@given(data=st.data())
def test_bitwise_ops_are_pythons_on_integers_and_logical_on_bools(name, where, data):
    a, b = data.draw(_operands(True, nonzero_divisor=False), label="a, b")
    np.testing.assert_array_equal(_run(name, a, b, where), _python(name, a, b))
    masks = (a > 0, b % 3 == 0)
    logical = {"bitwise_and": np.logical_and, "bitwise_or": np.logical_or,
               "bitwise_xor": np.logical_xor}[name]
    got = _run(name, *masks, where)
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got, logical(*masks))


@pytest.mark.parametrize("device", ["cpu", "jax"])
@SETTINGS
@given(a=hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                    elements=st.integers(-2**62, 2**62)))
def test_invert_of_integers_is_the_bitwise_not(device, a):
    """`~x` was logical_not, so ~[1, 2, 3] gave [False, False, False]; PyTorch and numpy give
    -x - 1 (Python's own ~ is the oracle; np.invert agrees)."""
    got = (~dg.tensor(a, device=device)).numpy()
    want = np.array([~v for v in a.ravel().tolist()], dtype=np.int64).reshape(a.shape)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.invert(a))
    mask = a % 2 == 0
    np.testing.assert_array_equal((~dg.tensor(mask, device=device)).numpy(), ~mask)


def _torch_int_pow(base: int, exponent: int) -> int:
    """PyTorch's integer pow (aten's `powi`), in plain Python."""
    if exponent >= 0:
        return base ** exponent
    if base == 1:
        return 1
    if base == -1:
        return -1 if exponent % 2 else 1
    return 0


@pytest.mark.parametrize("where", WHERE)
@SETTINGS
@given(a=hnp.arrays(np.int64, 6, elements=st.integers(-3, 3)),
       b=hnp.arrays(np.int64, 6, elements=st.integers(-4, 4)))
def test_integers_to_integer_tensor_powers_follow_pytorch(where, a, b):
    """jax returned garbage (5069619362125685561) for a negative exponent, numpy raised;
    PyTorch gives 1 for base 1, +-1 for base -1, 0 otherwise."""
    got = _run("power", a, b, where)
    want = np.array([_torch_int_pow(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_an_integer_tensor_to_a_negative_python_int_is_refused_as_pytorch(device):
    x = dg.tensor([2, 3], device=device)
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        x ** -1
    np.testing.assert_array_equal((x ** 2).numpy(), [4, 9])
    np.testing.assert_allclose((dg.tensor([2.0, 4.0], device=device) ** -1).numpy(), [0.5, 0.25])


def test_bitwise_ops_refuse_floats_naming_the_op_when_the_graph_is_built():
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float32, shape=(2,))
        with pytest.raises(DTypeError, match="bitwise_and: not implemented for 'Float'"):
            x & ds.constant(np.array([1, 2]))
        with pytest.raises(DTypeError, match="bitwise_not: not implemented for 'Float'"):
            ds.bitwise.invert(x)


# -- gradients -----------------------------------------------------------------------------------
QUOTIENTS = st.tuples(st.floats(-6, 6), st.floats(0.5, 3), st.booleans()).filter(
    lambda t: abs(t[0] / t[1] - round(t[0] / t[1])) > 0.05)  # off the jumps at integer a/b


@pytest.mark.usefixtures("jax_float64")
@pytest.mark.parametrize("name, reference", [("remainder", jnp.remainder), ("fmod", jnp.fmod)])
@SETTINGS
@given(points=st.lists(QUOTIENTS, min_size=1, max_size=4))
def test_gradients_match_jax_grad_and_finite_differences(name, reference, points):
    a = np.array([p[0] for p in points])
    b = np.array([p[1] * (-1 if p[2] else 1) for p in points])
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    getattr(dg, name)(x, y).sum().backward()
    ga, gb = jax.grad(lambda u, v: reference(u, v).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(x.grad.numpy(), ga, rtol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), gb, rtol=1e-12)
    h = 1e-6
    python = (lambda u, v: u % v) if name == "remainder" else math.fmod
    fd = [(python(u, v + h) - python(u, v - h)) / (2 * h) for u, v in zip(a, b, strict=True)]
    np.testing.assert_allclose(y.grad.numpy(), fd, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), np.ones_like(a))
