"""dg.autograd.graph: saved-tensor hooks (call counts and order as PyTorch 2.13's, checked
against it by hand), save_on_cpu, disable_saved_tensors_hooks, multi-grad hooks, Node hooks
and nn.Module full backward hooks, with numpy float64 as the gradient oracle; and the
examples/saved_tensor_hooks.py example."""
from __future__ import annotations

import contextlib
import gc
import importlib.util
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, symbolic
from dualgrad.autograd import graph
from dualgrad.errors import GraphError
from dualgrad.ops import REGISTRY
from dualgrad.testing.samples import entry
from dualgrad.testing.subjects import is_float_array
from dualgrad.testing.values import make_inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "saved_tensor_hooks.py"


def _logging_hooks(log: list):
    def pack(t):
        kind = t.grad_fn.name() if t.grad_fn is not None else "leaf" if t.requires_grad else "const"
        log.append(("pack", tuple(t.shape), kind))
        return t

    def unpack(t):
        log.append(("unpack", tuple(t.shape)))
        return t

    return graph.saved_tensors_hooks(pack, unpack)


@pytest.mark.cpu_only
def test_pack_and_unpack_calls_follow_pytorch() -> None:
    log: list = []
    a, b, c = dg.ones(2, requires_grad=True), dg.full((3, 1), 2.0, requires_grad=True), dg.ones(2)
    with _logging_hooks(log):
        w = ((a * b).exp() * c).sum()  # mul: other then self; exp: its result; mul by c: c only
        log.append("-")
        dg.sin(a) + a**2, dg.relu(a), a / b, a @ a  # noqa: B018 (what each op saves, below)
    w.backward(retain_graph=True)
    w.backward()  # a retained graph unpacks again
    assert log == [
        ("pack", (3, 1), "leaf"), ("pack", (2,), "leaf"), ("pack", (3, 2), "ExpBackward0"),
        ("pack", (2,), "const"), "-",
        ("pack", (2,), "leaf"), ("pack", (2,), "leaf"), ("pack", (2,), "ReluBackward0"),
        ("pack", (3, 1), "leaf"), ("pack", (2,), "leaf"), ("pack", (2,), "leaf"), ("pack", (2,), "leaf"),
        *[("unpack", (2,)), ("unpack", (3, 2)), ("unpack", (3, 1)), ("unpack", (2,))] * 2]
    np.testing.assert_allclose(a.grad.numpy(), np.full(2, 2 * 6 * np.exp(2.0)), rtol=1e-6)


@pytest.mark.cpu_only
def test_pack_sees_the_tensors_themselves_without_recording_and_nesting_uses_the_innermost() -> None:
    x = dg.ones(2, requires_grad=True)
    seen, log = [], []
    with graph.saved_tensors_hooks(lambda t: seen.append((t, dg.is_grad_enabled())) or t, lambda t: t):
        y = x.exp()
        z = x * x
        dg.ones(2).exp()  # nothing requires grad: nothing saved
        with dg.no_grad():
            x.exp()
    assert [(t is y, t is x, mode) for t, mode in seen] == [(True, False, False)] + [(False, True, False)] * 2
    del z
    with graph.saved_tensors_hooks(lambda t: log.append("p1") or t, lambda t: log.append("u1") or t):
        with graph.saved_tensors_hooks(lambda t: log.append("p2") or t, lambda t: log.append("u2") or t):
            y = x.exp()
        z = y.exp()
    z.sum().backward()
    assert log == ["p2", "p1", "u1", "u2"]
    with graph.saved_tensors_hooks(lambda t: log.append("main") or t, lambda t: t):
        worker = threading.Thread(target=lambda: x.exp())  # hooks are per thread, as PyTorch's
        worker.start()
        worker.join()
    assert log[4:] == []


@pytest.mark.cpu_only
def test_the_unpacked_value_is_what_backward_uses() -> None:
    x = dg.ones(2, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: 5, lambda p: dg.full((2,), float(p))):
        y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [10.0, 10.0]  # d(x*x) with both saved x read as 5
    a, b = dg.ones(3, 1, requires_grad=True), dg.full((1, 4), 2.0, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: t * 2, lambda t: t / 2):  # a broadcast, round trip
        (a * b).exp().sum().backward()
    np.testing.assert_allclose(a.grad.numpy().ravel(), np.full(3, 8 * np.exp(2.0)), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy().ravel(), np.full(4, 3 * np.exp(2.0)), rtol=1e-6)
    with pytest.raises(RuntimeError, match="unpack_hook expected to be a Tensor"):
        with graph.saved_tensors_hooks(lambda t: t, lambda t: 3.0):
            y = x.exp().sum()
        y.backward()


@pytest.mark.cpu_only
def test_second_order_and_freed_graphs_under_hooks() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        y = (x * x * x).sum()
    (g,) = dg.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    assert g.tolist() == [3.0, 12.0] and x.grad.tolist() == [6.0, 12.0]
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = x.exp().sum()
    with pytest.raises(GraphError, match="recorded under saved_tensors_hooks"):
        symbolic.expr(y)
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


@pytest.mark.cpu_only
def test_packed_saved_tensors_are_not_kept_by_the_graph() -> None:
    x = dg.ones(4, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        h = x * 3
        z = (h * h).sum() + h.exp().sum() + (h + 1).sum()  # mul packs h (twice): the node keeps
    ref = weakref.ref(h)  # the clones; exp and add read h only for its shape: nobody keeps h
    del h
    gc.collect()
    assert ref() is None
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 18.0 + 3 * np.exp(3.0) + 3.0, rtol=1e-6)


class _Mul(dg.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x


@pytest.mark.cpu_only
def test_custom_function_saves_through_the_hooks() -> None:
    x, y = dg.ones(2, requires_grad=True), dg.full((2,), 3.0)
    log = []
    with graph.saved_tensors_hooks(lambda t: log.append(("pack", t is x)) or t * 10,
                                   lambda t: log.append("unpack") or t):
        z = _Mul.apply(x, y)
    z.sum().backward()
    assert log == [("pack", True), ("pack", False), "unpack", "unpack"]
    assert x.grad.tolist() == [30.0, 30.0]


def test_save_on_cpu_gives_the_same_gradients(eager_device) -> None:
    dg.manual_seed(0)
    w, b, x = dg.randn(4, 3, requires_grad=True), dg.randn(3, requires_grad=True), dg.randn(5, 4)

    def loss():  # matmul saves x (w's gradient), tanh its output, the broadcast mul both
        return (dg.tanh(x @ w) * b).sum()

    expected = [g.cpu().numpy() for g in dg.autograd.grad(loss(), [w, b])]
    places = []
    hooks = graph.save_on_cpu(pin_memory=False)
    pack, unpack = hooks.pack_hook, hooks.unpack_hook
    hooks.pack_hook = lambda t: places.append((str(t.device), str(pack(t)[1].device))) or pack(t)
    with hooks:
        y = loss()
    got = [g.cpu().numpy() for g in dg.autograd.grad(y, [w, b])]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    assert places and all(p == (eager_device, "cpu") for p in places)
    assert unpack((dg.device(eager_device), dg.ones(1))).device == dg.device(eager_device)


@pytest.mark.cpu_only
def test_disable_saved_tensors_hooks_raises_with_the_message() -> None:
    with graph.disable_saved_tensors_hooks("no hooks in here"):
        with pytest.raises(RuntimeError, match="no hooks in here"):
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
        with pytest.raises(RuntimeError, match="no hooks in here"):
            graph.save_on_cpu().__enter__()
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        with pytest.raises(RuntimeError, match="not now"):
            with graph.disable_saved_tensors_hooks("not now"):
                pass
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # enabled again after it
        pass


@pytest.mark.cpu_only
def test_multi_grad_hook_all_and_any() -> None:
    a, b, c = (dg.ones(2, requires_grad=True) for _ in range(3))
    calls = []
    handle = graph.register_multi_grad_hook((a, b, c), lambda grads: calls.append(
        [None if g is None else g.tolist() for g in grads]))
    (a * 2 + b * 3).sum().backward()
    assert calls == [[[2.0, 2.0], [3.0, 3.0], None]]
    handle.remove()
    (a * 2).sum().backward()
    assert len(calls) == 1
    graph.register_multi_grad_hook((a, b, c), lambda g: calls.append(g.tolist()), mode="any")
    (a * 2 + b * 3).sum().backward()
    dg.autograd.grad((c * 5).sum(), c)
    assert calls[1:] == [[3.0, 3.0], [5.0, 5.0]]  # once per backward, the first gradient computed
    with pytest.raises(ValueError, match="Expects mode to be one of"):
        graph.register_multi_grad_hook((a,), print, mode="some")


@pytest.mark.cpu_only
def test_node_hooks_replace_gradients() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())) or (go[0] * 2,))
    y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist(), gi[1], go[0].tolist()))
                            or (gi[0] * 10, None))
    y.register_hook(lambda g: seen.append(("tensor", g.tolist())))
    y.retain_grad()
    y.sum().backward()
    assert seen == [("tensor", [1.0, 1.0]), ("pre", [1.0, 1.0]), ("post", [6.0, 6.0], None, [2.0, 2.0])]
    assert x.grad.tolist() == [60.0, 60.0] and y.grad.tolist() == [1.0, 1.0]
    assert y.grad_fn.name() == "MulBackward0" and y.grad_fn.metadata == {}
    y.grad_fn.metadata["k"] = 1
    assert y.grad_fn.metadata == {"k": 1} and isinstance(y.grad_fn, graph.Node)
    assert y.grad_fn.next_functions[0][0] is graph.get_gradient_edge(x).node
    acc = y.grad_fn.next_functions[0][0]  # a leaf's node: pre-hooks after the leaf's tensor hooks
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.metadata == {}
    handle = acc.register_prehook(lambda go: seen.append(("acc", go[0].tolist())) or (go[0] + 1,))
    x.register_hook(lambda g: seen.append(("leaf", g.tolist())))
    x.grad = None
    (x * 2).sum().backward()
    assert seen[-2:] == [("leaf", [2.0, 2.0]), ("acc", [2.0, 2.0])] and x.grad.tolist() == [3.0, 3.0]
    handle.remove()
    x._hooks.clear()
    z = _Mul.apply(x, dg.full((2,), 3.0))
    handle = z.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1]))
    x.grad = None
    z.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]
    handle.remove()
    y = x.exp()
    y.grad_fn.register_hook(lambda gi, go: (gi[0],) * 2)
    with pytest.raises(RuntimeError, match="returned an incorrect number of values"):
        y.sum().backward()


@pytest.mark.cpu_only
def test_module_full_backward_hooks_against_numpy() -> None:
    dg.manual_seed(0)
    m = nn.Linear(3, 2)
    x = dg.randn(4, 3, requires_grad=True)
    w, bias, xs = (t.detach().numpy().astype(np.float64) for t in (m.weight, m.bias, x))
    g_out = np.cos(xs @ w.T + bias)  # d sum(sin(linear(x))) / d output (numpy float64)
    seen = []
    m.register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", mod is m, go[0].cpu().numpy())))
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(("full", gi[0], go[0].cpu().numpy()))
                                  or (None if gi[0] is None else gi[0] * 2,))
    dg.sin(m(x)).sum().backward()
    (kind, same, go), (kind2, gi, go2) = seen
    assert (kind, same, kind2) == ("pre", True, "full")
    np.testing.assert_allclose(go, g_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(go2, g_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gi.cpu().numpy(), g_out @ w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * (g_out @ w), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight.grad.cpu().numpy(), g_out.T @ xs, rtol=1e-5, atol=1e-6)
    seen.clear()
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        m(dg.ones(1, 3)).sum().backward()
    assert seen[1][0] == "full" and seen[1][1] is None


@pytest.mark.cpu_only
def test_module_hooks_with_two_inputs_and_outputs() -> None:
    class Two(nn.Module):
        def forward(self, a, b):
            return a * 2, b * 3

    two, seen = Two(), []
    two.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)) or (gi[0] * 100, gi[1]))
    handle = two.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2, go[1]))
    a, b = dg.ones(2, requires_grad=True), dg.ones(2, requires_grad=True)
    o1, o2 = two(a, b)
    o1.sum().backward()  # b's output did not reach the loss: grad_output None, grad_input zeros
    ((gi_a, gi_b), (go1, go2)), = seen
    assert gi_a.tolist() == [4.0, 4.0] and gi_b.tolist() == [0.0, 0.0]
    assert go1.tolist() == [2.0, 2.0] and go2 is None
    assert a.grad.tolist() == [400.0, 400.0] and b.grad.tolist() == [0.0, 0.0]
    handle.remove()
    a.grad = None
    o1, _ = two(a, 3.0 * dg.ones(2))  # an input that does not require grad: None in grad_input
    o1.sum().backward()
    assert seen[-1][0][1] is None and a.grad.tolist() == [200.0, 200.0]


def _mlp_grads(params, x, target):
    """The example's loss and gradients, backpropagated by hand in numpy float64."""
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1.T + b1)
    d = h @ w2.T + b2 - target
    dy = 2 * d / d.size
    dz = (dy @ w2) * (1 - h**2)
    return np.mean(d**2), [dz.T @ x, dz.sum(0), dy.T @ h, dy.sum(0)]


@pytest.mark.cpu_only
def test_the_saved_tensor_hooks_example(capsys) -> None:
    spec = importlib.util.spec_from_file_location("saved_tensor_hooks_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = example.main(batch=6, features=3, hidden=5)
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(" tensor")[0] for line in printed[:4]] == ["Packing", "Packing"] + ["Unpacking"] * 2
    assert "[2., 2., 2., 2., 2.]" in printed[0] and out["a_grad"].tolist() == [2.0] * 5
    counter = out["counter"]  # PyTorch's five: x (W1's gradient reads it), tanh's output, h and
    assert (counter.packed, counter.unpacked) == (5, 5)  # W2 (the second linear's), pow's base
    assert counter.bytes == 4 * (6 * 3 + 6 * 5 + 6 * 5 + 4 * 5 + 6 * 4)
    params = [p.detach().numpy().astype(np.float64) for p in out["model"].parameters()]
    loss, grads = _mlp_grads(params, *(out[k].numpy().astype(np.float64) for k in ("x", "target")))
    for exact, on_cpu, half, g in zip(out["exact"], out["on_cpu"], out["half"], grads, strict=True):
        np.testing.assert_allclose(exact.numpy(), g, rtol=2e-5, atol=1e-6)
        np.testing.assert_array_equal(on_cpu.numpy(), exact.numpy())
        np.testing.assert_allclose(half.numpy(), g, rtol=0, atol=2e-3 * np.abs(g).max())
    assert out["loss"] == pytest.approx(float(loss), rel=1e-6) == out["half_loss"] == out["cpu_loss"]


def _op_gradients(op, args: list, attrs: dict, hooks) -> tuple:
    """First and second derivatives of a weighted sum of `op`'s float outputs in its float
    inputs, the op recorded inside `hooks` (None: without)."""
    ts = [dg.tensor(a, requires_grad=is_float_array(a) and op.input_differentiable(i))
          if isinstance(a, np.ndarray) else a for i, a in enumerate(args)]
    leaves = [t for t in ts if isinstance(t, dg.Tensor) and t.requires_grad]
    with hooks if hooks is not None else contextlib.nullcontext():
        out = op(*ts, **attrs)
    outs = [o for o in (out if isinstance(out, tuple) else (out,))
            if isinstance(o, dg.Tensor) and o.requires_grad]
    if not leaves or not outs:
        return None
    loss = sum((o * dg.tensor(np.cos(np.arange(o.numel()) + k).reshape(tuple(o.shape)), dtype=o.dtype)).sum()
               for k, o in enumerate(outs))
    first = dg.autograd.grad(loss, leaves, allow_unused=True, create_graph=True)
    again = [g for g in first if g is not None and g.requires_grad]
    second = dg.autograd.grad(sum((g * g).sum() for g in again), leaves, allow_unused=True) if again else ()
    return [None if g is None else g.detach().numpy() for g in (*first, *second)]


@pytest.mark.cpu_only
def test_every_registry_op_differentiates_the_same_under_hooks() -> None:
    """Each differentiable registry op's first and second derivatives are the same when its
    saved tensors were packed as detached copies (the double backward reattaches them)."""
    rng = np.random.default_rng(0)
    checked = 0
    for name in sorted(n for n, op in REGISTRY.items() if op.differentiable):
        op, case = REGISTRY[name], entry(name).cases[0]
        args = make_inputs(name, case, [rng.uniform(0.0, 1.0, s) for s in case.shapes])
        with np.errstate(all="ignore"):
            expected = _op_gradients(op, args, dict(case.attrs), None)
            got = _op_gradients(op, args, dict(case.attrs), graph.saved_tensors_hooks(
                lambda t: t.detach().clone(), lambda t: t))
        if expected is None:
            continue
        assert len(got) == len(expected), name
        for g, e in zip(got, expected, strict=True):
            assert (g is None) == (e is None), name
            if e is not None:
                np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=name)
        checked += 1
    assert checked > 100
