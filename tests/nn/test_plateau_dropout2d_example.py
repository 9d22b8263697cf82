"""examples/plateau_dropout2d_cnn.py runs as a user runs it, and its epochs are those of the
same loop written out in jax: the conv net (with the Dropout2d masks the example drew, read
back with a forward hook), cross entropy, SGD with momentum, and ReduceLROnPlateau's rule
(written out here) applied to the jax validation losses."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts


def _forward(params, x, mask):
    out = jax.lax.conv_general_dilated(x, params["conv.weight"], (1, 1), [(1, 1), (1, 1)],
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))
    out = jax.nn.relu(out + params["conv.bias"][:, None, None])
    if mask is not None:  # Dropout2d: whole channels zeroed, the rest scaled by 1 / (1 - p)
        out = out * mask[:, :, None, None] / 0.75
    n, c, h, w = out.shape
    out = out.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5)).reshape(n, -1)
    return out @ params["fc.weight"].T + params["fc.bias"]


def _loss(params, x, y, mask):
    logp = jax.nn.log_softmax(_forward(params, x, mask), axis=1)
    return -jnp.mean(logp[jnp.arange(len(y)), y])


def _plateau_lrs(val_losses, lr, factor=0.5, patience=1, threshold=1e-4):
    """The lr of each epoch, and of the one after the last, under PyTorch's documented
    ReduceLROnPlateau rule (mode 'min', threshold 'rel') stepped on `val_losses`."""
    lrs, best, bad = [lr], float("inf"), 0
    for loss in val_losses:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
        if bad > patience:
            lr, bad = lr * factor, 0
        lrs.append(lr)
    return lrs


def test_example_epochs_match_the_loop_written_in_jax():
    example = example_scripts.load("plateau_dropout2d_cnn")
    dg.manual_seed(0)
    model = example.Net()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    masks = []

    def record(module, inputs, output):  # the channels Dropout2d kept (an all-zero one: either)
        if module.training:
            kept = np.abs(output.detach().numpy()).max(axis=(2, 3)) > 0
            masks.append(kept | (np.abs(inputs[0].detach().numpy()).max(axis=(2, 3)) == 0))

    model.drop.register_forward_hook(record)
    history = example.train(model)
    assert len(masks) == 12 * 4 and 0.5 < np.mean(masks) < 0.95

    train_x, train_y = (jnp.asarray(t.numpy()) for t in example.make_data(64, seed=1))
    val_x, val_y = (jnp.asarray(t.numpy()) for t in example.make_data(32, seed=2))
    step = jax.jit(jax.value_and_grad(_loss))
    val = jax.jit(lambda p: _loss(p, val_x, val_y, None))
    buf, lr, want, k = None, 0.05, [], 0
    with jax.default_matmul_precision("highest"):
        for _ in range(12):
            total = 0.0
            for b in range(4):
                loss, grads = step(params, train_x[16 * b:16 * b + 16], train_y[16 * b:16 * b + 16],
                                   jnp.asarray(masks[k], jnp.float32))
                k += 1
                total += float(loss)
                buf = grads if buf is None else {n: 0.9 * buf[n] + grads[n] for n in grads}
                params = {n: params[n] - lr * buf[n] for n in params}
            want.append((total / 4, float(val(params)), lr))
            lr = _plateau_lrs([w[1] for w in want], 0.05)[-1]
    got = np.array(history)
    np.testing.assert_allclose(got[:, :2], np.array(want)[:, :2], rtol=1e-4, atol=1e-6)
    assert [h[2] for h in history] == [w[2] for w in want] == _plateau_lrs([w[1] for w in want], 0.05)[:-1]
    assert min(h[2] for h in history) < 0.05  # the plateau was reached: the lr was reduced


def test_example_runs_as_a_script():
    out, _ = example_scripts.run("plateau_dropout2d_cnn")
    lrs = [float(v) for v in re.findall(r"lr (\S+)$", out, flags=re.MULTILINE)]
    assert len(lrs) == 12 and lrs[0] == 0.05 and lrs[-1] < 0.05
    assert "(drop): Dropout2d(p=0.25, inplace=False)" in out
