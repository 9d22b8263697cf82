"""examples/imbalanced_sampling.py (ConcatDataset, WeightedRandomSampler, orthogonal_ and
trunc_normal_ init, nn.ParameterList, RMSprop by addcmul_/addcdiv_) against an independent
replay: the same drawn batches and initial parameters, the forward pass, the logistic loss's
gradient written out by hand and RMSprop's update, in numpy float64."""
from __future__ import annotations

import numpy as np

from .example_scripts import load, run


def _replay(data_x, data_y, initial, indices, steps, batch_size, lr, alpha, eps):
    W, b1 = initial["hidden.weight"].astype(np.float64), initial["hidden.bias"].astype(np.float64)
    w, b = initial["readout.0"].astype(np.float64), initial["readout.1"].astype(np.float64)
    params = [W, b1, w, b]
    square = [np.zeros_like(p) for p in params]
    losses = []
    for step in range(steps):
        rows = np.asarray(indices[step * batch_size:(step + 1) * batch_size])
        x, y = data_x[rows], data_y[rows]
        h = np.tanh(x @ W.T + b1)
        z = h @ w + b[0]
        losses.append(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
        dz = (1 / (1 + np.exp(-z)) - y) / len(rows)
        da = dz[:, None] * w * (1 - h**2)
        grads = [da.T @ x, da.sum(0), h.T @ dz, np.array([dz.sum()])]
        for p, v, g in zip(params, square, grads, strict=True):
            v *= alpha
            v += (1 - alpha) * g * g
            p -= lr * g / (np.sqrt(v) + eps)
    return params, losses


def test_the_example_trains_as_the_float64_replay():
    example = load("imbalanced_sampling")
    steps, batch_size, lr, alpha, eps = 60, 32, 0.05, 0.9, 1e-8
    model, initial, indices, losses = example.train(steps, batch_size, lr, alpha, eps)
    data = example.make_data()
    xs = np.concatenate([d.tensors[0].numpy() for d in data.datasets]).astype(np.float64)
    ys = np.concatenate([d.tensors[1].numpy() for d in data.datasets]).astype(np.float64)
    params, expected_losses = _replay(xs, ys, initial, indices, steps, batch_size, lr, alpha, eps)
    np.testing.assert_allclose(losses, expected_losses, rtol=2e-4, atol=1e-5)
    for (name, mine), theirs in zip(model.state_dict().items(), params, strict=True):
        np.testing.assert_allclose(mine.numpy().reshape(theirs.shape), theirs, rtol=1e-3, atol=1e-4,
                                   err_msg=name)
    W0 = initial["hidden.weight"].astype(np.float64)  # orthogonal_: orthonormal columns (4 x 2)
    np.testing.assert_allclose(W0.T @ W0, np.eye(2), atol=1e-6)
    assert np.all(np.abs(initial["hidden.bias"]) <= 0.2)
    share = np.mean(np.asarray(indices) >= 480)  # each class drawn with probability 1/2
    assert abs(share - 0.5) < 5 * np.sqrt(0.25 / len(indices))


def test_the_script_runs():
    out, losses = run("imbalanced_sampling")
    assert losses[-1] < losses[0]
