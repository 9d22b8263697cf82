"""`Categorical(probs=None, logits=None)`, PyTorch's torch.distributions.Categorical over
registry ops: logits are normalised with `logsumexp`, probs with a sum or `softmax`."""
from __future__ import annotations

import numpy as np

from ..eager import api
from ..eager.creation import full, tensor
from ..eager.grad_mode import no_grad
from ..eager.random_more import multinomial
from ..eager.tensor import Size, Tensor
from ..errors import DualgradValueError, user_line
from . import constraints
from .bernoulli import one_parameter
from .distribution import Distribution, logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """One of `K` categories (the last dim of probs / logits), batched over the others.
    Samples are int64 indices."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        name = one_parameter(probs, logits)
        value = probs if name == "probs" else logits
        if not isinstance(value, Tensor) or value.ndim < 1:
            raise DualgradValueError(f"`{name}` parameter must be at least one-dimensional. {user_line()}")
        self._given = (name,)
        if name == "probs":
            self.probs = value / value.sum(-1, keepdim=True)
        else:
            self.logits = value - value.logsumexp(dim=-1, keepdim=True)
        self._set_up(Size(tuple(value.shape[:-1])))
        super().__init__(self._batch_shape, validate_args=validate_args)

    def _set_up(self, batch_shape: Size) -> None:
        self._num_events = getattr(self, self._given[0]).shape[-1]
        self._batch_shape = batch_shape

    def __getattr__(self, name: str):
        if name == "probs" and "logits" in self.__dict__:
            return logits_to_probs(self.logits)
        if name == "logits" and "probs" in self.__dict__:
            return probs_to_logits(self.probs)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The integers 0 .. K-1."""
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter (batch_shape + (K,))."""
        return getattr(self, self._given[0]).shape

    def _nan(self) -> Tensor:
        p = getattr(self, self._given[0])
        return full(tuple(self.batch_shape), float("nan"), dtype=p.dtype, device=p.device)

    @property
    def mean(self) -> Tensor:
        """NaN (the categories are labels), as PyTorch's."""
        return self._nan()

    @property
    def mode(self) -> Tensor:
        """The most probable category."""
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        """NaN, as PyTorch's."""
        return self._nan()

    def sample(self, sample_shape=()) -> Tensor:
        """int64 category indices of shape `sample_shape + batch_shape`."""
        shape = tuple(sample_shape)
        n = int(np.prod(shape, dtype=np.int64))
        with no_grad():
            probs_2d = self.probs.detach().reshape(-1, self._num_events)
            if n == 0:
                return tensor(np.zeros(self._extended_shape(sample_shape), np.int64), device=probs_2d.device)
            samples_2d = multinomial(probs_2d, n, True).T
            return samples_2d.reshape(*self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """The normalised logit of category `value` (value broadcasts with batch_shape), picked
        by comparing `value` with 0 .. K-1, so the gradient reaches that logit alone."""
        if self._validate_args:
            self._validate_sample(value)
        logits = self.logits
        categories = tensor(np.arange(self._num_events), device=logits.device)
        picked = value.long().unsqueeze(-1) == categories  # (a comparison, not gather: dg.compile traces it)
        return api.where(picked, logits, 0.0).sum(-1)

    def entropy(self) -> Tensor:
        """-sum(probs * logits), with -inf logits (probability 0) read as the dtype's lowest
        number, so 0 * log 0 counts 0."""
        lowest = float(np.finfo(self.logits.dtype.np).min)
        logits = self.logits.clamp(min=lowest)
        return -api.sum(logits * self.probs, -1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. K-1 along a new leading dim (expanded over the batch unless `expand=False`)."""
        p = getattr(self, self._given[0])
        values = tensor(np.arange(self._num_events), device=p.device)
        values = values.reshape(-1, *(1,) * len(self.batch_shape))
        return values.expand(-1, *self.batch_shape) if expand else values
