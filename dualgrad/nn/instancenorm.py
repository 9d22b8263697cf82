"""PyTorch's instance normalisation: `F.instance_norm` and `nn.InstanceNorm1d/2d/3d`.

Each sample's channel is normalised over its spatial dims alone. As ATen's instance_norm, this
is batch_norm of the input seen as (1, N * C, *spatial) with the per-channel weight, bias and
running stats repeated N times; the running stats then take the mean over the N copies, so
running = (1 - momentum) * running + momentum * mean over samples of each instance's stat
(the variance unbiased). The modules default to affine=False and track_running_stats=False.
"""
from __future__ import annotations

import math
import warnings

from .. import ops
from ..eager import api
from ..eager.grad_mode import no_grad
from ..eager.methods_more import repeat
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerShapeError, user_line
from .batchnorm import _BatchNorm, batch_norm


def _repeated(t: Tensor | None, times: int) -> Tensor | None:
    """t repeated `times` times along its one dim, as a new tensor (running stats are written)."""
    return None if t is None else repeat(t, times).clone()


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalises each (sample, channel) over its spatial dims, then the per-channel affine
    (torch.nn.functional.instance_norm); with `use_input_stats=False`, the running stats."""
    if input.ndim < 2:
        raise EagerShapeError(f"instance_norm: expected an input (N, C, *spatial), got shape "
                              f"{tuple(input.shape)} {user_line()}")
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise DualgradValueError(f"Expected more than 1 spatial element when training, got input size "
                                 f"{input.shape} {user_line()}")
    n, channels = input.shape[0], input.shape[1]
    mean, var = _repeated(running_mean, n), _repeated(running_var, n)
    out = batch_norm(ops.reshape(input, shape=(1, n * channels) + tuple(input.shape[2:])), mean, var,
                     _repeated(weight, n), _repeated(bias, n), use_input_stats, momentum, eps)
    with no_grad():  # ATen's instance_norm: the mean over the samples' updated copies
        for running, copies in ((running_mean, mean), (running_var, var)):
            if running is not None and use_input_stats:
                running.copy_(ops.mean(ops.reshape(copies, shape=(n, channels)), axis=0))
    return ops.reshape(out, shape=tuple(input.shape))


class _InstanceNorm(_BatchNorm):
    """The checks and forward shared by InstanceNorm1d/2d/3d (PyTorch's _InstanceNorm): an
    input without the batch dim is accepted; a channel count other than num_features is an
    error when affine, a warning otherwise (num_features is not used then)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        """Instance statistics in training (and always without running stats), the running
        stats in eval; num_batches_tracked is kept but not counted, as in PyTorch."""
        if input.ndim not in self._ranks:
            raise DualgradValueError(f"expected {self._expected} input (got {input.ndim}D input) "
                                     f"{user_line()}")
        unbatched = input.ndim == self._ranks[0]
        feature_dim = 0 if unbatched else 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise DualgradValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                         f"({self.num_features}), but got: {input.shape[feature_dim]}. "
                                         f"{user_line()}")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence "
                          "this warning by not passing in num_features, which is not used because "
                          "affine=False", stacklevel=2)
        batched = api.unsqueeze(input, 0) if unbatched else input
        out = instance_norm(batched, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return api.squeeze(out, 0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) input (torch.nn.InstanceNorm1d)."""

    _ranks = (2, 3)
    _expected = "2D or 3D"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) input (torch.nn.InstanceNorm2d)."""

    _ranks = (3, 4)
    _expected = "3D or 4D"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) input (torch.nn.InstanceNorm3d)."""

    _ranks = (4, 5)
    _expected = "4D or 5D"
