"""`StudentT(df, loc, scale)`, `Chi2(df)`, `HalfCauchy(scale)`, `Weibull(scale, concentration)` and
`Pareto(scale, alpha)`, PyTorch's torch.distributions classes over registry ops (`lgamma`,
`digamma`, `log1p`). HalfCauchy, Weibull and Pareto are PyTorch's `TransformedDistribution`s (a
Cauchy through `AbsTransform`, a unit Exponential through `PowerTransform(1 / concentration)` and
`AffineTransform(0, scale)`, an Exponential(alpha) through `ExpTransform` and
`AffineTransform(0, scale)`), so their samples are reparameterised and `log_prob` / `cdf` come
through the transforms. Chi2 is a Gamma(df / 2, 1 / 2), sampled outside the graph as Gamma is."""
from __future__ import annotations

import math

from ..eager import api
from ..eager.creation import full, ones_like, zeros_like
from ..eager.grad_mode import no_grad
from ..eager.random_more import randn
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, user_line
from . import constraints
from .distribution import Distribution, broadcast_all
from .exponential import Exponential
from .gamma import Gamma
from .location_scale import Cauchy
from .log_normal import FoldedAtZero
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform, AffineTransform, ExpTransform, PowerTransform

_EULER_GAMMA = 0.57721566490153286061


class Chi2(Gamma):
    """The chi-squared distribution with `df` degrees of freedom: Gamma(df / 2, rate 1 / 2)."""

    arg_constraints = {"df": constraints.positive}
    _given = ("df",)

    def __init__(self, df, validate_args: bool | None = None) -> None:
        (df,) = broadcast_all(df)
        self.concentration, self.rate = broadcast_all(0.5 * df, 0.5 * ones_like(df))
        Distribution.__init__(self, df.shape, validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        """Degrees of freedom: 2 concentration."""
        return self.concentration * 2

    def expand(self, batch_shape, _instance=None) -> Chi2:
        """The same distribution with df expanded to `batch_shape`."""
        new = Chi2(self.df.expand(*batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self) -> str:
        return "Chi2()"


class StudentT(Distribution):
    """Student's t with `df` degrees of freedom, location `loc` and scale `scale`."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _given = ("df", "loc", "scale")

    def __init__(self, df, loc=0.0, scale=1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df, validate_args=validate_args)  # (a bad df is reported as the Chi2's)
        super().__init__(self.df.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """loc, NaN where df <= 1."""
        return api.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale**2 df / (df - 2) where df > 2, inf for 1 < df <= 2, NaN for df <= 1."""
        df = self.df
        finite = self.scale.pow(2) * df / api.where(df > 2, df - 2, 1.0)
        return api.where(df > 2, finite, api.where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + scale X / sqrt(Z / df), X standard normal, Z chi-squared(df) drawn outside the graph:
        reparameterised in loc and scale; a df that requires grad raises (no implicit gamma gradient)."""
        if self.df.requires_grad:
            raise DualgradNotImplementedError(
                f"StudentT.rsample: df requires grad, and dualgrad has no reparameterised gamma sampler for "
                f"the chi-squared draw (PyTorch's needs the implicit gradient of the incomplete gamma "
                f"function); detach df or use sample() {user_line()}")
        shape = self._extended_shape(sample_shape)
        x = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        with no_grad():
            df = self.df.detach()
            z = Chi2(df, validate_args=False).sample(sample_shape)
        return self.loc + self.scale * (x * (z / df).rsqrt())

    def sample(self, sample_shape=()) -> Tensor:
        """rsample's draw outside the graph."""
        with no_grad():
            d = StudentT(self.df.detach(), self.loc.detach(), self.scale.detach(), validate_args=False)
            return d.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(df + 1)/2 log1p(y**2 / df) - log(scale) - log(df pi)/2 - lgamma(df/2) + lgamma((df+1)/2)."""
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi) + (0.5 * df).lgamma()
             - (0.5 * (df + 1.0)).lgamma())
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - z

    def entropy(self) -> Tensor:
        """log(scale) + (df+1)/2 (digamma((df+1)/2) - digamma(df/2)) + log(df)/2 + log B(df/2, 1/2)."""
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma() - (0.5 * df).digamma())
                + 0.5 * df.log() + lbeta)


class HalfCauchy(FoldedAtZero, TransformedDistribution):
    """|X|, X ~ Cauchy(0, scale); `rsample` is abs of the Cauchy's."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _given = ("scale",)

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        """The base Cauchy's scale."""
        return self.base_dist.scale

    def expand(self, batch_shape, _instance=None) -> HalfCauchy:
        """The same distribution with scale expanded to `batch_shape`."""
        new = HalfCauchy(self.scale.expand(*batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """inf, as PyTorch's."""
        return full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def mode(self) -> Tensor:
        """0."""
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        """inf (the Cauchy's)."""
        return self.base_dist.variance

    def __repr__(self) -> str:
        return "HalfCauchy()"


class Weibull(TransformedDistribution):
    """cdf 1 - exp(-(x / scale)**concentration) on x > 0."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    _given = ("scale", "concentration")

    def __init__(self, scale, concentration, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        base = Exponential(ones_like(self.scale), validate_args=validate_args)
        power = PowerTransform(exponent=self.concentration.reciprocal())
        super().__init__(base, [power, AffineTransform(0, self.scale)], validate_args=validate_args)

    @property
    def concentration_reciprocal(self) -> Tensor:
        """1 / concentration."""
        return self.concentration.reciprocal()

    @property
    def mean(self) -> Tensor:
        """scale Gamma(1 + 1/k)."""
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self) -> Tensor:
        """scale ((k - 1) / k)**(1 / k) (NaN for k < 1, as PyTorch's)."""
        k = self.concentration
        return self.scale * ((k - 1) / k).pow(k.reciprocal())

    @property
    def variance(self) -> Tensor:
        """scale**2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)**2)."""
        r = self.concentration_reciprocal
        return self.scale.pow(2) * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self) -> Tensor:
        """Euler's gamma (1 - 1/k) + log(scale / k) + 1."""
        r = self.concentration_reciprocal
        return _EULER_GAMMA * (1 - r) + (self.scale * r).log() + 1


class Pareto(TransformedDistribution):
    """Density alpha scale**alpha / x**(alpha + 1) on x >= scale."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True
    _given = ("scale", "alpha")

    def __init__(self, scale, alpha, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(0, self.scale)], validate_args=validate_args)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """x >= scale."""
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Tensor:
        """alpha scale / (alpha - 1) (inf for alpha <= 1)."""
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        """scale."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """scale**2 alpha / ((alpha - 1)**2 (alpha - 2)) (inf for alpha <= 2)."""
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def entropy(self) -> Tensor:
        """log(scale / alpha) + 1 + 1 / alpha."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
