"""Every public `dg.*` math function (SPEC §2) is a thin mapping onto registry ops.

A `Probe` is a value type registered as a registry front end that records every op called on
it. A function that maps to the registry returns a Probe and logs the expected op; one that
did its own math (numpy on the data, say) would return something else or log nothing. The
value is checked against numpy too, so a mapping to the wrong op or attrs fails.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import dtypes
from dualgrad.ops import Op, register_frontend
from dualgrad.testing import assert_close

LOG: list[str] = []


class Probe:
    """A numpy array that logs the registry ops applied to it."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = np.asarray(data)

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self.data.dtype)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)


def _bind(op: Op, args: tuple, attrs: dict) -> Probe:
    LOG.append(op.name)
    return Probe(op.compute([a.data if isinstance(a, Probe) else a for a in args], attrs))


register_frontend(Probe, _bind)

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
Y = np.array([[2.0, 0.5, -1.0], [0.75, 1.0, 3.0]])
V = np.array([1.0, -2.0, 0.5])
M = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]])
P = np.abs(X) + 0.5
U = X / 4  # inside (-1, 1)
Q = np.abs(X) + 1.25  # above 1
MASK = np.array([[True, False, True], [False, False, True]])
I = np.array([[7, -7, 5], [-5, 0, 9]])  # noqa: E741
K = np.array([2, -3, 4])


def _sm(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name -> (call on Probes, registry ops it must use, numpy's value)
CASES = {
    "abs": (lambda x: dg.abs(x), {"abs"}, np.abs(X)),
    "add": (lambda x, y: dg.add(x, y), {"add"}, X + Y),
    "sub": (lambda x, y: dg.sub(x, y), {"subtract"}, X - Y),
    "subtract": (lambda x, y: dg.subtract(x, y, alpha=2), {"subtract", "multiply"}, X - 2 * Y),
    "mul": (lambda x, y: dg.mul(x, y), {"multiply"}, X * Y),
    "multiply": (lambda x, y: dg.multiply(x, y), {"multiply"}, X * Y),
    "div": (lambda x, p: dg.div(x, p), {"divide"}, X / P),
    "divide": (lambda x, p: dg.divide(x, p), {"divide"}, X / P),
    "true_divide": (lambda x, p: dg.true_divide(x, p), {"divide"}, X / P),
    "pow": (lambda p, y: dg.pow(p, y), {"power"}, P ** Y),
    "neg": (lambda x: dg.neg(x), {"negative"}, -X),
    "negative": (lambda x: dg.negative(x), {"negative"}, -X),
    "reciprocal": (lambda p: dg.reciprocal(p), {"reciprocal"}, 1 / P),
    "exp": (lambda x: dg.exp(x), {"exp"}, np.exp(X)),
    "expm1": (lambda x: dg.expm1(x), {"expm1"}, np.expm1(X)),
    "log": (lambda p: dg.log(p), {"log"}, np.log(P)),
    "log1p": (lambda p: dg.log1p(p), {"log1p"}, np.log1p(P)),
    "sqrt": (lambda p: dg.sqrt(p), {"sqrt"}, np.sqrt(P)),
    "sin": (lambda x: dg.sin(x), {"sin"}, np.sin(X)),
    "cos": (lambda x: dg.cos(x), {"cos"}, np.cos(X)),
    "tan": (lambda x: dg.tan(x), {"tan"}, np.tan(X)),
    "tanh": (lambda x: dg.tanh(x), {"tanh"}, np.tanh(X)),
    "asin": (lambda u: dg.asin(u), {"asin"}, np.arcsin(U)),
    "arcsin": (lambda u: dg.arcsin(u), {"asin"}, np.arcsin(U)),
    "acos": (lambda u: dg.acos(u), {"acos"}, np.arccos(U)),
    "arccos": (lambda u: dg.arccos(u), {"acos"}, np.arccos(U)),
    "atan": (lambda x: dg.atan(x), {"atan"}, np.arctan(X)),
    "arctan": (lambda x: dg.arctan(x), {"atan"}, np.arctan(X)),
    "sinh": (lambda x: dg.sinh(x), {"sinh"}, np.sinh(X)),
    "cosh": (lambda x: dg.cosh(x), {"cosh"}, np.cosh(X)),
    "asinh": (lambda x: dg.asinh(x), {"asinh"}, np.arcsinh(X)),
    "arcsinh": (lambda x: dg.arcsinh(x), {"asinh"}, np.arcsinh(X)),
    "atanh": (lambda u: dg.atanh(u), {"atanh"}, np.arctanh(U)),
    "arctanh": (lambda u: dg.arctanh(u), {"atanh"}, np.arctanh(U)),
    "acosh": (lambda q: dg.acosh(q), {"acosh"}, np.arccosh(Q)),
    "arccosh": (lambda q: dg.arccosh(q), {"acosh"}, np.arccosh(Q)),
    "atan2": (lambda x, y: dg.atan2(x, y), {"atan2"}, np.arctan2(X, Y)),
    "arctan2": (lambda x, y: dg.arctan2(x, y), {"atan2"}, np.arctan2(X, Y)),
    "sigmoid": (lambda x: dg.sigmoid(x), {"sigmoid"}, 1 / (1 + np.exp(-X))),
    "relu": (lambda x: dg.relu(x), {"relu"}, np.maximum(X, 0)),
    "sign": (lambda x: dg.sign(x), {"sign"}, np.sign(X)),
    "softplus": (lambda x: dg.softplus(x), set(), np.log1p(np.exp(X))),
    "square": (lambda x: dg.square(x), {"square"}, X * X),
    "clamp": (lambda x: dg.clamp(x, min=-0.5, max=1.0), {"clip"}, np.clip(X, -0.5, 1.0)),
    "clip": (lambda x: dg.clip(x, -0.5, 1.0), {"clip"}, np.clip(X, -0.5, 1.0)),
    "maximum": (lambda x, y: dg.maximum(x, y), {"maximum"}, np.maximum(X, Y)),
    "minimum": (lambda x, y: dg.minimum(x, y), {"minimum"}, np.minimum(X, Y)),
    "eq": (lambda x, y: dg.eq(x, y), {"equal"}, X == Y),
    "ne": (lambda x, y: dg.ne(x, y), {"not_equal"}, X != Y),
    "lt": (lambda x, y: dg.lt(x, y), {"less"}, X < Y),
    "le": (lambda x, y: dg.le(x, y), {"less_equal"}, X <= Y),
    "gt": (lambda x, y: dg.gt(x, y), {"greater"}, X > Y),
    "ge": (lambda x, y: dg.ge(x, y), {"greater_equal"}, X >= Y),
    "logical_not": (lambda b: dg.logical_not(b), {"logical_not"}, ~MASK),
    "where": (lambda b, x, y: dg.where(b, x, y), {"where"}, np.where(MASK, X, Y)),
    "masked_fill": (lambda x, b: dg.masked_fill(x, b, 9.0), {"where"}, np.where(MASK, 9.0, X)),
    "masked_select": (lambda x, b: dg.masked_select(x, b), {"getitem"}, X[MASK]),
    "sum": (lambda x: dg.sum(x, dim=1, keepdim=True), {"sum"}, X.sum(axis=1, keepdims=True)),
    "mean": (lambda x: dg.mean(x, axis=0), {"mean"}, X.mean(axis=0)),
    "prod": (lambda x: dg.prod(x, 1), {"prod"}, X.prod(axis=1)),
    "amax": (lambda x: dg.amax(x, dim=0), {"amax"}, X.max(axis=0)),
    "amin": (lambda x: dg.amin(x, dim=1), {"amin"}, X.min(axis=1)),
    "max": (lambda x: dg.max(x), {"amax"}, X.max()),
    "min": (lambda x: dg.min(x), {"amin"}, X.min()),
    "argmax": (lambda x: dg.argmax(x, dim=1), {"argmax"}, X.argmax(axis=1)),
    "argmin": (lambda x: dg.argmin(x), {"argmin"}, X.argmin()),
    "var": (lambda x: dg.var(x, dim=1), set(), X.var(axis=1, ddof=1)),
    "std": (lambda x: dg.std(x, unbiased=False), set(), X.std()),
    "norm": (lambda x: dg.norm(x, dim=0), set(), np.sqrt((X * X).sum(axis=0))),
    "logsumexp": (lambda x: dg.logsumexp(x, dim=1), set(), np.log(np.exp(X).sum(axis=1))),
    "softmax": (lambda x: dg.softmax(x, dim=1), {"softmax"}, _sm(X, 1)),
    "log_softmax": (lambda x: dg.log_softmax(x, dim=0), {"log_softmax"}, np.log(_sm(X, 0))),
    "mm": (lambda x, m: dg.mm(x, m), {"matmul"}, X @ M),
    "matmul": (lambda x, m: dg.matmul(x, m), {"matmul"}, X @ M),
    "bmm": (lambda x, m: dg.bmm(dg.unsqueeze(x, 0), dg.unsqueeze(m, 0)), {"matmul", "expand_dims"},
            (X @ M)[None]),
    "mv": (lambda x, v: dg.mv(x, v), {"matmul"}, X @ V),
    "dot": (lambda v, w: dg.dot(v, w), {"matmul"}, V @ V),
    "reshape": (lambda x: dg.reshape(x, 3, 2), {"reshape"}, X.reshape(3, 2)),
    "view": (lambda x: dg.view(x, (-1,)), {"reshape"}, X.reshape(-1)),
    "flatten": (lambda x: dg.flatten(x), {"reshape"}, X.reshape(-1)),
    "unsqueeze": (lambda x: dg.unsqueeze(x, 1), {"expand_dims"}, X[:, None]),
    "squeeze": (lambda x: dg.squeeze(dg.unsqueeze(x, 0), 0), {"squeeze"}, X),
    "expand": (lambda v: dg.expand(v, 2, -1), {"broadcast_to"}, np.broadcast_to(V, (2, 3))),
    "broadcast_to": (lambda v: dg.broadcast_to(v, (2, 3)), {"broadcast_to"}, np.broadcast_to(V, (2, 3))),
    "permute": (lambda x: dg.permute(x, 1, 0), {"transpose"}, X.T),
    "transpose": (lambda x: dg.transpose(x, 0, 1), {"transpose"}, X.T),
    "swapaxes": (lambda x: dg.swapaxes(x, 0, 1), {"transpose"}, X.T),
    "t": (lambda x: dg.t(x), {"transpose"}, X.T),
    "cat": (lambda x, y: dg.cat([x, y], dim=1), {"concatenate"}, np.concatenate([X, Y], axis=1)),
    "concat": (lambda x, y: dg.concat([x, y]), {"concatenate"}, np.concatenate([X, Y])),
    "concatenate": (lambda x, y: dg.concatenate([x, y], axis=0), {"concatenate"}, np.concatenate([X, Y])),
    "stack": (lambda x, y: dg.stack([x, y], dim=2), {"stack"}, np.stack([X, Y], axis=2)),
    "getitem": (lambda x: dg.getitem(x, (1, slice(0, 2))), {"getitem"}, X[1, :2]),
    "remainder": (lambda i, k: dg.remainder(i, k), {"remainder"}, np.remainder(I, K)),
    "fmod": (lambda x, y: dg.fmod(x, y), {"fmod"}, np.fmod(X, Y)),
    "floor_divide": (lambda i, k: dg.floor_divide(i, k), {"floor_divide"}, np.floor_divide(I, K)),
    "div_trunc": (lambda i, k: dg.divide(i, k, rounding_mode="trunc"), {"fmod", "floor_divide"},
                  np.fix(I / K)),
    "trunc": (lambda x: dg.trunc(x), {"trunc"}, np.trunc(X)),
    "fix": (lambda x: dg.fix(x), {"trunc"}, np.trunc(X)),
    "bitwise_and": (lambda i, k: dg.bitwise_and(i, k), {"bitwise_and"}, I & K),
    "bitwise_or": (lambda i, k: dg.bitwise_or(i, k), {"bitwise_or"}, I | K),
    "bitwise_xor": (lambda i, k: dg.bitwise_xor(i, k), {"bitwise_xor"}, I ^ K),
    "bitwise_not": (lambda i: dg.bitwise_not(i), {"bitwise_not"}, ~I),
    "logical_and": (lambda b, i: dg.logical_and(b, i), {"logical_and"}, MASK & (I != 0)),
    "logical_or": (lambda b, i: dg.logical_or(b, i), {"logical_or"}, MASK | (I != 0)),
    "logical_xor": (lambda b, i: dg.logical_xor(b, i), {"logical_xor"}, MASK ^ (I != 0)),
    "absolute": (lambda x: dg.absolute(x), {"abs"}, np.abs(X)),
    "exp2": (lambda x: dg.exp2(x), {"exp2"}, np.exp2(X)),
    "log2": (lambda p: dg.log2(p), {"log2"}, np.log2(P)),
    "log10": (lambda p: dg.log10(p), {"log10"}, np.log10(P)),
    "gcd": (lambda i, k: dg.gcd(i, k), {"gcd"}, np.gcd(I, K)),
    "lcm": (lambda i, k: dg.lcm(i, k), {"lcm"}, np.lcm(I, K)),
}

ARGS = {"x": X, "y": Y, "u": U, "q": Q, "v": V, "w": V, "m": M, "p": P, "b": MASK, "i": I, "k": K}


def _public_math() -> list[str]:
    """`dg.*` names that are registry ops, eager API mappings or composites."""
    names = []
    for name in dg.__all__:
        value = getattr(dg, name)
        if isinstance(value, Op) or (inspect.isfunction(value) and value.__module__ in (
                "dualgrad.eager.api", "dualgrad.eager.layout", "dualgrad.ops.composite",
                "dualgrad.eager.methods_integer")):
            names.append(name)
    return sorted(names)


def test_every_public_math_function_is_covered():
    assert sorted(set(_public_math()) - set(CASES)) == []


SPEC_NAMES = """add sub mul div pow exp log sqrt abs sin cos tan tanh sigmoid relu clamp neg reciprocal
    sign mm matmul dot sum mean prod max min argmax argmin std var norm softmax log_softmax masked_fill
    where cat stack masked_select reshape view unsqueeze squeeze expand permute transpose t flatten""".split()


def test_spec_names_exist():
    assert [n for n in SPEC_NAMES if not callable(getattr(dg, n, None))] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_public_function_maps_to_the_registry(name):
    fn, expected_ops, expected = CASES[name]
    params = inspect.signature(fn).parameters
    LOG.clear()
    result = fn(*(Probe(ARGS[p]) for p in params))
    assert isinstance(result, Probe), f"dg.{name} returned {type(result).__name__}, not a registry result"
    assert LOG, f"dg.{name} called no registry op"
    assert expected_ops <= set(LOG), f"dg.{name} used {LOG}, expected {sorted(expected_ops)}"
    assert_close(result.data, np.asarray(expected), rtol=1e-12, atol=1e-12, msg=f"dg.{name}")


def test_max_along_a_dim_maps_to_max_dim_and_argmax():
    LOG.clear()
    values, indices = dg.max(Probe(X), dim=1)
    assert {"max_dim", "argmax"} <= set(LOG)
    assert_close(values.data, X.max(axis=1))
    assert indices.data.tolist() == X.argmax(axis=1).tolist()
