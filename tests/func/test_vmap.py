"""dualgrad.func.vmap (and dg.vmap) against jax.vmap: in_dims/out_dims as pytrees of ints and
None, nesting, composition with grad both ways, torch's error texts, and `randomness`."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.func import grad, vmap

from .shapes import close, scalar_f, seeds

pytestmark = pytest.mark.usefixtures("jax_float64")


def _f(m, x, p):
    """x: (3,), p: {"w": (3, 2), "b": (2,)} -> (2,) and a scalar."""
    h = m.tanh(x @ p["w"] + p["b"])
    return h, m.sum(h * h)


@jax.jit
def _oracle(xs, w, b, ws):
    p = {"w": w, "b": b}
    mapped = jax.vmap(lambda x, q: _f(jnp, x, q), in_axes=(1, {"w": None, "b": 0}), out_axes=(1, 0))
    nested = jax.vmap(jax.vmap(lambda x, w_: _f(jnp, x, {"w": w_, "b": b})[1], (None, 0)), (0, None))
    per_sample = jax.vmap(jax.grad(lambda q, x: _f(jnp, x, q)[1]), in_axes=(None, 0))
    through = jax.grad(lambda x: jax.vmap(lambda r: _f(jnp, r, p)[1])(x).sum())
    return (mapped(xs, {"w": w, "b": jnp.stack([b] * xs.shape[1])}), nested(xs.T, ws),
            per_sample(p, xs.T), through(xs.T))


@settings(max_examples=4, deadline=None)
@given(batch=st.sampled_from([1, 4]), seed=seeds)
def test_vmap_matches_jax(batch, seed):
    rng = np.random.default_rng(seed)
    xs, w, b, ws = rng.standard_normal((3, batch)), rng.standard_normal((3, 2)), rng.standard_normal(2), \
        rng.standard_normal((2, 3, 2))
    (e_h, e_s), e_nested, e_per, e_through = _oracle(xs, w, b, ws)
    x, p = dg.tensor(xs), {"w": dg.tensor(w), "b": dg.tensor(b)}
    bs = dg.stack([p["b"]] * batch)
    h, s = vmap(lambda r, q: _f(dg, r, q), in_dims=(1, {"w": None, "b": 0}), out_dims=(1, 0))(
        x, {"w": p["w"], "b": bs})
    close(h, e_h)
    close(s, e_s)
    nested = dg.vmap(dg.vmap(lambda r, w_: _f(dg, r, {"w": w_, "b": p["b"]})[1], (None, 0)), (0, None))
    close(nested(x.T, dg.tensor(ws)), e_nested)
    per = vmap(grad(lambda q, r: _f(dg, r, q)[1]), in_dims=(None, 0))(p, x.T)  # per-sample gradients
    close(per["w"], e_per["w"])
    close(per["b"], e_per["b"])
    close(grad(lambda r: vmap(lambda row: _f(dg, row, p)[1])(r).sum())(x.T), e_through)


def _mlp_loss(q, x, t):
    h = jnp.tanh(x @ q["0.weight"].T + q["0.bias"]) @ q["2.weight"].T + q["2.bias"]
    return -jax.nn.log_softmax(h)[t]


_mlp_oracle = jax.jit(jax.vmap(jax.grad(_mlp_loss), in_axes=(None, 0, 0)))


@settings(max_examples=4, deadline=None)
@given(seed=seeds)
def test_per_sample_gradients_of_an_mlp(seed):
    """vmap(grad) of a small MLP's loss equals a loop of per-example autograd.grad and
    jax.vmap(jax.grad)."""
    rng = np.random.default_rng(seed)
    data, labels = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dg.nn.Sequential(dg.nn.Linear(4, 6), dg.nn.Tanh(), dg.nn.Linear(6, 3)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(q, x, t):
        out = dg.func.functional_call(model, q, (x.unsqueeze(0),))
        return dg.nn.functional.cross_entropy(out, t.unsqueeze(0))

    got = vmap(grad(loss), in_dims=(None, 0, 0))(params, dg.tensor(data), dg.tensor(labels))
    for i in range(5):
        lost = dg.nn.functional.cross_entropy(model(dg.tensor(data[i:i + 1])), dg.tensor(labels[i:i + 1]))
        for (name, _), g in zip(model.named_parameters(), dg.autograd.grad(lost, list(model.parameters())),
                                strict=True):
            np.testing.assert_allclose(got[name][i].numpy(), g.numpy(), rtol=1e-12, atol=1e-14)
            assert not got[name].requires_grad

    expected = _mlp_oracle({k: jnp.asarray(v.numpy()) for k, v in params.items()}, jnp.asarray(data),
                           jnp.asarray(labels))
    for name in params:
        close(got[name], expected[name])


def test_out_dims_none_kwargs_and_moved_dims():
    x = dg.arange(6.0).reshape(2, 3)
    out, const = vmap(lambda r, scale=1.0: (r * scale, dg.tensor(7.0)), out_dims=(-1, None))(x, scale=2.0)
    assert out.tolist() == [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]] and const.item() == 7.0
    assert vmap(lambda r: r.sum(), in_dims=-1)(x).tolist() == [3.0, 5.0, 7.0]
    assert vmap(lambda r, n: r * 2, in_dims=(0, None))(x, None).shape == (2, 3)


def test_error_texts():
    f = lambda a, b: a + b  # noqa: E731
    with pytest.raises(ValueError, match=r"vmap: Expected all tensors to have the same size in the mapped "
                                         r"dimension, got sizes \[2, 3\] for the mapped dimension"):
        vmap(f)(dg.zeros(2), dg.zeros(3))
    with pytest.raises(ValueError, match=r"in_dims is not compatible with the structure of `inputs`"):
        vmap(f, in_dims=(0, 0, 0))(dg.zeros(2), dg.zeros(2))
    with pytest.raises(ValueError, match=r"Got in_dim=0 for an input but the input is of type <class 'fl"):
        vmap(f)(dg.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"expected in_dim to satisfy -1 <= in_dim < 1"):
        vmap(f, in_dims=(1, 0))(dg.zeros(2), dg.zeros(2))
    with pytest.raises(ValueError, match="vmap: Expected at least one Tensor to vmap over"):
        vmap(f, in_dims=(None, None))(dg.zeros(2), dg.zeros(2))
    with pytest.raises(ValueError, match="got no inputs"):
        vmap(lambda: 1)()
    with pytest.raises(ValueError, match=r"must only return Tensors, got type <class 'float'>"):
        vmap(lambda a: 1.0)(dg.zeros(2))
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        vmap(f, in_dims=[0, 0])(dg.zeros(2), dg.zeros(2))
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are"):
        vmap(f, randomness="maybe")


def test_randomness():
    before = dg.get_rng_state()
    with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness error mode"):
        vmap(lambda a: a + dg.randn(()))(dg.zeros(3))
    assert dg.get_rng_state().tolist() == before.tolist()  # the stream is put back
    same = vmap(lambda a: a + dg.randn(()), randomness="same")(dg.zeros(3))
    assert len(set(same.tolist())) == 1
    different = vmap(lambda a: a + dg.randn(()), randomness="different")(dg.zeros(3))
    assert len(set(different.tolist())) == 3
    with pytest.raises(RuntimeError, match="randomness error mode"):  # the outer level's 'error' wins
        vmap(vmap(lambda a: a + dg.rand(()), randomness="different"))(dg.zeros(2, 2))


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_vmap_of_grad_on_both_devices_is_plain(device):
    xs = dg.tensor(np.arange(6.0).reshape(2, 3) / 4, device=device)
    g = vmap(grad(lambda a: scalar_f(dg, a, a)))(xs)
    assert not g.requires_grad and g.shape == (2, 3) and g.device == xs.device
    rows = [grad(lambda a: scalar_f(dg, a, a))(xs[i]) for i in range(2)]
    np.testing.assert_allclose(g.numpy(), np.stack([r.numpy() for r in rows]), rtol=1e-12)
    close(g, jax.vmap(jax.grad(lambda a: scalar_f(jnp, a, a)))(jnp.asarray(xs.numpy())))
