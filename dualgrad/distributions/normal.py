"""`Normal(loc, scale)`, PyTorch's torch.distributions.Normal over registry ops."""
from __future__ import annotations

import math

from ..eager.random_more import randn
from ..eager.tensor import Tensor
from .location_scale import LocationScale

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(LocationScale):
    """The normal distribution N(loc, scale**2); `rsample` is `loc + eps * scale`, eps ~ N(0, 1)."""

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """scale."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """scale ** 2."""
        return self.scale.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        """`loc + eps * scale` with eps standard normal: d sample / d loc = 1, d sample / d scale = eps."""
        shape = self._extended_shape(sample_shape)
        eps = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """-(value - loc)**2 / (2 scale**2) - log(scale) - log(sqrt(2 pi))."""
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - _HALF_LOG_2PI

    def entropy(self) -> Tensor:
        """1/2 + log(sqrt(2 pi)) + log(scale)."""
        return 0.5 + _HALF_LOG_2PI + self.scale.log()

    def cdf(self, value: Tensor) -> Tensor:
        """(1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale sqrt(2) erfinv(2 value - 1), PyTorch's form (-inf at 0, inf at 1)."""
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)
