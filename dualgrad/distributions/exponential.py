"""`Exponential(rate)`, PyTorch's torch.distributions.Exponential over registry ops."""
from __future__ import annotations

from ..eager.creation import empty
from ..eager.random_more import exponential_
from ..eager.tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all


class Exponential(Distribution):
    """Exponential with `rate`; `rsample` is `E / rate`, E standard exponential."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _given = ("rate",)

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.rate * 0

    @property
    def stddev(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """rate ** -2."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()) -> Tensor:
        """`E / rate`: d sample / d rate = -E / rate**2."""
        shape = self._extended_shape(sample_shape)
        e = exponential_(empty(*shape, dtype=self.rate.dtype, device=self.rate.device))
        return e / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        """log(rate) - rate * value."""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def entropy(self) -> Tensor:
        """1 - log(rate)."""
        return 1.0 - self.rate.log()

    def cdf(self, value: Tensor) -> Tensor:
        """1 - exp(-rate * value)."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """-log(1 - value) / rate."""
        return -(-value).log1p() / self.rate
