"""`Distribution`, the base of dualgrad's torch.distributions: shapes, argument and sample
validation with PyTorch's ValueError texts, `sample` as a no-grad `rsample`, `expand`.

Parameters and values are dualgrad tensors and all the math (log_prob, entropy, KL) is
composed of dg functions (registry ops), so gradients flow to the parameters and
`dg.compile` / `dualgrad.symbolic` see the formulas. Draws come from dualgrad's global stream
(`dg.manual_seed`)."""
from __future__ import annotations

import numbers

import numpy as np

from ..eager.creation import tensor
from ..eager.grad_mode import no_grad
from ..eager.tensor import Size, Tensor
from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from . import constraints


class Distribution:
    """A batch of distributions of shape `batch_shape`, each over events of `event_shape`."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # PyTorch's default (`__debug__`)
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: constraints.Constraint | None = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turns argument and sample validation on or off for new distributions."""
        if value not in (True, False):
            raise DualgradValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None) -> None:
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint) or param not in self._given:
                    continue  # (a parameter computed from the given one is not checked)
                value = getattr(self, param)
                if not constraints._where_all(constraint.check(value)):
                    raise DualgradValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                        f"of distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                        f"invalid values:\n{value}\n{user_line()}")

    _given: tuple[str, ...] = ()  # the parameters the user passed (validated, expanded)

    @property
    def batch_shape(self) -> Size:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def mean(self) -> Tensor:
        """The mean of the distribution."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def mode(self) -> Tensor:
        """The mode of the distribution."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no mode")

    @property
    def variance(self) -> Tensor:
        """The variance of the distribution."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, the square root of the variance."""
        return self.variance.sqrt()

    def sample(self, sample_shape=()) -> Tensor:
        """A sample of shape `sample_shape + batch_shape + event_shape`, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterised sample: differentiable with respect to the parameters."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no rsample (it is not "
                                          f"reparameterisable) {user_line()}")

    def sample_n(self, n: int) -> Tensor:
        """`n` samples (PyTorch's deprecated spelling of `sample((n,))`)."""
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the probability density/mass at `value`."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy, batched over `batch_shape`."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no entropy")

    def perplexity(self) -> Tensor:
        """exp(entropy)."""
        return self.entropy().exp()

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at `value`."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cumulative distribution function at `value`."""
        raise DualgradNotImplementedError(f"{type(self).__name__} has no icdf")

    def expand(self, batch_shape, _instance=None) -> Distribution:
        """The same distribution with its parameters expanded to `batch_shape` (views, so
        gradients reach the originals)."""
        batch_shape = Size(tuple(batch_shape))
        new = type(self).__new__(type(self))
        new._given = self._given
        for name in self._given:
            value = getattr(self, name)
            event = tuple(value.shape)[len(self.batch_shape):]
            setattr(new, name, value.expand(*batch_shape, *event))
        new._set_up(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _set_up(self, batch_shape: Size) -> None:
        """Derived attributes after the parameters are set (by `expand`)."""

    def _extended_shape(self, sample_shape=()) -> Size:
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise DualgradValueError(f"The value argument to log_prob must be a Tensor {user_line()}")
        event_dim = len(self._event_shape)
        shape = tuple(value.shape)
        if shape[len(shape) - event_dim:] != tuple(self._event_shape):
            raise DualgradValueError(f"The right-most size of value must match event_shape: {Size(shape)} vs "
                                     f"{self._event_shape}. {user_line()}")
        actual, expected = shape, tuple(self._batch_shape) + tuple(self._event_shape)
        for i, j in zip(reversed(actual), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise DualgradValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                         f"{Size(actual)} vs {Size(expected)}. {user_line()}")
        support = self.support
        if not constraints._where_all(support.check(value)):
            raise DualgradValueError(
                f"Expected value argument ({type(value).__name__} of shape {shape}) to be within the support "
                f"({support!r}) of the distribution {self!r}, but found invalid values:\n{value}\n"
                f"{user_line()}")

    def __repr__(self) -> str:
        names = [p for p in self.arg_constraints if p in self._given]
        values = {p: getattr(self, p) for p in names}
        shown = ", ".join(f"{p}: {v if v.numel() == 1 else v.size()}" for p, v in values.items())
        return f"{type(self).__name__}({shown})"


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Numbers and tensors broadcast to one shape (torch.distributions.utils.broadcast_all):
    numbers become tensors of the tensors' dtype and device (the default float without one)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    if len(tensors) + sum(isinstance(v, numbers.Number) for v in values) != len(values):
        raise DualgradValueError(f"Input arguments must all be instances of numbers.Number or Tensor "
                                 f"(got {[type(v).__name__ for v in values]}) {user_line()}")
    like = tensors[0] if tensors else None
    dtype = like.dtype if like is not None and like.dtype.is_floating_point else None  # (dg.tensor's default)
    device = like.device if like is not None else None
    as_tensors = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype, device=device)
                  for v in values]
    shape = np.broadcast_shapes(*(tuple(v.shape) for v in as_tensors))
    return tuple(v if tuple(v.shape) == shape else v.expand(*shape) for v in as_tensors)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept in [eps, 1 - eps] of their dtype, so their logs stay finite."""
    eps = float(np.finfo(probs.dtype.np).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (`is_binary`) or log-probabilities of (clamped) probabilities."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid of log-odds (`is_binary`), else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)
