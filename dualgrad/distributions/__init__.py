"""`dualgrad.distributions`: PyTorch's torch.distributions for the commonly used classes -
Normal, Uniform, Exponential (with reparameterised `rsample`), Bernoulli and Categorical (probs
or logits), Independent - and `kl_divergence`. The math is composed of registry ops, so `log_prob`,
`entropy` and `kl_divergence` are differentiable in their parameters (REINFORCE, VAEs) and
traced by `dg.compile`."""
from __future__ import annotations

from . import constraints, kl, kl_more  # noqa: F401  (kl_more registers the newer classes' KL rules)
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Exponential", "Independent", "MultivariateNormal",
           "Normal", "Uniform", "constraints", "kl", "kl_divergence", "register_kl"]
