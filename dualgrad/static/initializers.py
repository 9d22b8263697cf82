"""TF1's truncated-normal and variance-scaling initializers (`tf.truncated_normal_initializer`,
`tf.variance_scaling_initializer`, `tf.glorot_normal_initializer`), beside the ones in
`scopes.py`: called with (shape, dtype), each returns the initial-value tensor, a draw of
`ds.truncated_normal` (values beyond two standard deviations redrawn, as TF1) or of
`ds.random_normal` / `ds.random_uniform`."""
from __future__ import annotations

import math

from ..errors import user_line
from .convert import ArgumentError
from .creation import float32, random_normal, random_uniform, truncated_normal
from .graph import Tensor
from .scopes import _fans

__all__ = ["glorot_normal_initializer", "truncated_normal_initializer", "variance_scaling_initializer"]

# the standard deviation of a unit normal truncated to [-2, 2]: TF1 divides by it so that the
# truncated draw has the variance asked for
_TRUNCATED_STD = 0.87962566103423978


class truncated_normal_initializer:  # noqa: N801 (TF1's name)
    """N(mean, stddev^2) truncated to two standard deviations (tf.truncated_normal_initializer)."""

    def __init__(self, mean=0.0, stddev=1.0, seed: int | None = None, dtype=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        return truncated_normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)


class variance_scaling_initializer:  # noqa: N801
    """Variance `scale / n`, n the fan-in, fan-out or their mean (`mode`), drawn from a
    truncated normal (TF1's default), an untruncated normal or a uniform (`distribution`)."""

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed: int | None = None,
                 dtype=None):
        if not scale > 0:
            raise ArgumentError(f"variance_scaling_initializer: scale must be positive, got {scale!r} "
                                f"{user_line()}")
        if mode not in self._MODES or distribution not in self._DISTRIBUTIONS:
            raise ArgumentError(f"variance_scaling_initializer: mode must be one of {self._MODES} and "
                                f"distribution one of {self._DISTRIBUTIONS}, got {mode!r}, {distribution!r} "
                                f"{user_line()}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return random_uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_normal(shape, 0.0, math.sqrt(variance), dtype=dtype, seed=self.seed)
        # "normal" is TF1's older name of the truncated draw
        return truncated_normal(shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD, dtype=dtype, seed=self.seed)


class glorot_normal_initializer(variance_scaling_initializer):  # noqa: N801
    """Truncated normal of variance 2 / (fan_in + fan_out) (tf.glorot_normal_initializer)."""

    def __init__(self, seed: int | None = None, dtype=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)


class glorot_uniform(variance_scaling_initializer):  # noqa: N801
    """Uniform in +-sqrt(6 / (fan_in + fan_out)) (tf.initializers.glorot_uniform, TF1's
    GlorotUniform: the numbers of ds.glorot_uniform_initializer)."""

    def __init__(self, seed: int | None = None, dtype=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)


def he_normal(seed: int | None = None) -> variance_scaling_initializer:
    """Truncated normal of variance 2 / fan_in (tf.initializers.he_normal)."""
    return variance_scaling_initializer(2.0, "fan_in", "truncated_normal", seed)


class orthogonal_initializer:  # noqa: N801
    """`gain` times a random orthogonal matrix (tf.orthogonal_initializer): the QR of a normal
    draw of (rows, cols) = (prod(shape[:-1]), shape[-1]) taller than wide, transposed when the
    variable is wider than tall, reshaped to `shape` (rows or columns orthonormal)."""

    def __init__(self, gain=1.0, seed: int | None = None, dtype=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        from .api import reshape, transpose
        from .tf_linalg_decomp import qr

        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ArgumentError(f"orthogonal_initializer: The tensor to initialize must be at least "
                                f"two-dimensional, got shape {shape} {user_line()}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        q, _ = qr(random_normal((max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed))
        if rows < cols:
            q = transpose(q)
        return reshape(q, list(shape)) * self.gain


# TF1's tf.initializers namespace (ds.initializers is this module): the classes under their short
# names (random_normal etc. stay the draws this module calls)
from .scopes import constant_initializer as constant  # noqa: E402
from .scopes import ones_initializer as ones  # noqa: E402
from .scopes import zeros_initializer as zeros  # noqa: E402

glorot_normal = glorot_normal_initializer
orthogonal = orthogonal_initializer
variance_scaling = variance_scaling_initializer
__all__ += ["constant", "glorot_normal", "glorot_uniform", "he_normal", "ones", "orthogonal",
            "orthogonal_initializer", "variance_scaling", "zeros"]
