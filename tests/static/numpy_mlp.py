"""The numpy float64 oracle of the TF1 example tests' one-hidden-layer network: tanh hidden
layer, softmax cross-entropy averaged over the batch, forward and backward written out."""
from __future__ import annotations

import numpy as np


def tanh_mlp_loss_and_grads(features, labels, w1, b1, w2, b2):
    """(mean softmax cross-entropy, [dw1, db1, dw2, db2]) of tanh(features @ w1 + b1) @ w2 + b2."""
    n = len(labels)
    onehot = np.eye(w2.shape[1])[labels]
    h = np.tanh(features @ w1 + b1)
    z = h @ w2 + b2
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels]).mean()
    dz = (p - onehot) / n
    dh = dz @ w2.T * (1 - h * h)
    return loss, [features.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
