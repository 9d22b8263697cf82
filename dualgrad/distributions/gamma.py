"""`Gamma(concentration, rate)`, `Dirichlet(concentration)` and `Beta(concentration1,
concentration0)`, PyTorch's torch.distributions classes over registry ops (`lgamma`, `digamma`,
`xlogy`), so log_prob, entropy and KL are differentiable in the parameters.

Samples are gamma draws from the global stream (outside the graph). There is no `rsample`:
PyTorch differentiates its gamma sampler implicitly (the derivative of the regularised
incomplete gamma function in the concentration), which dualgrad has no registry op for, so
`rsample` raises `NotImplementedError` rather than give a wrong or partial gradient."""
from __future__ import annotations

import numbers

import numpy as np

from ..eager.creation import tensor
from ..eager.grad_mode import no_grad
from ..eager.layout import stack
from ..eager.random_more import _host, _sampled
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from ..random import numpy_rng
from . import constraints
from .distribution import Distribution, broadcast_all


def standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws in concentration's shape, dtype and device, from the global
    stream, kept at least the dtype's smallest normal number (as PyTorch clamps them)."""
    draws = numpy_rng(None).standard_gamma(_host(concentration, "_standard_gamma"))
    return _sampled(draws, concentration).clamp(min=float(np.finfo(concentration.dtype.np).tiny))


class _GammaFamily(Distribution):
    """Shared: `rsample` refused with a message naming the class."""

    has_rsample = False

    def rsample(self, sample_shape=()) -> Tensor:
        """Not available: it needs the implicit gradient of the gamma sampler (use `sample`)."""
        raise DualgradNotImplementedError(
            f"{type(self).__name__}.rsample: dualgrad has no reparameterised gamma sampler (PyTorch's needs "
            f"the implicit gradient of the incomplete gamma function in the concentration); use sample(), "
            f"which draws outside the graph, with a score-function estimator {user_line()}")


class Gamma(_GammaFamily):
    """Density rate**c x**(c - 1) exp(-rate x) / Gamma(c), c = concentration."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    _given = ("concentration", "rate")

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """concentration / rate."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """max((concentration - 1) / rate, 0)."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """concentration / rate**2."""
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=()) -> Tensor:
        """Gamma draws of shape `sample_shape + batch_shape`, outside the graph."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return standard_gamma(self.concentration.detach().expand(*shape)) / self.rate.detach()

    def log_prob(self, value: Tensor) -> Tensor:
        """xlogy(c, rate) + xlogy(c - 1, value) - rate value - lgamma(c)."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return c.xlogy(self.rate) + (c - 1).xlogy(value) - self.rate * value - c.lgamma()

    def entropy(self) -> Tensor:
        """c - log(rate) + lgamma(c) + (1 - c) digamma(c)."""
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()


class Dirichlet(_GammaFamily):
    """Over the simplex of the last dim of `concentration` (the event), batched over the others."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    _given = ("concentration",)

    def __init__(self, concentration, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise DualgradValueError(f"`concentration` parameter must be at least one-dimensional. "
                                     f"{user_line()}")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """concentration / its sum."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        """c (c0 - c) / (c0**2 (c0 + 1)), c0 the sum of c."""
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def sample(self, sample_shape=()) -> Tensor:
        """Normalised gamma draws of shape `sample_shape + batch_shape + event_shape`, outside the graph."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            g = standard_gamma(self.concentration.detach().expand(*shape))
            return g / g.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """sum xlogy(c - 1, value) + lgamma(sum c) - sum lgamma(c)."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (c - 1.0).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self) -> Tensor:
        """sum lgamma(c) - lgamma(c0) - (k - c0) digamma(c0) - sum (c - 1) digamma(c)."""
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(-1)
        return c.lgamma().sum(-1) - c0.lgamma() - (k - c0) * c0.digamma() - ((c - 1.0) * c.digamma()).sum(-1)


class Beta(_GammaFamily):
    """Over [0, 1], a two-category `Dirichlet` of (concentration1, concentration0) read at its
    first coordinate (PyTorch's construction, whose validation texts name the Dirichlet)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args: bool | None = None) -> None:
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number):
            both = tensor([float(concentration1), float(concentration0)])
        else:
            both = stack(broadcast_all(concentration1, concentration0), -1)
        self._wrap(Dirichlet(both, validate_args=validate_args), validate_args)

    def _wrap(self, dirichlet: Dirichlet, validate_args: bool | None) -> None:
        self._dirichlet = dirichlet
        super().__init__(dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Beta:
        """The same distribution with the Dirichlet expanded to `batch_shape`."""
        new = type(self).__new__(type(self))
        new._wrap(self._dirichlet.expand(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self) -> Tensor:
        """The first concentration (of x)."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """The second concentration (of 1 - x)."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        """concentration1 / (concentration1 + concentration0)."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def variance(self) -> Tensor:
        """c1 c0 / ((c1 + c0)**2 (c1 + c0 + 1))."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=()) -> Tensor:
        """The Dirichlet's first coordinate, outside the graph."""
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value: Tensor) -> Tensor:
        """The Dirichlet's log density at (value, 1 - value)."""
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        """The Dirichlet's entropy."""
        return self._dirichlet.entropy()

    def __repr__(self) -> str:
        return "Beta()"
