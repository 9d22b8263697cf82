"""`Laplace(loc, scale)`, `Gumbel(loc, scale)` and `Cauchy(loc, scale)`, PyTorch's
torch.distributions classes over registry ops; each `rsample` is `loc + scale * eps` for a
standard draw eps, so gradients reach both parameters."""
from __future__ import annotations

import math

import numpy as np

from ..eager.creation import empty, full
from ..eager.random_more import cauchy_, rand
from ..eager.tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all

_EULER_GAMMA = 0.57721566490153286061


class LocationScale(Distribution):
    """A real-valued location-scale family with loc and scale > 0, batched over their broadcast
    (Normal's too)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _given = ("loc", "scale")

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    def _uniform(self, sample_shape, low: float, high: float) -> Tensor:
        """Uniform draws on [low, high) in the batch's shape, dtype and device."""
        shape = self._extended_shape(sample_shape)
        return low + rand(*shape, dtype=self.loc.dtype, device=self.loc.device) * (high - low)

    def _eps(self) -> float:
        return float(np.finfo(self.loc.dtype.np).eps)


class Laplace(LocationScale):
    """Density exp(-|x - loc| / scale) / (2 scale)."""

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """sqrt(2) scale."""
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Tensor:
        """2 scale**2."""
        return 2 * self.scale.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc - scale sign(u) log1p(-|u|), u uniform on [eps - 1, 1) (PyTorch's draw)."""
        u = self._uniform(sample_shape, self._eps() - 1, 1.0)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(2 scale) - |value - loc| / scale."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """1/2 - sign(value - loc) expm1(-|value - loc| / scale) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        """loc - scale sign(value - 1/2) log1p(-2 |value - 1/2|)."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """1 + log(2 scale)."""
        return 1 + (2 * self.scale).log()


class Gumbel(LocationScale):
    """The type-I extreme value distribution: cdf exp(-exp(-(x - loc) / scale))."""

    @property
    def mean(self) -> Tensor:
        """loc + scale * Euler's gamma."""
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def stddev(self) -> Tensor:
        """pi scale / sqrt(6)."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """(pi scale)**2 / 6."""
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc - scale log(-log u), u uniform on [tiny, 1 - eps) (PyTorch's base Uniform)."""
        tiny = float(np.finfo(self.loc.dtype.np).tiny)
        u = self._uniform(sample_shape, tiny, 1 - self._eps())
        return self.loc - self.scale * (-u.log()).log()

    def log_prob(self, value: Tensor) -> Tensor:
        """y - exp(y) - log(scale), y = (loc - value) / scale."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    def cdf(self, value: Tensor) -> Tensor:
        """exp(-exp(-(value - loc) / scale))."""
        if self._validate_args:
            self._validate_sample(value)
        return (-((self.loc - value) / self.scale).exp()).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """loc - scale log(-log(value))."""
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self) -> Tensor:
        """log(scale) + 1 + Euler's gamma."""
        return self.scale.log() + (1 + _EULER_GAMMA)


class Cauchy(LocationScale):
    """Density 1 / (pi scale (1 + ((x - loc) / scale)**2)); no mean (NaN) or variance (inf)."""

    def _filled(self, fill: float) -> Tensor:
        return full(tuple(self._extended_shape()), fill, dtype=self.loc.dtype, device=self.loc.device)

    @property
    def mean(self) -> Tensor:
        """NaN, as PyTorch's."""
        return self._filled(math.nan)

    @property
    def variance(self) -> Tensor:
        """inf, as PyTorch's."""
        return self._filled(math.inf)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + eps * scale, eps standard Cauchy."""
        shape = self._extended_shape(sample_shape)
        eps = cauchy_(empty(*shape, dtype=self.loc.dtype, device=self.loc.device))
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(pi) - log(scale) - log1p(((value - loc) / scale)**2)."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - ((value - self.loc) / self.scale).pow(2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """atan((value - loc) / scale) / pi + 1/2."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale tan(pi (value - 1/2))."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """log(4 pi) + log(scale)."""
        return math.log(4 * math.pi) + self.scale.log()
