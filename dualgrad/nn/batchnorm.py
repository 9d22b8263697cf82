"""PyTorch's batch normalisation: `F.batch_norm`, `nn.BatchNorm1d` and `nn.BatchNorm2d`.

Per channel (dim 1), over the batch and any spatial dims. Training normalises by the batch
mean and the biased variance, and updates the running stats in place under no_grad with
PyTorch's rule: running = (1 - momentum) * running + momentum * batch stat, the variance there
UNBIASED (divided by n - 1); momentum=None is the cumulative average 1/num_batches_tracked.
Eval normalises by the running stats. The math is registry ops (mean, var, sqrt, reciprocal,
multiply, add), so gradients follow through the batch statistics.
"""
from __future__ import annotations

import math

from .. import dtypes, ops
from ..eager.creation import ones, tensor, zeros
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerShapeError, user_line
from .module import Module
from .normalization import affine_ones_zeros, register_affine, standardize


def _check_channels(input: Tensor, **per_channel: Tensor | None) -> None:
    channels = input.shape[1]
    for name, t in per_channel.items():
        if t is not None and t.numel() != channels:
            raise EagerShapeError(f"batch_norm: {name} should contain {channels} elements not {t.numel()} "
                                  f"(input shape {tuple(input.shape)}) {user_line()}")


def _verify_batch_size(input: Tensor) -> None:
    """PyTorch's refusal of one value per channel in training (its variance is 0/0)."""
    if input.shape[0] * math.prod(input.shape[2:]) == 1:
        raise DualgradValueError(f"Expected more than 1 value per channel when training, got input size "
                                 f"{input.shape} {user_line()}")


def _check_eps(eps: float, training: bool) -> None:
    """PyTorch 2.13's refusal of eps <= 0 in training (a constant channel divides 0 by 0) and eps < 0."""
    if eps < 0.0 or (training and eps <= 0.0):
        rule = "positive during training" if training else "non-negative"
        raise DualgradValueError(f"batch_norm eps must be {rule}, but got {eps} {user_line()}")


def _update_running(input: Tensor, axes: tuple[int, ...], running_mean: Tensor | None,
                    running_var: Tensor | None, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch stat, in place, the variance
    unbiased (PyTorch's batch_norm_update_stats)."""
    with no_grad():
        x = input.detach()
        for running, stat in ((running_mean, lambda: ops.mean(x, axis=axes)),
                              (running_var, lambda: ops.var(x, axis=axes, correction=1, in_float64=False))):
            if running is not None:
                running.copy_(ops.add(ops.multiply(stat(), momentum), ops.multiply(running, 1.0 - momentum)))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over dim 1 (torch.nn.functional.batch_norm): batch statistics and
    an in-place update of the given running stats when `training`, the running stats else."""
    if input.ndim < 2:
        raise EagerShapeError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got shape "
                              f"{tuple(input.shape)} {user_line()}")
    _check_channels(input, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, input.ndim))
    channel_shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    _check_eps(eps, training)
    if training:
        _verify_batch_size(input)
        out = standardize(input, axes, eps)
        _update_running(input, axes, running_mean, running_var, momentum)
    else:
        if running_mean is None or running_var is None:
            raise EagerShapeError("batch_norm: running_mean and running_var must be defined in evaluation "
                                  f"mode {user_line()}")
        mean, var = (ops.reshape(t, shape=channel_shape) for t in (running_mean, running_var))
        out = ops.multiply(ops.subtract(input, mean), ops.reciprocal(ops.sqrt(ops.add(var, eps))))
    if weight is not None:
        out = ops.multiply(out, ops.reshape(weight, shape=channel_shape))
    return out if bias is None else ops.add(out, ops.reshape(bias, shape=channel_shape))


class _BatchNorm(Module):
    """The state and forward shared by BatchNorm1d/2d (PyTorch's _BatchNorm): buffers
    running_mean (zeros), running_var (ones), num_batches_tracked (int64 0) when
    track_running_stats; weight ones and bias zeros when affine (bias=False, PyTorch 2.13's
    keyword, drops the bias)."""

    _ranks: tuple[int, ...] = ()
    _expected = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        register_affine(self, (num_features,), {"weight": affine, "bias": affine and bias}, dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean to 0, running_var to 1, num_batches_tracked to 0 (PyTorch's)."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running stats reset, weight to ones and bias to zeros (_BatchNorm.reset_parameters)."""
        self.reset_running_stats()
        affine_ones_zeros(self)

    def forward(self, input: Tensor) -> Tensor:
        """Batch statistics in training (and always without running stats), the running stats
        in eval; num_batches_tracked counts training calls (after the input's checks, so a
        refused call changes nothing)."""
        if input.ndim not in self._ranks:
            raise DualgradValueError(f"expected {self._expected} input (got {input.ndim}D input) "
                                     f"{user_line()}")
        _check_channels(input, weight=self.weight, running_mean=self.running_mean)
        use_batch = self.training or self.running_mean is None
        _check_eps(self.eps, use_batch)
        if use_batch:
            _verify_batch_size(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        keep = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if keep else None, self.running_var if keep else None,
                          self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        """`4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True`, as
        PyTorch 2.13 prints it."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input over N (and L) per channel (torch.nn.BatchNorm1d)."""

    _ranks = (2, 3)
    _expected = "2D or 3D"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input over N, H, W per channel (torch.nn.BatchNorm2d)."""

    _ranks = (4,)
    _expected = "4D"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) input over N, D, H, W per channel (torch.nn.BatchNorm3d)."""

    _ranks = (5,)
    _expected = "5D"
