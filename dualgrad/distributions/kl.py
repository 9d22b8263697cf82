"""`kl_divergence(p, q)` (torch.distributions.kl): KL(p || q) for pairs registered with
`register_kl`, each a composition of registry ops so gradients reach both distributions'
parameters."""
from __future__ import annotations

import math
from collections.abc import Callable

from ..eager import api
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, user_line
from ..nn import functional as F
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent, sum_rightmost
from .normal import Normal
from .uniform import Uniform

_KL_REGISTRY: dict[tuple[type, type], Callable] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator: `@register_kl(P, Q) def kl(p, q): ...` makes `kl_divergence` use it."""

    def decorator(fn: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def _lookup(type_p: type, type_q: type) -> Callable | None:
    """The registered rule of the most specific pair of base classes (PyTorch's dispatch)."""
    matches = [(type_p.__mro__.index(p) + type_q.__mro__.index(q), fn) for (p, q), fn in _KL_REGISTRY.items()
               if issubclass(type_p, p) and issubclass(type_q, q)]
    return min(matches, key=lambda m: m[0])[1] if matches else None


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), batched over the broadcast of their batch shapes."""
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise DualgradNotImplementedError(f"kl_divergence: No KL(p || q) is implemented for p = "
                                          f"{type(p).__name__} and q = {type(q).__name__} {user_line()}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    p_probs, q_probs = p.probs, q.probs
    t1 = p_probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = api.where(p_probs == 0, 0.0, api.where(q_probs == 0, math.inf, t1))
    t2 = (1 - p_probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = api.where(p_probs == 1, 0.0, api.where(q_probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    p_probs, q_probs = p.probs, q.probs
    t = p_probs * (p.logits - q.logits)
    t = api.where(p_probs == 0, 0.0, api.where(q_probs == 0, math.inf, t))
    return api.sum(t, -1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - rate_ratio.log()


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return api.where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise DualgradNotImplementedError(f"kl_divergence: Independent distributions of different "
                                          f"reinterpreted_batch_ndims {user_line()}")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
