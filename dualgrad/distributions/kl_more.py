"""KL(p || q) rules for the distributions beyond the first five (MultivariateNormal, Laplace,
Poisson, Geometric, OneHotCategorical, Gamma, Beta, Dirichlet), registered with `register_kl` as
PyTorch registers them and composed of registry ops."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from ..linalg import solve_triangular
from .discrete import Geometric, OneHotCategorical, Poisson
from .gamma import Beta, Dirichlet, Gamma
from .kl import kl_divergence, register_kl
from .location_scale import Laplace
from .multivariate_normal import MultivariateNormal, batch_mahalanobis, half_log_det


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """log(|L_q| / |L_p|) + (|L_q^-1 L_p|_F^2 + |L_q^-1 (mu_q - mu_p)|^2 - k) / 2."""
    if p.event_shape != q.event_shape:
        raise DualgradValueError("KL-divergence between two Multivariate Normals with different event shapes "
                                 f"cannot be computed {user_line()}")
    p_tril, q_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    n = p.event_shape[0]
    batch = tuple(np.broadcast_shapes(tuple(p_tril.shape[:-2]), tuple(q_tril.shape[:-2])))
    solved = solve_triangular(q_tril.expand(*batch, n, n), p_tril.expand(*batch, n, n), upper=False)
    term2 = solved.pow(2).sum(dim=(-2, -1))
    term3 = batch_mahalanobis(q_tril, q.loc - p.loc)
    return half_log_det(q_tril) - half_log_det(p_tril) + 0.5 * (term2 + term3 - n)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    """-log(b_p / b_q) + |mu_p - mu_q| / b_q + (b_p / b_q) exp(-|mu_p - mu_q| / b_p) - 1."""
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    """rate_p (log rate_p - log rate_q) - (rate_p - rate_q)."""
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    """-H(p) - log1p(-q) / p - logit(q)."""
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    """The KL of the underlying categoricals."""
    return kl_divergence(p._categorical, q._categorical)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    """c_q log(r_p / r_q) + lgamma(c_q) - lgamma(c_p) + (c_p - c_q) digamma(c_p) + (r_q - r_p) c_p / r_p."""
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = q.concentration.lgamma() - p.concentration.lgamma()
    t3 = (p.concentration - q.concentration) * p.concentration.digamma()
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    """The two-category Dirichlet KL written out in the four concentrations."""
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * p.concentration1.digamma()
    t4 = (p.concentration0 - q.concentration0) * p.concentration0.digamma()
    t5 = (sum_q - sum_p) * sum_p.digamma()
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    """lgamma(sum a_p) - lgamma(sum a_q) - sum(lgamma a_p - lgamma a_q)
    + sum (a_p - a_q)(digamma a_p - digamma sum a_p)."""
    sum_p, sum_q = p.concentration.sum(-1), q.concentration.sum(-1)
    t1 = sum_p.lgamma() - sum_q.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)
