"""`MixtureSameFamily(mixture_distribution, component_distribution)`, PyTorch's class: a
`Categorical` over the last batch dim of the components, `log_prob` the `logsumexp` of the
components' log densities plus the mixture's log weights (differentiable in both), `mean` /
`variance` by the laws of total expectation and variance, `sample` the chosen component's
draw (outside the graph)."""
from __future__ import annotations

from ..eager import api
from ..eager.creation import arange
from ..eager.grad_mode import no_grad
from ..eager.tensor import Size, Tensor
from ..errors import DualgradValueError, user_line
from . import constraints
from .categorical import Categorical
from .distribution import Distribution


class _MixtureSameFamilyConstraint(constraints.Constraint):
    """The component support checked at a value broadcast over the components (all must hold)."""

    def __init__(self, base: constraints.Constraint) -> None:
        self.base_constraint = base
        self.is_discrete, self.event_dim = base.is_discrete, base.event_dim

    def check(self, value: Tensor) -> Tensor:
        """The base's check at the value against every component."""
        return self.base_constraint.check(value.unsqueeze(-1 - self.event_dim)).all(dim=-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """A mixture of the components along the last batch dim of `component_distribution`,
    weighted by the `Categorical` `mixture_distribution`."""

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise DualgradValueError(f" The Mixture distribution needs to be an  instance of "
                                     f"torch.distributions.Categorical {user_line()}")
        if not isinstance(component_distribution, Distribution):
            raise DualgradValueError(f"The Component distribution needs to be an instance of "
                                     f"torch.distributions.Distribution {user_line()}")
        mdbs, cdbs = tuple(mixture_distribution.batch_shape), tuple(component_distribution.batch_shape[:-1])
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs), strict=False):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise DualgradValueError(
                    f"`mixture_distribution.batch_shape` ({Size(mdbs)}) is not compatible with "
                    f"`component_distribution.batch_shape`({Size(cdbs)}) {user_line()}")
        km, kc = mixture_distribution.logits.shape[-1], component_distribution.batch_shape[-1]
        if km != kc:
            raise DualgradValueError(f"`mixture_distribution component` ({km}) does not equal "
                                     f"`component_distribution.batch_shape[-1]` ({kc}) {user_line()}")
        self._set(mixture_distribution, component_distribution)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def _set(self, mixture: Categorical, component: Distribution) -> None:
        self._mixture_distribution, self._component_distribution = mixture, component
        self._num_component = mixture.logits.shape[-1]
        self._event_ndims = len(component.event_shape)

    def expand(self, batch_shape, _instance=None) -> MixtureSameFamily:
        """Both distributions expanded to `batch_shape` (the components with their last dim)."""
        batch_shape = Size(tuple(batch_shape))
        new = type(self).__new__(type(self))
        new._set(self._mixture_distribution.expand(batch_shape),
                 self._component_distribution.expand((*batch_shape, self._num_component)))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The components' support, at every component."""
        return _MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        """The Categorical over the components."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components (their last batch dim indexes them)."""
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else len(self.batch_shape) - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(*xs[:-1], *(1,) * pad_ndims, xs[-1], *(1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        """sum_k w_k mean_k."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """sum_k w_k var_k + sum_k w_k (mean_k - mean)**2."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim)
        var_cond_mean = (probs * (self.component_distribution.mean - self._pad(self.mean)).pow(2)).sum(dim)
        return mean_cond_var + var_cond_mean

    def cdf(self, value: Tensor) -> Tensor:
        """sum_k w_k cdf_k(value)."""
        cdf_x = self.component_distribution.cdf(self._pad(value))
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """logsumexp_k (log_prob_k(value) + log w_k)."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob_x = self.component_distribution.log_prob(self._pad(value))
        log_mix_prob = self.mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_mix_prob).logsumexp(dim=-1)

    def sample(self, sample_shape=()) -> Tensor:
        """The draw of the component the mixture picks, per sample and batch entry."""
        with no_grad():
            mix = self.mixture_distribution.sample(sample_shape)  # [n, B]
            comp = self.component_distribution.sample(sample_shape)  # [n, B, k, E]
            hot = mix.unsqueeze(-1) == arange(self._num_component, device=mix.device)  # [n, B, k]
            hot = hot.reshape(*tuple(hot.shape), *(1,) * self._event_ndims)
            gather_dim = len(tuple(sample_shape)) + len(self.batch_shape)
            return api.where(hot, comp, 0.0).sum(gather_dim)

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self.mixture_distribution},\n  {self.component_distribution})"
