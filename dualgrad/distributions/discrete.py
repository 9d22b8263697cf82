"""`OneHotCategorical(probs=None, logits=None)`, `Geometric(probs=None, logits=None)` and
`Poisson(rate)`, PyTorch's torch.distributions classes over registry ops. Samples are drawn
outside the graph (there is no reparameterisation); log_prob and entropy are differentiable."""
from __future__ import annotations

import numpy as np

from ..eager import api
from ..eager.creation import arange, eye
from ..eager.grad_mode import no_grad
from ..eager.random_more import poisson, rand
from ..eager.tensor import Size, Tensor
from ..errors import DualgradValueError, user_line
from ..nn import functional as F
from . import constraints
from .bernoulli import Bernoulli, set_given_parameter
from .categorical import Categorical
from .distribution import Distribution, broadcast_all


class CategoricalParameters:
    """probs, logits and param_shape read from the Categorical a distribution wraps
    (`self._categorical`): OneHotCategorical's and Multinomial's."""

    @property
    def probs(self) -> Tensor:
        """The categorical's probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The categorical's normalised logits."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return self._categorical.param_shape


class OneHotCategorical(CategoricalParameters, Distribution):
    """A `Categorical` whose samples are one-hot vectors over its last dim (the event)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._wrap(Categorical(probs, logits, validate_args=validate_args), validate_args)

    def _wrap(self, categorical: Categorical, validate_args: bool | None) -> None:
        self._categorical = categorical
        super().__init__(categorical.batch_shape, categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> OneHotCategorical:
        """The same distribution with the categorical expanded to `batch_shape`."""
        new = type(self).__new__(type(self))
        new._wrap(self._categorical.expand(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """The one-hot vector of the most probable category."""
        return self._one_hot(self.probs.argmax(dim=-1))

    @property
    def variance(self) -> Tensor:
        """probs (1 - probs)."""
        return self.probs * (1 - self.probs)

    def _one_hot(self, indices: Tensor) -> Tensor:
        """Rows of the identity picked by comparing indices with 0 .. K-1, in probs' dtype."""
        probs = self.probs
        k = self._event_shape[0]
        return (indices.unsqueeze(-1) == arange(k, device=probs.device)).type_as(probs)

    def sample(self, sample_shape=()) -> Tensor:
        """One-hot vectors (float, probs' dtype) of shape `sample_shape + batch_shape + (K,)`."""
        with no_grad():
            return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """The categorical's log_prob of the hot index."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self) -> Tensor:
        """The categorical's entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The K one-hot vectors along a new leading dim (expanded over the batch unless `expand=False`)."""
        k = self._event_shape[0]
        probs = self.probs
        values = eye(k, dtype=probs.dtype, device=probs.device).reshape(k, *(1,) * len(self.batch_shape), k)
        return values.expand(k, *self.batch_shape, k) if expand else values

    def __repr__(self) -> str:
        return "OneHotCategorical()"


class Geometric(Distribution):
    """The number of failures before the first success of Bernoulli(probs) trials (0, 1, 2, ...).
    Not a Bernoulli subclass (so no Bernoulli KL rule applies to it), but it reads probs / logits
    as Bernoulli does."""

    arg_constraints = Bernoulli.arg_constraints
    support = constraints.nonnegative_integer
    __getattr__ = Bernoulli.__getattr__
    param_shape = Bernoulli.param_shape

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        value = set_given_parameter(self, probs, logits)
        super().__init__(value.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not constraints._where_all(self.probs > 0):
            value = self.probs
            invalid = value[~(value > 0)]
            raise DualgradValueError(
                f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) of "
                f"distribution {self!r} to be positive but found invalid values:\n{invalid}\n{user_line()}")

    @property
    def mean(self) -> Tensor:
        """1 / probs - 1."""
        return self.probs.reciprocal() - 1

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        """(1 / probs - 1) / probs."""
        return (self.probs.reciprocal() - 1) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        """floor(log u / log(1 - probs)), u uniform on [tiny, 1) (PyTorch's inversion)."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            probs = self.probs.detach()
            tiny = float(np.finfo(probs.dtype.np).tiny)
            u = rand(*shape, dtype=probs.dtype, device=probs.device).clamp(min=tiny)
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """value log(1 - probs) + log(probs), with 0 log 0 = 0 at probs = 1, value = 0."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = api.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """binary_cross_entropy_with_logits(logits, probs) / probs."""
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs


class Poisson(Distribution):
    """Counts with mean `rate`: P(k) = rate**k exp(-rate) / k!."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _given = ("rate",)

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """rate."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate)."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """rate."""
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        """Counts (float, rate's dtype) of shape `sample_shape + batch_shape`, by `dg.poisson`."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return poisson(self.rate.detach().expand(*shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """xlogy(value, rate) - rate - lgamma(value + 1)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


