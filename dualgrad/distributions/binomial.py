"""`Binomial(total_count=1, probs=None, logits=None)`, `NegativeBinomial(total_count, probs=None,
logits=None)` and `Multinomial(total_count=1, probs=None, logits=None)`, PyTorch's
torch.distributions classes over registry ops (`lgamma`, `softplus`, `logsigmoid`), so
`log_prob` is differentiable in the probabilities / logits. Samples are drawn outside the graph
from the global stream: numpy's binomial for Binomial, Poisson(Gamma) for NegativeBinomial (as
PyTorch), and `total_count` Categorical draws counted per category for Multinomial."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..eager import api
from ..eager.creation import arange
from ..eager.grad_mode import no_grad
from ..eager.random_more import _host, _sampled, poisson
from ..eager.tensor import Size, Tensor
from ..errors import DualgradNotImplementedError, user_line
from ..nn import functional as F
from ..random import numpy_rng
from . import constraints
from .bernoulli import Bernoulli, one_parameter
from .categorical import Categorical
from .discrete import CategoricalParameters
from .distribution import Distribution, broadcast_all
from .gamma import Gamma


def _count_and_parameter(dist: Distribution, total_count, probs, logits) -> Tensor:
    """Sets total_count (in the parameter's dtype) and the given one of probs / logits, broadcast."""
    name = one_parameter(probs, logits)
    dist._given = ("total_count", name)
    total, value = broadcast_all(total_count, probs if name == "probs" else logits)
    dist.total_count = total.type_as(value)
    setattr(dist, name, value)
    return value


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) whose gradient at 0 is 1/2 (PyTorch's `_clamp_by_zero`)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(Distribution):
    """The number of successes in `total_count` Bernoulli(probs) trials."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True
    __getattr__ = Bernoulli.__getattr__

    def __init__(self, total_count=1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        value = _count_and_parameter(self, total_count, probs, logits)
        super().__init__(value.shape, validate_args=validate_args)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The integers 0 .. total_count."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return getattr(self, self._given[1]).shape

    @property
    def mean(self) -> Tensor:
        """total_count probs."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """floor((total_count + 1) probs), at most total_count."""
        return api.minimum(((self.total_count + 1) * self.probs).floor(), self.total_count)

    @property
    def variance(self) -> Tensor:
        """total_count probs (1 - probs)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """Counts (float, probs' dtype) of shape `sample_shape + batch_shape`, outside the graph."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            probs = self.probs.detach()
            n = np.broadcast_to(_host(self.total_count, "Binomial.sample"), shape).astype(np.int64)
            p = np.broadcast_to(_host(probs, "Binomial.sample"), shape)
            return _sampled(numpy_rng(None).binomial(n, p).astype(np.float64), probs)

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k logits - n log(1 + exp(logits)),
        the last term as PyTorch's stable `n max(logits, 0) + n log1p(exp(-|logits|))`."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        normalize = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - normalize

    def entropy(self) -> Tensor:
        """-sum p log p over the support 0 .. total_count (one total_count for the whole batch)."""
        if int(self.total_count.min().item()) != int(self.total_count.max().item()):
            raise DualgradNotImplementedError(
                f"Inhomogeneous total count not supported by `entropy`. {user_line()}")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. total_count along a new leading dim (the batch must share one total_count)."""
        total = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != total:
            raise DualgradNotImplementedError(
                f"Inhomogeneous total count not supported by `enumerate_support`. {user_line()}")
        values = arange(1 + total, dtype=self.total_count.dtype, device=self.total_count.device)
        values = values.reshape(-1, *(1,) * len(self.batch_shape))
        return values.expand(-1, *self.batch_shape) if expand else values


class NegativeBinomial(Distribution):
    """The number of successes before `total_count` failures of Bernoulli(probs) trials
    (`total_count` may be any positive real)."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer
    __getattr__ = Bernoulli.__getattr__

    def __init__(self, total_count, probs=None, logits=None, validate_args: bool | None = None) -> None:
        value = _count_and_parameter(self, total_count, probs, logits)
        super().__init__(value.shape, validate_args=validate_args)

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return getattr(self, self._given[1]).shape

    @property
    def mean(self) -> Tensor:
        """total_count exp(logits) (= total_count probs / (1 - probs))."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        """floor((total_count - 1) exp(logits)), at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """mean / (1 - probs)."""
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=()) -> Tensor:
        """Poisson(Gamma(total_count, rate exp(-logits))) counts, outside the graph."""
        with no_grad():
            gamma = Gamma(self.total_count.detach(), (-self.logits.detach()).exp(), validate_args=False)
            return poisson(gamma.sample(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """n logsigmoid(-logits) + k logsigmoid(logits) + lgamma(n + k) - lgamma(k + 1) - lgamma(n)
        (the lgamma terms 0 where n + k = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        unnormalized = n * F.logsigmoid(-logits) + value * F.logsigmoid(logits)
        normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        return unnormalized - api.where(n + value == 0.0, 0.0, normalization)


class Multinomial(CategoricalParameters, Distribution):
    """Counts of `total_count` Categorical(probs) draws over the last dim (the event)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}

    def __init__(self, total_count: int = 1, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, numbers.Integral):
            raise DualgradNotImplementedError(f"inhomogeneous total_count is not supported {user_line()}")
        self.total_count = int(total_count)
        self._wrap(Categorical(probs=probs, logits=logits, validate_args=validate_args), validate_args)

    def _wrap(self, categorical: Categorical, validate_args: bool | None) -> None:
        self._categorical = categorical
        super().__init__(categorical.batch_shape, categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Multinomial:
        """The same distribution with the categorical expanded to `batch_shape`."""
        new = type(self).__new__(type(self))
        new.total_count = self.total_count
        new._wrap(self._categorical.expand(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """Nonnegative integer counts summing to at most total_count."""
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        """total_count probs."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """total_count probs (1 - probs)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """Counts (float, probs' dtype) of shape `sample_shape + batch_shape + (K,)`, outside the graph."""
        with no_grad():
            draws = self._categorical.sample((self.total_count, *tuple(sample_shape)))
            k = self._event_shape[0]
            hot = draws.unsqueeze(-1) == arange(k, device=draws.device)
            counts = hot.type_as(self.probs).sum(0)
            return counts.expand(*self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(sum x + 1) - sum lgamma(x + 1) + sum x logits (a -inf logit counts 0 where x = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = api.where((value == 0) & (logits == -np.inf), 0.0, logits)
        return (value.sum(-1) + 1).lgamma() - (value + 1).lgamma().sum(-1) + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        """n H(categorical) - lgamma(n + 1) + sum_k E[lgamma(x_k + 1)], x_k ~ Binomial(n, p_k)."""
        n = self.total_count
        binomial = Binomial(n, self.probs, validate_args=False)
        support = binomial.enumerate_support(expand=False)[1:]
        weights = (support + 1).lgamma()
        term2 = (binomial.log_prob(support).exp() * weights).sum(dim=(0, -1))
        return n * self._categorical.entropy() - math.lgamma(n + 1) + term2

    def __repr__(self) -> str:
        return "Multinomial()"
