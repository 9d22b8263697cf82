"""KL(p || q) rules for the distributions beyond the first five (MultivariateNormal, Laplace,
Poisson, Gamma, Beta, Dirichlet), registered with `register_kl` as PyTorch registers them and
composed of registry ops."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from ..linalg import solve_triangular
from .kl import register_kl
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
