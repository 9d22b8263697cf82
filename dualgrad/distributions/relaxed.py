"""PyTorch's relaxed (Concrete / Gumbel-softmax) distributions: `LogitRelaxedBernoulli`,
`RelaxedBernoulli(temperature, probs=None, logits=None)` (its sigmoid), `ExpRelaxedCategorical`
and `RelaxedOneHotCategorical(temperature, probs=None, logits=None)` (its exp, on the simplex).
Their `rsample` is PyTorch's reparameterised draw from clamped uniforms (logistic / Gumbel
noise), so gradients reach the logits or probs and the temperature; `log_prob` is PyTorch's
density composed of registry ops."""
from __future__ import annotations

import numbers

from ..eager.creation import full_like, tensor
from ..eager.random_more import rand
from ..eager.tensor import Size, Tensor
from . import constraints
from .bernoulli import Bernoulli, set_given_parameter
from .categorical import Categorical
from .distribution import Distribution, broadcast_all, clamp_probs
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform


def _as_tensor(temperature, like: Tensor) -> Tensor:
    """A number temperature as a tensor of the parameter's dtype and device (a tensor as given)."""
    if isinstance(temperature, numbers.Number):
        return tensor(float(temperature), dtype=like.dtype, device=like.device)
    return temperature


class _RelaxedParameters:
    """temperature, logits and probs read from the base distribution (`self.base_dist`) of a
    relaxed distribution: RelaxedBernoulli's and RelaxedOneHotCategorical's."""

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The base's logits."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The base's probabilities."""
        return self.base_dist.probs


class LogitRelaxedBernoulli(Distribution):
    """The logit of a RelaxedBernoulli: (logit(u) + logits) / temperature, u uniform."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True
    __getattr__ = Bernoulli.__getattr__
    param_shape = Bernoulli.param_shape

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        value = set_given_parameter(self, probs, logits)
        self.temperature = _as_tensor(temperature, value)
        super().__init__(value.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> LogitRelaxedBernoulli:
        """The same distribution with the parameter expanded to `batch_shape`."""
        new = super().expand(batch_shape)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        """(log u - log1p(-u) + logits) / temperature, u uniform clamped into (0, 1)."""
        shape = self._extended_shape(sample_shape)
        logits = self.logits
        u = clamp_probs(rand(*shape, dtype=logits.dtype, device=logits.device))
        return (u.log() - (-u).log1p() + logits) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """log(temperature) + d - 2 log1p(exp(d)), d = logits - value temperature."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(_RelaxedParameters, TransformedDistribution):
    """A relaxed (Concrete) Bernoulli on (0, 1): sigmoid of a LogitRelaxedBernoulli."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)



class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical: log_softmax((logits + Gumbel noise) / temperature)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._wrap(Categorical(probs, logits), temperature, validate_args)

    def _wrap(self, categorical: Categorical, temperature, validate_args: bool | None) -> None:
        self._categorical = categorical
        self.temperature = _as_tensor(temperature, categorical.logits)
        super().__init__(categorical.batch_shape, categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> ExpRelaxedCategorical:
        """The same distribution with the categorical expanded to `batch_shape`."""
        new = type(self).__new__(type(self))
        new._wrap(self._categorical.expand(Size(tuple(batch_shape))), self.temperature, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        """The categorical's normalised logits."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The categorical's probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape=()) -> Tensor:
        """s - logsumexp(s), s = (logits - log(-log u)) / temperature, u uniform clamped into (0, 1)."""
        shape = self._extended_shape(sample_shape)
        logits = self.logits
        u = clamp_probs(rand(*shape, dtype=logits.dtype, device=logits.device))
        scores = (logits - (-u.log()).log()) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """PyTorch's density: lgamma(K) + (K - 1) log(temperature) + sum log_softmax(logits - value t)."""
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = full_like(self.temperature, float(k)).lgamma() + (k - 1) * self.temperature.log()
        score = logits - value * self.temperature
        return (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1) + log_scale

    def __repr__(self) -> str:
        return "ExpRelaxedCategorical()"


class RelaxedOneHotCategorical(_RelaxedParameters, TransformedDistribution):
    """A relaxed one-hot categorical (Gumbel-softmax / Concrete) on the simplex: exp of an
    ExpRelaxedCategorical, `rsample` a softmax of Gumbel-perturbed logits over temperature."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

