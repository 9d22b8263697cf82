"""`LogNormal(loc, scale)` and `HalfNormal(scale)`, PyTorch's transformed normals, as a `Normal`
base (`base_dist`, which validates the parameters as PyTorch's does) and the transform written
out: exp for LogNormal, abs for HalfNormal."""
from __future__ import annotations

import math

from ..eager import api
from ..eager.tensor import Tensor
from . import constraints
from .distribution import Distribution
from .normal import Normal


class _NormalBased(Distribution):
    """A distribution read off a `Normal` base: shapes and expansion are the base's."""

    arg_constraints: dict = {}
    has_rsample = True

    def _wrap(self, base: Normal, validate_args: bool | None) -> None:
        self.base_dist = base
        super().__init__(base.batch_shape, validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        """The base normal's scale."""
        return self.base_dist.scale

    def expand(self, batch_shape, _instance=None) -> _NormalBased:
        """The same distribution with the base expanded to `batch_shape`."""
        new = type(self).__new__(type(self))
        new._wrap(self.base_dist.expand(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new


class LogNormal(_NormalBased):
    """exp(X), X ~ Normal(loc, scale); `rsample` is exp of the normal's."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self._wrap(Normal(loc, scale, validate_args=validate_args), validate_args)

    @property
    def loc(self) -> Tensor:
        """The base normal's mean (the mean of log X)."""
        return self.base_dist.loc

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale**2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """exp(loc - scale**2)."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        """expm1(scale**2) exp(2 loc + scale**2)."""
        scale2 = self.scale.pow(2)
        return scale2.expm1() * (2 * self.loc + scale2).exp()

    def rsample(self, sample_shape=()) -> Tensor:
        """exp of the normal's reparameterised sample."""
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value: Tensor) -> Tensor:
        """The normal's log density at log(value), minus log(value) (the Jacobian)."""
        if self._validate_args:
            self._validate_sample(value)
        log_value = value.log()
        return self.base_dist.log_prob(log_value) - log_value

    def entropy(self) -> Tensor:
        """The normal's entropy plus loc."""
        return self.base_dist.entropy() + self.loc

    def cdf(self, value: Tensor) -> Tensor:
        """The normal's cdf at log(value)."""
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(value.log())

    def icdf(self, value: Tensor) -> Tensor:
        """exp of the normal's icdf."""
        return self.base_dist.icdf(value).exp()


class FoldedAtZero:
    """|X| of a distribution symmetric about 0 (`self.base_dist`): its density doubled on
    [0, inf), its cdf 2 F - 1, its icdf F^-1((p + 1) / 2), its entropy less log 2
    (HalfNormal's and HalfCauchy's)."""

    def log_prob(self, value: Tensor) -> Tensor:
        """The base's log density plus log 2 at value >= 0, -inf below."""
        if self._validate_args:
            self._validate_sample(value)
        return api.where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def entropy(self) -> Tensor:
        """The base's entropy minus log 2."""
        return self.base_dist.entropy() - math.log(2)

    def cdf(self, value: Tensor) -> Tensor:
        """2 F(value) - 1, F the base's cdf."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Tensor) -> Tensor:
        """The base's icdf at (value + 1) / 2."""
        return self.base_dist.icdf((value + 1) / 2)


class HalfNormal(FoldedAtZero, _NormalBased):
    """|X|, X ~ Normal(0, scale); `rsample` is abs of the normal's."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        self._wrap(Normal(0, scale, validate_args=validate_args), validate_args)

    @property
    def mean(self) -> Tensor:
        """scale sqrt(2 / pi)."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.scale * 0

    @property
    def variance(self) -> Tensor:
        """scale**2 (1 - 2 / pi)."""
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape=()) -> Tensor:
        """abs of the normal's reparameterised sample."""
        return self.base_dist.rsample(sample_shape).abs()

