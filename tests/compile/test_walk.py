"""The guard walk of every call (`Walk(record=False)`) against the recording walk a trace
uses: the same key and tensors over what steps reach (modules, optimizers, closures, odd
containers), nothing noted; warm calls never record; and changes the shortcuts of the guard
walk pass by (an empty dict filled, a value deep in an object) still retrace."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.compiler import discover, function
from dualgrad.errors import CompileWarning, Untraceable

from .steps import quietly


class _Plain:
    def __init__(self) -> None:
        self.x = 2.5
        self.t = dg.zeros(3, requires_grad=True)
        self.empty: dict = {}

    def method(self) -> float:
        return self.x


class _Slotted:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a, self.b = 1, dg.ones(2)


def _zoo() -> dict:
    """Objects a step may reach, each a root of both walks."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    model(dg.randn(5, 3)).sum().backward()
    opt.step()
    p = dg.ones(2, requires_grad=True)
    p.grad = dg.ones(2)
    q = dg.ones(2, requires_grad=True)
    q.grad = p  # a tensor that is another's .grad too
    deep = leaf = []
    for i in range(12):  # deeper than MAX_DEPTH
        nxt = [i, dg.ones(1)]
        leaf.append(nxt)
        leaf = nxt
    cycle: dict = {"a": 1}
    cycle["self"] = cycle
    shared = [1, 2]
    late = None
    plain, pair = _Plain(), (1, dg.ones(2))

    def inner(a, b=plain, *, c=pair):  # defaults are walked
        return late, model, opt, np, len, a, b, c

    late = 3

    def unset():
        return later  # noqa: F821 - an empty cell

    if False:
        later = 1  # noqa: F841
    return {
        "model": model, "opt": opt, "method": _Plain().method, "slotted": _Slotted(),
        "namedtuple": collections.namedtuple("NT", "a b")(1, dg.ones(1)), "grads": [p, q, p.grad, q],
        "generator": dg.Generator(), "deep": deep, "cycle": cycle, "shared": [shared, shared, (shared,)],
        "keys": {_Plain(): 1, (1, 2): dg.ones(1), 3: "x", None: None, b"k": 1.5, 1j: True},
        "closure": inner, "empty cell": unset, "scalars": [True, 1, 1.0, 0, -0.0, float("nan")],
        "skipped": [int, np, len, np.ones(2), object(), dg.compile(lambda x: x)],
        "everything": (model, opt, p, {"m": model, "f": inner}),
    }


@pytest.mark.parametrize("name", list(_zoo()))
def test_the_guard_walk_keys_what_the_recording_walk_keys_and_notes_nothing(name):
    root = _zoo()[name]
    recording, guard = discover.Walk(), discover.Walk(record=False)
    recording.visit(root)
    guard.visit(root)
    assert guard.key == recording.key
    assert [type(k) for k in guard.key] == [type(k) for k in recording.key]
    assert list(guard.tensors) == list(recording.tensors)
    assert guard.slots == [] and guard.scalars == {} and guard.grad_of == {} and guard.generators == []
    if name in ("model", "opt", "grads"):
        assert recording.slots and recording.grad_of


@pytest.mark.parametrize("record", [True, False])
def test_both_walks_refuse_the_same_things(record):
    with_fn = dg.ones(2, requires_grad=True) * 2
    with pytest.raises(Untraceable, match="grad_fn"):
        discover.Walk(record=record).visit([with_fn])
    with pytest.raises(Untraceable, match="more than"):
        discover.Walk(record=record).visit([[i] for i in range(discover.MAX_ENTRIES + 1)])


def walks_made(monkeypatch) -> collections.Counter:
    """How many walks dg.compile makes from now on, by `record` (a counting Walk in its place)."""
    made = collections.Counter()

    class Counted(discover.Walk):
        __slots__ = ()

        def __init__(self, arguments=(), record: bool = True, feed: bool = True) -> None:
            made[record] += 1
            super().__init__(arguments, record, feed)

    monkeypatch.setattr(function, "Walk", Counted)
    return made


def test_warm_calls_walk_without_recording_and_a_new_key_records_once(monkeypatch):
    made = walks_made(monkeypatch)
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    settings = {"scale": 2.0}
    f = dg.compile(lambda x: (x * w * settings["scale"]).sum(), backend="numpy")
    x = dg.ones(2)
    quietly(f, x)
    made.clear()
    for _ in range(3):
        quietly(f, x)
    assert made == {False: 3}
    settings["scale"] = 3.0
    made.clear()
    assert quietly(f, x).item() == 9.0
    # the guard walk, then the recording walk before the trace and the trace's walk after it
    assert made == {False: 1, True: 2} and len(f.programs) == 2


def test_past_the_cache_limit_a_new_key_is_walked_once_and_runs_eagerly(monkeypatch):
    made = walks_made(monkeypatch)
    settings = {"scale": 0.0}
    f = dg.compile(lambda x: x * settings["scale"], backend="numpy")
    for scale in range(function.CACHE_LIMIT):
        settings["scale"] = float(scale)
        quietly(f, dg.ones(2))
    made.clear()
    settings["scale"] = 100.0
    with pytest.warns(CompileWarning, match=f"traced {function.CACHE_LIMIT} times"):
        out = f(dg.ones(2))
    np.testing.assert_array_equal(out.numpy(), [100.0, 100.0])  # eagerly, with the new value
    assert made == {False: 1} and len(f.programs) == function.CACHE_LIMIT


def test_an_empty_dict_filled_between_calls_and_a_value_deep_in_an_object_retrace():
    dg.manual_seed(0)
    model = nn.Linear(3, 2)
    config = _Plain()
    config.empty["inner"] = {"shift": 1.0}
    f = dg.compile(lambda x: model(x).sum() + config.empty["inner"]["shift"], backend="numpy")
    x = dg.ones(4, 3)
    base = quietly(f, x).item()
    assert quietly(f, x).item() == base and len(f.programs) == 1
    model.register_forward_hook(lambda module, inputs, out: out * 2)  # an empty hooks dict filled
    hooked = quietly(f, x).item()
    np.testing.assert_allclose(hooked, 2 * (base - 1.0) + 1.0, rtol=1e-6)
    config.empty["inner"]["shift"] = 5.0  # three levels below the closure
    np.testing.assert_allclose(quietly(f, x).item(), hooked + 4.0, rtol=1e-6)
    assert len(f.programs) == 3
