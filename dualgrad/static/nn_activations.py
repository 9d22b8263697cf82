"""`ds.nn.gelu`, `leaky_relu`, `elu`, `selu`, `silu`/`swish`, `crelu` and `ds.erf` with TF1's
signatures, over the registry's activations (`ops.activations`). Where TF1's gradient at a
kink differs from PyTorch's, TF1's is kept (selu'(0) is `scale`: TF1's SeluGrad tests the
output for `< 0`; PyTorch's is `scale * alpha`)."""
from __future__ import annotations

from .. import ops
from ..ops.activations import SELU_SCALE
from .api import _n, _tensor


def gelu(features, approximate: bool = False, name=None):
    """x * Phi(x), Phi the normal CDF by erf, or the tanh approximation (tf.nn.gelu)."""
    return _n(ops.gelu(_tensor(features), approximate="tanh" if approximate else "none"), name)


def leaky_relu(features, alpha: float = 0.2, name=None):
    """x where x > 0, else alpha * x; TF1's default alpha is 0.2 (PyTorch's 0.01). The
    gradient at 0 is alpha, as TF1's LeakyReluGrad (`x > 0 ? g : g * alpha`)."""
    return _n(ops.leaky_relu(_tensor(features), negative_slope=alpha), name)


def elu(features, name=None):
    """x where x > 0, else exp(x) - 1 (tf.nn.elu; gradient 1 at 0, as TF1's and PyTorch's)."""
    return _n(ops.elu(_tensor(features)), name)


def selu(features, name=None):
    """scale * elu(x, alpha) (tf.nn.selu); the gradient at 0 is TF1's `scale`."""
    x = _tensor(features)
    return _n(ops.where(ops.less(x, 0), ops.selu(x), ops.multiply(x, SELU_SCALE)), name)


def silu(features, beta: float = 1.0, name=None):
    """x * sigmoid(beta * x) (tf.nn.silu; tf.nn.swish is the same function)."""
    x = _tensor(features)
    return _n(ops.silu(x) if beta == 1.0 else ops.multiply(x, ops.sigmoid(ops.multiply(x, beta))), name)


def swish(features, beta: float = 1.0, name=None):
    """x * sigmoid(beta * x) (tf.nn.swish)."""
    return silu(features, beta, name)


def crelu(features, name=None, axis: int = -1):
    """relu(x) and relu(-x) joined along `axis` (tf.nn.crelu): twice the size there."""
    x = _tensor(features)
    return _n(ops.concatenate(ops.relu(x), ops.relu(ops.negative(x)), axis=axis), name)


def erf(x, name=None):
    """The error function elementwise (tf.erf, tf.math.erf)."""
    return _n(ops.erf(_tensor(x)), name)


__all__ = ["crelu", "elu", "erf", "gelu", "leaky_relu", "selu", "silu", "swish"]
