"""`Bernoulli(probs=None, logits=None)`, PyTorch's torch.distributions.Bernoulli over
registry ops: log_prob and entropy are `binary_cross_entropy_with_logits` of the logits."""
from __future__ import annotations

from ..eager.grad_mode import no_grad
from ..eager.random_more import bernoulli
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from ..nn import functional as F
from . import constraints
from .distribution import Distribution, broadcast_all, logits_to_probs, probs_to_logits


def one_parameter(probs, logits) -> str:
    """Which of probs / logits was given (exactly one must be: PyTorch's ValueError)."""
    if (probs is None) == (logits is None):
        raise DualgradValueError(f"Either `probs` or `logits` must be specified, but not both. {user_line()}")
    return "probs" if probs is not None else "logits"


def set_given_parameter(dist: Distribution, probs, logits) -> Tensor:
    """Sets on `dist` the one of probs / logits that was given, as a tensor, and returns it."""
    name = one_parameter(probs, logits)
    dist._given = (name,)
    (value,) = broadcast_all(probs if name == "probs" else logits)
    setattr(dist, name, value)
    return value


class Bernoulli(Distribution):
    """0/1 with probability `probs` (or sigmoid(`logits`)); the other parameter is computed
    from the given one on each read (probs clamped away from 0 and 1 for the logits)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        value = set_given_parameter(self, probs, logits)
        super().__init__(value.shape, validate_args=validate_args)

    def __getattr__(self, name: str):
        if name == "probs" and "logits" in self.__dict__:
            return logits_to_probs(self.logits, is_binary=True)
        if name == "logits" and "probs" in self.__dict__:
            return probs_to_logits(self.probs, is_binary=True)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def param_shape(self):
        """The shape of the given parameter."""
        return getattr(self, self._given[0]).shape

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, NaN at exactly 1/2."""
        p = self.probs
        return (p >= 0.5).type_as(p).masked_fill(p == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        """probs * (1 - probs)."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """0/1 draws (float, probs' dtype), of shape `sample_shape + batch_shape`."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.detach().expand(*shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """-binary_cross_entropy_with_logits(logits, value)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        """binary_cross_entropy_with_logits(logits, probs)."""
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """[0, 1] along a new leading dim (expanded over the batch unless `expand=False`)."""
        from ..eager.creation import tensor

        p = getattr(self, self._given[0])
        values = tensor([0.0, 1.0], dtype=p.dtype, device=p.device).reshape(2, *(1,) * len(self.batch_shape))
        return values.expand(2, *self.batch_shape) if expand else values
