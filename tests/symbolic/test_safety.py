"""Data is never code (SPEC §4): a string given as an op operand is refused when the op is
called, in every front end, and no string a user hands dualgrad (operand, attr, tensor name,
placeholder name, variable name, `args` of lambdify) is ever evaluated.

Every payload below would create a marker file if any of it ran as Python; the tests assert
that the marker never appears. The figures are printed on a `RELIABILITY |` line."""
from __future__ import annotations

import inspect
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.errors import DualgradError
from dualgrad.ops import REGISTRY
from dualgrad.symbolic import SymArray

THIS_FILE = "test_safety.py:"
TRIED = {"payloads": 0, "refused": 0}


@pytest.fixture(scope="module")
def marker(tmp_path_factory):
    return tmp_path_factory.mktemp("safety") / "code_ran"


def payloads(marker) -> list[str]:
    path = str(marker)
    return [
        f"__import__('pathlib').Path({path!r}).touch()",
        f"open({path!r}, 'w').write('x')",
        f"exec(\"open({path!r}, 'w')\")",
        f"Symbol('x') + __import__('pathlib').Path({path!r}).touch()",
        f"lambda: __import__('pathlib').Path({path!r}).touch()",
        "__import__('os').getcwd()",
        "x", "1", "exp(1)", "2.5", "", "N", "i0",
    ]


def payload_strategy(marker):
    return st.sampled_from(payloads(marker)) | st.text(max_size=30)


def assert_refused(call, op_name: str | None = None):
    """The call raises a TypeError that is a dualgrad error naming the op and this file."""
    TRIED["payloads"] += 1
    with pytest.raises(TypeError) as info:
        call()
    assert isinstance(info.value, DualgradError), repr(info.value)
    if op_name is not None:  # the registry op, or the API function that checked first
        assert str(info.value).split(":")[0] in op_name.split("|"), str(info.value)
    assert THIS_FILE in str(info.value), str(info.value)
    TRIED["refused"] += 1


# -- every registry op, every operand position, every front end --------------------------------
def operand_count(op) -> int:
    params = list(inspect.signature(op.kernel).parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    return op.nin or sum(p.default is p.empty for p in params)


def attr_names(op) -> list[str]:
    params = list(inspect.signature(op.kernel).parameters.values())[1:]
    return [p.name for p in params[operand_count(op):] if p.kind is not p.VAR_POSITIONAL]


def front_ends():
    g = ds.Graph()
    with g.as_default():
        static = ds.placeholder(ds.float32, [2], name="x")
    sym = symbolic.expr(dg.tensor([1.0, 2.0], requires_grad=True, name="x").sum())
    return {
        "eager": dg.tensor([1.0, 2.0], requires_grad=True),
        "static": static,
        "symbolic": SymArray((2,), lambda *idx: sym),
        "plain": np.array([1.0, 2.0], np.float32),
    }


OPS = sorted(REGISTRY)


@pytest.mark.parametrize("name", OPS)
def test_every_registry_op_refuses_a_text_operand_in_every_front_end(name, marker):
    op = REGISTRY[name]
    n = operand_count(op)
    for tensor in front_ends().values():
        for text in payloads(marker)[:3] + [b"1", np.str_("1"), ["1.0"], np.array(["1"])]:
            for position in range(n):
                args = [tensor] * n
                args[position] = text
                assert_refused(lambda args=args: op(*args), name)
            for attr in attr_names(op):
                assert_refused(lambda attr=attr, text=text, t=tensor: op(*([t] * n), **{attr: text}),
                               name)
    assert not marker.exists()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_drawn_text_operands_are_refused_by_every_op(data, marker):
    """Hypothesis draws the op, the front end, the operand position and the text (payloads and
    arbitrary strings, str/bytes/numpy str): every draw is a TypeError at the call."""
    name = data.draw(st.sampled_from(OPS), label="op")
    op = REGISTRY[name]
    n = operand_count(op)
    if n == 0:
        return
    tensor = data.draw(st.sampled_from(sorted(front_ends().items())), label="front end")[1]
    text = data.draw(payload_strategy(marker), label="text")
    text = data.draw(st.sampled_from([text, text.encode(), np.str_(text), [text]]), label="as")
    args = [tensor] * n
    args[data.draw(st.integers(0, n - 1), label="position")] = text
    assert_refused(lambda: op(*args), name)
    assert not marker.exists()


# -- the ways in that the issue found, through the public front ends ---------------------------
def eager_calls(s):
    w = dg.tensor([1.0, 2.0], requires_grad=True, name="w")
    mask = dg.tensor([True, False])
    return [  # (the registry op that refuses, the call)
        ("where", lambda: dg.where(mask, w, s)),
        ("where", lambda: dg.where(mask, s, w)),
        ("where", lambda: w.masked_fill(mask, s)),
        ("add", lambda: w + s),
        ("multiply", lambda: s * w),
        ("maximum", lambda: dg.maximum(w, s)),
        ("power", lambda: w ** s),
        ("clip|clamp", lambda: dg.clamp(w, min=s)),
    ]


def static_calls(s):
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float32, [2], name="x")
    return [
        ("add", lambda: x + s),
        ("multiply", lambda: x * s),
        ("where", lambda: ds.where(x > 0, x, s)),
        ("maximum", lambda: ds.maximum(x, s)),
        ("power", lambda: ds.pow(x, s)),
        ("subtract", lambda: s - x),
        ("clip|clip_by_value", lambda: ds.clip_by_value(x, s, 1.0)),
    ]


def test_the_reported_ways_in_are_closed(marker):
    for s in payloads(marker):
        for calls in (eager_calls(s), static_calls(s)):
            for name, call in calls:
                assert_refused(call, name)
    assert not marker.exists()


# -- strings as names and as arguments of every symbolic entry point ---------------------------
def entry_points(y, x):
    return {
        "expr": lambda: symbolic.expr(y),
        "grad": lambda: symbolic.grad(y, x),
        "ad_grad": lambda: symbolic.ad_grad(y, x),
        "check": lambda: symbolic.check(y, [x], budget=3),
        "pprint_grad": lambda: symbolic.pprint_grad(y, x, file=io.StringIO()),
        "format_grad": lambda: str(symbolic.format_grad(y, x)),
        "latex": lambda: symbolic.latex(y),
        "lambdify": lambda: symbolic.lambdify(y),
        "lambdify_expr": lambda: symbolic.lambdify(symbolic.expr(y), backend="numpy"),
    }


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_names_are_never_evaluated_eager(data, marker):
    name = data.draw(payload_strategy(marker).filter(bool))
    x = dg.tensor(0.7, dtype=dg.float64, requires_grad=True, name=name)
    y = dg.sin(x) * x + 2.5 * x
    for call in entry_points(y, x).values():
        call()
        TRIED["payloads"] += 1
    assert name in str(symbolic.expr(y))  # the user's name, as typed
    f = symbolic.lambdify(y)
    assert f.args == (name,)
    assert np.isclose(f(**{name: 0.7}), float(y.detach().numpy()))
    assert not marker.exists()


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_names_are_never_evaluated_static(data, marker):
    name = data.draw(payload_strategy(marker).filter(bool))
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float64, [None], name=name)
        w = ds.Variable(np.array(0.5), name=name + "w")
        y = ds.reduce_sum(w * x * x)
    for call in entry_points(y, w).values():
        call()
        TRIED["payloads"] += 1
    assert not marker.exists()


def test_strings_given_to_entry_points_are_names_or_refused(marker):
    x = dg.tensor(0.7, dtype=dg.float64, requires_grad=True, name="x")
    y = x * x
    for s in payloads(marker):
        for call in (lambda s=s: symbolic.expr(s), lambda s=s: symbolic.latex(s),
                     lambda s=s: symbolic.lambdify(s), lambda s=s: symbolic.grad(s, x)):
            TRIED["payloads"] += 1
            with pytest.raises((TypeError, DualgradError)):
                call()
        if s != "x":
            TRIED["payloads"] += 1
            with pytest.raises(DualgradError):  # a name that is not an input of y
                symbolic.grad(y, s)
        f = symbolic.lambdify(symbolic.expr(y), args=["x", s] if s not in ("x", "") else ["x"])
        TRIED["payloads"] += 1
        assert np.isclose(f(0.5, *([0.0] if s not in ("x", "") else [])), 0.25)
    assert not marker.exists()


def test_reliability_figures(marker):
    assert TRIED["payloads"] > 1000
    assert not marker.exists()
    print(f"\nRELIABILITY | payload strings tried as operands, attrs, names and entry-point "
          f"arguments: {TRIED['payloads']}; refused at the op call with a TypeError: "
          f"{TRIED['refused']}; code executed: 0")
