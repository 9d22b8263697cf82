"""`dualgrad.distributions`: PyTorch's torch.distributions for the commonly used classes -
Normal, MultivariateNormal, Uniform, Exponential, LogNormal, HalfNormal, Laplace, Gumbel, Cauchy
(with reparameterised `rsample`), Bernoulli, Categorical, OneHotCategorical, Geometric (probs or
logits), Poisson, Gamma, Beta, Dirichlet (sampled without a graph), Independent - and
`kl_divergence`. The math is composed of registry ops, so `log_prob`, `entropy` and
`kl_divergence` are differentiable in their parameters (REINFORCE, VAEs) and traced by
`dg.compile`."""
from __future__ import annotations

from . import constraints, kl, kl_more  # noqa: F401  (kl_more registers the newer classes' KL rules)
from .bernoulli import Bernoulli
from .categorical import Categorical
from .discrete import Geometric, OneHotCategorical, Poisson
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .location_scale import Cauchy, Gumbel, Laplace
from .log_normal import HalfNormal, LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Cauchy", "Dirichlet", "Distribution", "Exponential", "Gamma",
           "Geometric", "Gumbel",
           "HalfNormal", "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Poisson", "Uniform", "constraints", "kl", "kl_divergence", "register_kl"]
