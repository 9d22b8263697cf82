"""`dualgrad.distributions`: PyTorch's torch.distributions for the commonly used classes -
Normal, MultivariateNormal, Uniform, Exponential, LogNormal, HalfNormal, Laplace, Gumbel, Cauchy
(with reparameterised `rsample`), Bernoulli, Categorical, OneHotCategorical, Geometric (probs or
logits), Poisson, Gamma, Beta, Dirichlet (sampled without a graph), Independent, StudentT, Chi2,
HalfCauchy, Weibull, Pareto, Binomial, NegativeBinomial, Multinomial, MixtureSameFamily,
RelaxedBernoulli, RelaxedOneHotCategorical, TransformedDistribution with the `transforms` module -
and `kl_divergence`. The math is composed of registry ops, so `log_prob`, `entropy` and
`kl_divergence` are differentiable in their parameters (REINFORCE, VAEs) and traced by
`dg.compile`."""
from __future__ import annotations

from . import constraints, kl, kl_more, kl_transformed, transforms  # noqa: F401  (registers KL rules)
from .bernoulli import Bernoulli
from .binomial import Binomial, Multinomial, NegativeBinomial
from .categorical import Categorical
from .discrete import Geometric, OneHotCategorical, Poisson
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Beta, Dirichlet, Gamma
from .heavy_tailed import Chi2, HalfCauchy, Pareto, StudentT, Weibull
from .independent import Independent
from .kl import kl_divergence, register_kl
from .location_scale import Cauchy, Gumbel, Laplace
from .log_normal import HalfNormal, LogNormal
from .mixture import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .relaxed import ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from .uniform import Uniform

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy",
           "Chi2", "ComposeTransform", "Dirichlet", "Distribution", "ExpRelaxedCategorical",
           "ExpTransform", "Exponential", "Gamma", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal",
           "Independent", "Laplace", "LogNormal", "LogitRelaxedBernoulli", "MixtureSameFamily",
           "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal", "OneHotCategorical",
           "Pareto", "Poisson", "PowerTransform", "RelaxedBernoulli", "RelaxedOneHotCategorical",
           "SigmoidTransform", "SoftplusTransform", "StudentT", "TanhTransform", "Transform",
           "TransformedDistribution", "Uniform", "Weibull", "constraints", "identity_transform", "kl",
           "kl_divergence", "register_kl", "transforms"]
