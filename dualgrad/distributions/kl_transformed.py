"""KL(p || q) rules PyTorch registers for the classes of transforms.py, heavy_tailed.py and
binomial.py: TransformedDistribution pairs with equal transforms (the bases' KL), Pareto-Pareto and
Binomial-Binomial, composed of registry ops. (Chi2 pairs use Gamma's rule, as in PyTorch.)"""
from __future__ import annotations

import math

from ..eager import api
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, user_line
from .binomial import Binomial
from .heavy_tailed import Pareto
from .kl import kl_divergence, register_kl
from .transformed_distribution import TransformedDistribution


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Tensor:
    """The bases' KL, where both push them through equal transforms to equal event shapes."""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise DualgradNotImplementedError(
            f"kl_divergence: TransformedDistributions of different transforms or event shapes {user_line()}")
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Tensor:
    """alpha_q log(scale_p / scale_q) - log(alpha_q / alpha_p) + alpha_q / alpha_p - 1; inf where
    scale_p < scale_q (p has mass where q has none)."""
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return api.where(p.scale < q.scale, math.inf, result)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    """n (p log(p / q) + (1 - p) log((1 - p) / (1 - q))) in logits; inf where n_p > n_q."""
    if bool((p.total_count < q.total_count).any().item()):
        raise DualgradNotImplementedError(
            f"KL between Binomials where q.total_count > p.total_count is not implemented {user_line()}")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return api.where(p.total_count > q.total_count, math.inf, kl)
