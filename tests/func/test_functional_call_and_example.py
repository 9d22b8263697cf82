"""functional_call swaps parameters and buffers for one call and puts them back (also when the
call raises), with torch's tie_weights/strict rules; examples/per_sample_grads.py (the
torch.func tutorial) gives jax.vmap(jax.grad)'s per-sample gradients of the same CNN."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.func import functional_call, grad, stack_module_state, vmap

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "per_sample_grads.py"


class _Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("scale", dg.tensor(2.0))

    def forward(self, x, fail=False):
        if fail:
            raise KeyError("inside forward")
        return self.lin(x) * self.scale


def test_swaps_and_restores_even_when_the_call_raises():
    m = _Scaled()
    own = {k: v for k, v in [*m.named_parameters(), *m.named_buffers()]}
    new = {"lin.weight": dg.eye(2), "lin.bias": dg.zeros(2)}
    out = functional_call(m, (new, {"scale": dg.tensor(3.0)}), (dg.tensor([1.0, 2.0]),))
    assert out.tolist() == [3.0, 6.0]
    with pytest.raises(KeyError, match="inside forward"):
        functional_call(m, new, dg.tensor([1.0, 2.0]), {"fail": True})
    assert {k: v for k, v in [*m.named_parameters(), *m.named_buffers()]} == own
    assert all(a is b for a, b in zip(own.values(), [*m.parameters(), *m.buffers()], strict=True))
    assert isinstance(m.lin.weight, nn.Parameter)
    loss = lambda p, x: functional_call(m, p, (x,)).sum()  # noqa: E731
    g = grad(loss)(dict(m.named_parameters()), dg.tensor([1.0, 2.0]))
    assert g["lin.bias"].tolist() == [2.0, 2.0] and m.lin.weight.grad is None


def test_strict_tied_weights_and_bad_dicts():
    m = _Scaled()
    with pytest.raises(RuntimeError, match=r"Error\(s\) in reparametrizing for _Scaled:\n\tUnexpected "
                       r"key\(s\): 'nope'.\n\tMissing key\(s\): 'lin.bias', 'lin.weight', 'scale'."):
        functional_call(m, {"nope": dg.zeros(1)}, (dg.zeros(2),), strict=True)
    with pytest.raises(ValueError, match=r"\['scale'\] appeared in multiple dictionaries"):
        functional_call(m, ({"scale": dg.zeros(())}, {"scale": dg.zeros(())}), (dg.zeros(2),))
    with pytest.raises(ValueError, match="Expected parameter_and_buffer_dicts to be a dict"):
        functional_call(m, "scale", (dg.zeros(2),))
    tied = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    out = functional_call(tied, {"0.weight": dg.eye(2) * 2}, (dg.tensor([1.0, 1.0]),))
    assert out.tolist() == [4.0, 4.0]  # both layers saw the new weight (tie_weights=True)
    with pytest.raises(ValueError, match=r"multiple values for keys \['0.weight', '1.weight'\], which are "):
        functional_call(tied, {"0.weight": dg.eye(2), "1.weight": dg.eye(2)}, (dg.zeros(2),))


def _cnn_loss(p, x, t):
    dims = ("NCHW", "OIHW", "NCHW")
    h = jax.lax.conv_general_dilated(x[None], p["conv1.weight"], (1, 1), "VALID", dimension_numbers=dims)
    h = jax.nn.relu(h + p["conv1.bias"][None, :, None, None])
    h = jax.lax.conv_general_dilated(h, p["conv2.weight"], (1, 1), "VALID", dimension_numbers=dims)
    h = jax.nn.relu(h + p["conv2.bias"][None, :, None, None])
    h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID").reshape(1, -1)
    h = jax.nn.relu(h @ p["fc1.weight"].T + p["fc1.bias"]) @ p["fc2.weight"].T + p["fc2.bias"]
    return -jax.nn.log_softmax(h)[0, t]


def test_the_per_sample_grads_example_matches_jax():
    spec = importlib.util.spec_from_file_location("per_sample_grads_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model, data, targets, grads = example.main(batch_size=3, image_size=8, channels=(2, 3), hidden=5)
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.named_parameters()}
    expected = jax.jit(jax.vmap(jax.grad(_cnn_loss), in_axes=(None, 0, 0)))(
        params, jnp.asarray(data.numpy()), jnp.asarray(targets.numpy()))
    assert list(grads) == list(params)
    for name, g in grads.items():
        assert g.shape == (3, *params[name].shape) and not g.requires_grad
        np.testing.assert_allclose(g.numpy(), np.asarray(expected[name]), rtol=1e-4, atol=1e-5)


def test_model_ensembling_with_stack_module_state():
    """torch.func's ensembling tutorial: vmap over stacked parameters equals each model's call."""
    models = [nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)) for _ in range(3)]
    params, buffers = stack_module_state(models)
    assert params["0.weight"].shape == (3, 4, 3) and params["0.weight"].is_leaf
    assert params["0.weight"].requires_grad
    x = dg.randn(5, 3)
    out = vmap(lambda p, b, data: functional_call(models[0], (p, b), (data,)), in_dims=(0, 0, None))(
        params, buffers, x)
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i].detach().numpy(), m(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    (g,) = dg.autograd.grad(out.sum(), [params["2.bias"]])  # the stacked leaves train
    assert g.tolist() == [[5.0, 5.0]] * 3
    models[1].eval()
    with pytest.raises(RuntimeError, match="Expected all models to have the same training/eval mode"):
        stack_module_state(models)
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        stack_module_state([])
