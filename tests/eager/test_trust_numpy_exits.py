"""Issue 10, the ways out to numpy: `np.array(t)` copies (numpy 2's `copy=True`), `np.asarray(t)`
and `t.numpy()` share a CPU tensor's memory as in PyTorch, `copy=False` raises ValueError when
only a copy can be made, a jax-device tensor never hands out a writable alias, and a tensor
that requires grad refuses every numpy exit with PyTorch's message (`tolist`/`item` excepted).

Oracle: the numpy array each tensor was made from; torch, where installed, in addition."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

MESSAGE = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


def test_issue_example_np_array_copies_so_backward_stays_right() -> None:
    t = dg.tensor([1.0, 2.0], dtype=dg.float64)
    w = dg.tensor([3.0, 4.0], dtype=dg.float64, requires_grad=True)
    y = (w * t).sum()  # saves t for w's gradient
    a = np.array(t)
    a[:] = 100.0  # was written straight into t: w.grad became [100, 100], silently
    y.backward()
    assert w.grad.tolist() == [1.0, 2.0] and t.tolist() == [1.0, 2.0]


REFUSED = {
    "numpy()": lambda g: g.numpy(),
    "np.asarray": lambda g: np.asarray(g),
    "np.array": lambda g: np.array(g),
    "np.array copy=False": lambda g: np.array(g, copy=False),
    "np.asarray dtype": lambda g: np.asarray(g, dtype=np.float64),
    "__array__()": lambda g: g.__array__(),
}


@pytest.mark.parametrize("exit_", sorted(REFUSED))
@pytest.mark.parametrize("make", [lambda: dg.ones(2, requires_grad=True),
                                  lambda: dg.ones(2, requires_grad=True) * 2], ids=["leaf", "non-leaf"])
def test_requires_grad_refuses_every_numpy_exit(exit_: str, make) -> None:
    g = make()
    with pytest.raises(RuntimeError) as e:
        REFUSED[exit_](g)
    assert str(e.value) == MESSAGE
    with dg.no_grad():  # PyTorch allows it where no graph is being recorded
        assert np.asarray(g).tolist() == g.tolist() and g.numpy().tolist() == g.tolist()


def test_what_a_tensor_that_requires_grad_still_allows(eager_device) -> None:
    g = dg.tensor([0.7, 2.0], dtype=dg.float64, requires_grad=True)
    assert g.tolist() == [0.7, 2.0] and g[0].item() == 0.7 and float(g[0]) == 0.7
    assert g.detach().numpy().tolist() == [0.7, 2.0] and g.numpy(force=True).tolist() == [0.7, 2.0]
    shared = g.data.numpy()  # `.data` is cut from the graph and shares storage, as in PyTorch
    assert np.array(g.data).tolist() == [0.7, 2.0]
    if eager_device == "cpu":
        shared[1] = 5.0
        assert g[1].item() == 5.0


# -- the copy protocol, for every exit, against the array the tensor was made from -------------
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    if np.dtype(dtype).kind == "f":
        elements = st.floats(-1e6, 1e6, width=np.dtype(dtype).itemsize * 8)
    elif np.dtype(dtype).kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(-1000, 1000)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def other_dtype(dtype) -> np.dtype:
    return np.dtype(np.float64 if np.dtype(dtype) != np.float64 else np.float32)


# exit -> (call, what it must be on 'cpu', on 'jax'): "copy" (a fresh writable array; writes
# leave the tensor alone), "alias" (the tensor's own memory; writes show in the tensor),
# "readonly" (writes raise), "refuse" (ValueError: no copy allowed, one needed).
EXITS = {
    "np.array(t)": (lambda t: np.array(t), "copy", "copy"),
    "np.array(t, copy=True)": (lambda t: np.array(t, copy=True), "copy", "copy"),
    "np.array(t, dtype=other)": (lambda t: np.array(t, dtype=other_dtype(t.numpy().dtype)), "copy", "copy"),
    "np.asarray(t)": (lambda t: np.asarray(t), "alias", "readonly"),
    "np.asarray(t, dtype=same)": (lambda t: np.asarray(t, dtype=t.numpy().dtype), "alias", "readonly"),
    "np.asarray(t, dtype=other)": (
        lambda t: np.asarray(t, dtype=other_dtype(t.numpy().dtype)), "copy", "copy"),
    "np.array(t, copy=False)": (lambda t: np.array(t, copy=False), "alias", "refuse"),
    "np.array(t, dtype=other, copy=False)": (
        lambda t: np.array(t, dtype=other_dtype(t.numpy().dtype), copy=False), "refuse", "refuse"),
    "t.numpy()": (lambda t: t.numpy(), "alias", "readonly"),
    "t.data.numpy()": (lambda t: t.data.numpy(), "alias", "readonly"),
    "t.__array__(None, True)": (lambda t: t.__array__(None, True), "copy", "copy"),
}


def changed(a: np.ndarray) -> np.ndarray:
    return ~a if a.dtype == np.bool_ else a + 1


@settings(max_examples=20, deadline=None)
@given(a=arrays())
def test_every_numpy_exit_follows_the_copy_protocol(a: np.ndarray) -> None:
    on_host = dg.get_default_device().type == "cpu"  # set by the eager_device fixture
    for name, (call, on_cpu, on_jax) in EXITS.items():
        t = dg.tensor(a)
        expected = on_cpu if on_host else on_jax
        if expected == "refuse":
            with pytest.raises(ValueError, match="Unable to avoid copy"):
                call(t)
            continue
        out = call(t)
        assert isinstance(out, np.ndarray) and out.shape == a.shape, name
        np.testing.assert_array_equal(out, a.astype(out.dtype), err_msg=name)
        if expected == "readonly":
            assert not out.flags.writeable, name
            with pytest.raises(ValueError):
                out[...] = changed(out)
            continue
        assert out.flags.writeable, name
        new = changed(out)
        out[...] = new
        if expected == "copy":
            assert t.tolist() == a.tolist(), f"{name}: writing into a copy changed the tensor"
        else:
            assert t.tolist() == new.tolist(), f"{name}: not the tensor's memory"


@settings(max_examples=20, deadline=None)
@given(a=arrays())
def test_tolist_and_item_are_exact_python_values(a: np.ndarray) -> None:
    t = dg.tensor(a)
    assert t.tolist() == a.tolist()  # numpy's own conversion: float64 exactly, float32 widened
    first = t.reshape(-1)[0].item()
    assert first == a.reshape(-1)[0].item() and type(first) is type(a.reshape(-1)[0].item())


@pytest.mark.cpu_only  # makes its own jax tensor
def test_jax_tensor_numpy_is_a_read_only_snapshot() -> None:
    t = dg.tensor([1.0, 2.0], device="jax")
    for a in (t.numpy(), np.asarray(t)):
        with pytest.raises(ValueError):
            a[0] = 5.0  # a writable copy would silently stop matching the tensor
    assert t.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.array(t, copy=False)
    fresh = np.array(t)
    fresh[0] = 5.0
    assert t.tolist() == [1.0, 2.0]


# -- torch as an extra oracle, where installed ------------------------------------------------
def _outcome(fn, tensor):
    try:
        fn(tensor)
        return "ok"
    except (RuntimeError, TypeError):
        return "raises"


@pytest.mark.cpu_only
@pytest.mark.parametrize("exit_", sorted(set(REFUSED) - {"np.array copy=False"}))
def test_requires_grad_rule_matches_torch(torch, exit_: str) -> None:
    pairs = ((lambda: dg.ones(2, requires_grad=True), lambda: torch.ones(2, requires_grad=True)),
             (lambda: dg.ones(2), lambda: torch.ones(2)))
    for make_dg, make_torch in pairs:
        assert _outcome(REFUSED[exit_], make_dg()) == _outcome(REFUSED[exit_], make_torch())


@pytest.mark.cpu_only
@pytest.mark.parametrize("exit_", ["np.array(t)", "np.asarray(t)", "np.asarray(t, dtype=same)",
                                   "np.asarray(t, dtype=other)", "t.numpy()", "t.data.numpy()"])
def test_sharing_matches_torch(torch, exit_: str) -> None:
    call = EXITS[exit_][0]
    ours, theirs = dg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert np.shares_memory(call(ours), ours.numpy()) == np.shares_memory(call(theirs), theirs.numpy())
