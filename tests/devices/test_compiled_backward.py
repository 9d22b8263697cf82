"""A repeated eager backward on jax runs as one compiled XLA program (dualgrad.eager.compiled):
the same gradients as the node-by-node walk and as numpy, the same errors, and a clean fall
back wherever the plain case does not hold."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.eager import compiled
from dualgrad.errors import GraphError
from dualgrad.ops import REGISTRY
from dualgrad.testing import OPS, assert_close
from dualgrad.testing.strategies import op_calls


@pytest.fixture(autouse=True)
def _fresh_caches():
    compiled._programs.clear()
    compiled._sightings.clear()
    yield


def _programs() -> list:
    return [p for p in compiled._programs.values() if p is not compiled._UNTRACEABLE]


def _untraceable() -> int:
    return sum(p is compiled._UNTRACEABLE for p in compiled._programs.values())


def _step(device: str, a: np.ndarray, b: np.ndarray):
    """A small training-like graph: broadcasting, a shared subexpression, two leaves, a
    matmul, a reduction along a dim and indexing."""
    w = dg.tensor(a, device=device, requires_grad=True)
    v = dg.tensor(b, device=device, requires_grad=True)
    h = (w @ v).tanh()
    loss = (h * h).sum(dim=1).mean() + h[0].exp().sum() * 0.5 + (w * 2.0).sin().sum()
    loss.backward()
    return loss.item(), w.grad.numpy(), v.grad.numpy()


def test_the_second_backward_of_a_structure_compiles_and_all_agree_with_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    want = _step("cpu", a, b)
    first = _step("jax", a, b)
    assert _programs() == []  # seen once: node by node
    second = _step("jax", a, b)
    assert len(_programs()) == 1  # seen twice: compiled
    third = _step("jax", a, b)
    assert len(_programs()) == 1  # and reused
    for got in (first, second, third):
        assert got[0] == pytest.approx(want[0], rel=1e-12)
        assert_close(got[1], want[1], rtol=1e-10, atol=1e-12)
        assert_close(got[2], want[2], rtol=1e-10, atol=1e-12)


def test_new_shapes_reuse_the_structure_and_gradients_accumulate():
    x = dg.tensor(np.ones(3), device="jax", requires_grad=True)
    for step in range(4):
        (x * x * (step + 1.0)).sum().backward()
    # d/dx sum(k x^2) = 2 k x, summed over k = 1..4 -> 20
    assert_close(x.grad.numpy(), np.full(3, 20.0))
    y = dg.tensor(np.ones(5), device="jax", requires_grad=True)
    for _ in range(2):
        (y * y * 1.0).sum().backward()
    assert_close(y.grad.numpy(), np.full(5, 4.0))


def test_an_array_saved_by_several_nodes_is_one_argument_and_sharing_is_part_of_the_key():
    """Each array goes to the program once, however many nodes saved it (on a GPU each
    argument of a call costs host time); so `a * a` and `a * b` are different structures."""
    rng = np.random.default_rng(1)
    av, bv = rng.standard_normal(4), rng.standard_normal(4)
    a = dg.tensor(av, device="jax", requires_grad=True)
    b = dg.tensor(bv, device="jax", requires_grad=True)
    for _ in range(2):  # compiled the second time
        ((a * b) * b).sum().backward()
    y = ((a * a) * a).sum()
    _, _, _, arrays = compiled._flatten([(y.grad_fn, 0)])
    assert len(arrays) == len({id(v) for v in arrays})  # a is saved three times, passed once
    assert sum(v is a._data for v in arrays) == 1
    for _ in range(2):
        ((a * a) * a).sum().backward()
    assert len(_programs()) == 2
    # d/da: 2 sum(b^2) passes give 2 b^2; d/da a^3 = 3 a^2, twice
    assert_close(a.grad.numpy(), 2 * bv**2 + 2 * 3 * av**2, rtol=1e-12)
    assert_close(b.grad.numpy(), 2 * 2 * av * bv, rtol=1e-12)


def test_a_freed_graph_still_raises_and_retain_graph_still_works():
    x = dg.tensor([1.0, 2.0], device="jax", requires_grad=True)
    for _ in range(2):
        y = (x.exp() * 3.0).sum()
        y.backward(retain_graph=True)
        y.backward()  # retained: runs again
        with pytest.raises(GraphError, match="backward through the graph a second time"):
            y.backward()
    assert_close(x.grad.numpy(), 4 * 3 * np.exp([1.0, 2.0]))


def test_an_in_place_change_of_a_saved_tensor_still_raises():
    x = dg.tensor([1.0, 2.0], device="jax", requires_grad=True)
    for _ in range(2):
        (x * 1.0).sin().sum().backward()
    assert len(_programs()) == 1  # this structure is compiled
    h = x * 1.0
    y = h.sin()  # sin saves its input
    with dg.no_grad():
        h += 1.0
    with pytest.raises(GraphError, match="modified by an inplace operation"):
        y.sum().backward()


def test_hooks_and_custom_functions_walk_node_by_node():
    x = dg.tensor([1.0, 2.0], device="jax", requires_grad=True)
    seen = []
    for _ in range(3):
        y = x * 3.0
        y.register_hook(lambda g: seen.append(g.numpy()) or g * 2)
        y.sum().backward()
    assert len(seen) == 3 and _programs() == []
    assert_close(x.grad.numpy(), np.full(2, 18.0))


@pytest.mark.parametrize("name", sorted(n for n in OPS if REGISTRY[n].differentiable))
@settings(max_examples=1, deadline=None, derandomize=True)  # (every VJP rule traced: 0.15 s an op)
@given(data=st.data())
def test_every_op_backward_traces_into_the_compiled_program(name, data):
    """Every registry VJP rule runs inside the one program, with numpy's gradients."""
    args, attrs = data.draw(op_calls(name, draw_shapes=False))
    op = REGISTRY[name]

    def grads(device: str, times: int):
        for _ in range(times):
            leaves = [dg.tensor(a, device=device, requires_grad=a.dtype.kind == "f")
                      if isinstance(a, np.ndarray) else a for a in args]
            y = op(*leaves, **attrs)
            if not y.requires_grad:
                return None
            weights = np.random.default_rng(1).standard_normal(tuple(y.shape))  # same every run
            w = dg.tensor(weights, dtype=y.dtype, device=device)
            (y * w).sum().backward()
        return [t.grad.numpy() if isinstance(t, dg.Tensor) and t.grad is not None else None
                for t in leaves]

    before = _untraceable()
    want = grads("cpu", 1)
    got = grads("jax", 3)  # node by node, then compiled, then the compiled program reused
    assert _untraceable() == before, f"{name}: its VJP rules could not be traced"
    if want is not None:
        for g, w in zip(got, want, strict=True):
            if w is not None:
                assert_close(g, w, rtol=1e-6, atol=1e-8)


_UNARY = {"sin": dg.sin, "tanh": dg.tanh, "exp": lambda t: (t * 0.5).exp(), "square": dg.square,
          "sum0": lambda t: t.sum(0) if t.ndim else t, "t": lambda t: t.t() if t.ndim == 2 else t}
_BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b,
           "max": dg.maximum}
_LEAVES = {"a": (2, 3), "b": (3,), "c": ()}


@settings(max_examples=12, deadline=None, derandomize=True)
@given(program=st.lists(st.tuples(st.sampled_from(sorted(_UNARY) + sorted(_BINARY)),
                                  st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=8))
def test_random_graphs_give_numpys_gradients_compiled(program):
    """Random DAGs (shared intermediates, broadcasting leaves, reductions, transposes)."""

    def grads(device: str, times: int):
        for _ in range(times):
            rng = np.random.default_rng(7)
            leaves = {k: dg.tensor(rng.uniform(0.2, 1.0, s), device=device, requires_grad=True)
                      for k, s in _LEAVES.items()}
            values = list(leaves.values())
            for name, i, j in program:
                x, y = values[i % len(values)], values[j % len(values)]
                if name in _UNARY:
                    values.append(_UNARY[name](x))
                else:
                    try:
                        values.append(_BINARY[name](x, y))
                    except RuntimeError:  # shapes that do not broadcast: skip this step
                        continue
            loss = sum((v * v).sum() for v in values[len(leaves):]) if len(values) > 3 else values[0].sum()
            loss.backward()
        return [t.grad.numpy() if t.grad is not None else None for t in leaves.values()]

    want = grads("cpu", 1)
    for g, w in zip(grads("jax", 3), want, strict=True):
        if w is not None:
            assert_close(g, w, rtol=1e-10, atol=1e-12)
    assert _programs() and _untraceable() == 0  # the third run was the compiled program
