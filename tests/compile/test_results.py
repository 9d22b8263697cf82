"""What a compiled step returns is what the eager step returns, at every call: an argument
returned is that call's argument (not the first call's), a parameter or `.grad` the tensor
that holds the value now, a tensor the step makes from constants a new tensor each call (a
write into one result never reaches a later call's), a new `.grad` the tensor its slot took.
Eager-vs-compiled is the oracle: the same step, run both ways from twin states."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

from .steps import quietly, same

KINDS = ["arg", "arg_written", "arg_grad", "param", "param_grad", "made", "made_grad", "computed",
         "arg_view", "made_in_list"]


def twin(kinds: list):
    """A step returning one result of each kind, and its parameter."""
    w = dg.tensor([1.0, -2.0, 0.5], requires_grad=True)

    def step(x, y):
        loss = (x * w).sum() + (y * y).sum()
        loss.backward()
        with dg.no_grad():
            x.mul_(2.0)  # written in place: the result is the argument with its new value
        out = []
        for kind in kinds:
            if kind in ("arg", "arg_written"):
                out.append(x)
            elif kind == "arg_grad":
                out.append(y.grad)
            elif kind == "param":
                out.append(w)
            elif kind == "param_grad":
                out.append(w.grad)
            elif kind == "made":
                out.append(dg.zeros(3))
            elif kind == "made_grad":
                out.append(dg.tensor([1.0, 2.0, 3.0], requires_grad=True))
            elif kind == "computed":
                out.append(loss * 1.0)
            elif kind == "arg_view":
                out.append(y[1:])
            else:
                out.append([dg.ones(2), {"k": dg.full((2,), 3.0)}])
        return tuple(out)

    return step, w


def run(kinds: list, backend: str | None, calls: int):
    step, w = twin(kinds)
    f = step if backend is None else dg.compile(step, backend=backend)
    results = []
    for i in range(calls):
        x = dg.tensor([1.0, 2.0, 3.0]) * (i + 1)
        y = dg.tensor([0.5, -1.0, 2.0], requires_grad=True) + 0.0  # a leaf per call
        y = y.detach().requires_grad_()
        out = quietly(f, x, y)
        flat = flatten(out)
        identities = [r is x for r in flat], [r is y.grad for r in flat], [r is w for r in flat], \
            [r is w.grad for r in flat]
        results.append(([r.detach().numpy().copy() for r in flat], identities))
        with dg.no_grad():  # the caller writes into every result: the next call must not see it
            for r in flat:
                r.add_(100.0)
    return results, w


def flatten(tree) -> list:
    if isinstance(tree, dg.Tensor):
        return [tree]
    if isinstance(tree, dict):
        return [t for v in tree.values() for t in flatten(v)]
    return [t for v in tree for t in flatten(v)]


def check(kinds: list, backend: str, calls: int = 3) -> None:
    want, w_eager = run(kinds, None, calls)
    got, w = run(kinds, backend, calls)
    for (values, ids), (eager_values, eager_ids) in zip(got, want, strict=True):
        for g, e in zip(values, eager_values, strict=True):
            same(g, e, backend)
        assert ids == eager_ids  # the same tensor objects as eagerly (the argument, the .grad)
    same(w, w_eager, backend)
    same(w.grad, w_eager.grad, backend)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
def test_results_of_every_kind_match_eager_on_every_call(kinds):
    check(kinds, "numpy")


def test_results_of_every_kind_match_eager_on_xla():
    check(KINDS, "jax")


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_returning_the_argument_returns_this_calls_argument(backend):
    f = dg.compile(lambda x: (x, x * 1.0), backend=backend)
    for i in range(3):
        x = dg.tensor([float(i)])
        a, b = quietly(f, x)
        assert a is x  # before: the first call's argument, tensor([0.]), at every call
        np.testing.assert_array_equal(b.numpy(), [float(i)])


@dataclasses.dataclass(frozen=True)
class Output:
    loss: object
    hidden: object
    tag: str = "out"


class Record:
    def __init__(self, loss) -> None:
        self.loss = loss


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_dataclass_result_is_a_new_record_with_this_calls_values(backend):
    f = dg.compile(lambda x: Output((x * x).sum(), x * 2.0), backend=backend)
    records = [quietly(f, dg.tensor([1.0, 2.0]) * (i + 1)) for i in range(3)]
    for i, out in enumerate(records):  # before: graph values no use could read
        same(out.loss, dg.tensor(5.0 * (i + 1) ** 2), backend)
        same(out.hidden, dg.tensor([2.0, 4.0]) * (i + 1), backend)
        assert out.tag == "out"
    assert len({id(r) for r in records}) == 3


def test_another_object_holding_computed_tensors_runs_eagerly():
    f = dg.compile(lambda x: Record(x.sum() * 2.0), backend="numpy")
    with pytest.warns(dg.errors.CompileWarning, match="returns a Record holding tensors"):
        out = f(dg.tensor([1.0, 2.0]))
    assert out.loss.item() == 6.0
    assert f(dg.tensor([2.0, 2.0])).loss.item() == 8.0
