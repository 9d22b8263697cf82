"""NAdam's, RAdam's, Adamax's, Adadelta's, Rprop's and ASGD's update rules (PyTorch's
`torch.optim` single-tensor formulas), as compositions of the registry ops of `ops.updates`
(`ema`, `add_square`, `add_scaled`) and elementwise ops, so eager, `dg.compile` and every
device run the same step.

The step number `step` is an operand (a 0-d float32 array, counted from 1), as in
`ops.updates`: the coefficients that depend on it (bias corrections, NAdam's momentum
schedule, RAdam's rectification) are computed from it with registry ops in float64, as
PyTorch computes them in Python floats, then cast to the parameter's dtype. RAdam's choice
between the rectified and the plain step is a `where` on the step number (PyTorch's
capturable form), not a Python branch, so a compiled step keeps one program.

The learning rate is an operand too (a number or a 0-d value, as in `ops.updates`): the
coefficients it enters are computed with registry ops in float64 (a float32 lr widened
exactly, as a Python float would be) and cast to the parameter's dtype, so a float lr and
an array holding it give the same bits on numpy. So are the betas (`dg.compile` feeds them,
OneCycleLR moves beta1): a number enters Python's arithmetic as before, any other value the
same formulas as registry ops in float64 (the same bits on numpy).
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from . import elementwise as ew
from .updates import _decayed, _one_minus, add_square, descend, ema


def _float64(step):
    return ew.cast(step, dtype=dtypes.float64)


def _like(value, param):
    """A float64 coefficient in the parameter's dtype."""
    return ew.cast(value, dtype=ew.dtype_of(param))


def _rate(lr):
    """The learning rate for float64 coefficient arithmetic: a Python number as it is, any
    other value (an array, a graph value) cast to float64."""
    return lr if type(lr) in (float, int) else _float64(lr)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.generic))


def _beta(beta):
    """A beta as a number or (any other value: fed, a 0-d array) a float64 value."""
    return beta if _is_number(beta) else _float64(beta)


def _weight_decay(param, grad, lr, weight_decay: float, decoupled: bool, maximize: bool):
    """(param, grad) after PyTorch's weight decay: decoupled decays the parameter first
    (param * (1 - lr wd)), otherwise wd * param joins the gradient."""
    if decoupled and weight_decay:
        factor = _like(ew.subtract(1.0, ew.multiply(lr, weight_decay)), param)
        return ew.multiply(param, factor), _decayed(grad, param, 0.0, maximize)
    return param, _decayed(grad, param, weight_decay, maximize)


def nadam(param, grad, exp_avg, exp_avg_sq, mu_product, step, *, lr, beta1, beta2,
          eps: float, weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled: bool = False,
          maximize: bool = False):
    """NAdam: (param, exp_avg, exp_avg_sq, mu_product) after step number `step`.

    mu_t = beta1 (1 - 0.96^(t psi) / 2); mu_product (in its own dtype: PyTorch's float32, or float64
    under a float64 default) times mu_t;
    param -= lr (1 - mu_t) / (1 - mu_product) * g / d + lr mu_{t+1} / (1 - mu_product mu_{t+1})
    * exp_avg / d, with d = sqrt(exp_avg_sq / (1 - beta2^t)) + eps.
    """
    lr, beta1, beta2 = _rate(lr), _beta(beta1), _beta(beta2)
    param, grad = _weight_decay(param, grad, lr, weight_decay, decoupled, maximize)
    t = _float64(step)
    mu = ew.multiply(ew.subtract(1.0, ew.multiply(
        ew.power(0.96, ew.multiply(t, momentum_decay)), 0.5)), beta1)
    mu_next = ew.multiply(ew.subtract(1.0, ew.multiply(
        ew.power(0.96, ew.multiply(ew.add(t, 1.0), momentum_decay)), 0.5)), beta1)
    mu_product = ew.multiply(mu_product, ew.cast(mu, dtype=dtypes.as_dtype(mu_product.dtype)))
    product = _float64(mu_product)
    exp_avg = ema(exp_avg, grad, _one_minus(beta1))
    exp_avg_sq = add_square(exp_avg_sq, grad, beta2, _one_minus(beta2))
    correction2 = _like(ew.subtract(1.0, ew.power(beta2, t)), param)
    denom = ew.add(ew.sqrt(ew.divide(exp_avg_sq, correction2)), eps)
    neg_lr = ew.negative(lr)
    grad_size = ew.divide(ew.multiply(ew.subtract(1.0, mu), neg_lr), ew.subtract(1.0, product))
    avg_size = ew.divide(ew.multiply(mu_next, neg_lr), ew.subtract(1.0, ew.multiply(product, mu_next)))
    param = ew.add(param, ew.multiply(ew.divide(grad, denom), _like(grad_size, param)))
    param = ew.add(param, ew.multiply(ew.divide(exp_avg, denom), _like(avg_size, param)))
    return param, exp_avg, exp_avg_sq, mu_product


def radam(param, grad, exp_avg, exp_avg_sq, step, *, lr, beta1, beta2, eps: float,
          weight_decay: float = 0.0, decoupled: bool = False, maximize: bool = False):
    """RAdam: (param, exp_avg, exp_avg_sq) after step number `step`.

    rho_inf = 2 / (1 - beta2) - 1, rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t); where
    rho_t > 5, param -= lr m_hat r_t sqrt(1 - beta2^t) / (sqrt(exp_avg_sq) + eps), with r_t
    = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)); otherwise
    param -= lr m_hat (m_hat = exp_avg / (1 - beta1^t)).
    """
    param, grad = _weight_decay(param, grad, _rate(lr), weight_decay, decoupled, maximize)
    beta1, beta2 = _beta(beta1), _beta(beta2)
    exp_avg = ema(exp_avg, grad, _one_minus(beta1))
    exp_avg_sq = add_square(exp_avg_sq, grad, beta2, _one_minus(beta2))
    t = _float64(step)
    power2 = ew.power(beta2, t)
    correction1 = ew.subtract(1.0, ew.power(beta1, t))
    correction2 = ew.subtract(1.0, power2)
    if _is_number(beta2):  # Python's arithmetic, as PyTorch's
        rho_inf = 2 / (1 - beta2) - 1
        spread = (rho_inf - 4) * (rho_inf - 2)
    else:  # a fed beta2: the same in float64 registry ops
        rho_inf = ew.subtract(ew.divide(2.0, _one_minus(beta2)), 1.0)
        spread = ew.multiply(ew.subtract(rho_inf, 4.0), ew.subtract(rho_inf, 2.0))
    rho_t = ew.subtract(rho_inf, ew.divide(ew.multiply(ew.multiply(t, 2.0), power2), correction2))
    ratio = ew.divide(ew.multiply(ew.multiply(ew.subtract(rho_t, 4.0), ew.subtract(rho_t, 2.0)), rho_inf),
                      ew.multiply(rho_t, spread))
    rect = ew.sqrt(ew.maximum(ratio, 0.0))  # (unused where rho_t <= 5, where it may be negative)
    adaptive = ew.divide(_like(ew.sqrt(correction2), param), ew.add(ew.sqrt(exp_avg_sq), eps))
    scale = ew.where(ew.greater(rho_t, 5.0), ew.multiply(adaptive, _like(rect, param)), 1.0)
    corrected = ew.divide(exp_avg, _like(correction1, param))
    return descend(param, ew.multiply(corrected, scale), lr), exp_avg, exp_avg_sq


def adamax(param, grad, exp_avg, exp_inf, step, *, lr, beta1, beta2, eps: float,
           weight_decay: float = 0.0, maximize: bool = False):
    """Adamax: (param, exp_avg, exp_inf) after step number `step`.

    exp_avg = lerp(exp_avg, g, 1 - beta1); exp_inf = max(beta2 exp_inf, |g| + eps);
    param -= lr / (1 - beta1^t) * exp_avg / exp_inf (PyTorch's addcdiv_ with value -clr).
    """
    lr, beta1, beta2 = _rate(lr), _beta(beta1), _beta(beta2)
    grad = _decayed(grad, param, weight_decay, maximize)
    exp_avg = ema(exp_avg, grad, _one_minus(beta1))
    decay = beta2 if _is_number(beta2) else _like(beta2, param)
    exp_inf = ew.maximum(ew.multiply(exp_inf, decay), ew.add(ew.abs(grad), eps))
    neg_clr = ew.negative(ew.divide(lr, ew.subtract(1.0, ew.power(beta1, _float64(step)))))
    param = ew.add(param, ew.divide(ew.multiply(exp_avg, _like(neg_clr, param)), exp_inf))
    return param, exp_avg, exp_inf


def adadelta(param, grad, square_avg, acc_delta, *, lr, rho: float, eps: float,
             weight_decay: float = 0.0, maximize: bool = False):
    """Adadelta: (param, square_avg, acc_delta).

    square_avg = rho square_avg + (1 - rho) g^2; delta = sqrt(acc_delta + eps) /
    sqrt(square_avg + eps) * g; acc_delta = rho acc_delta + (1 - rho) delta^2; param -= lr delta.
    """
    grad = _decayed(grad, param, weight_decay, maximize)
    square_avg = add_square(square_avg, grad, rho, 1 - rho)
    std = ew.sqrt(ew.add(square_avg, eps))
    delta = ew.multiply(ew.divide(ew.sqrt(ew.add(acc_delta, eps)), std), grad)
    acc_delta = add_square(acc_delta, delta, rho, 1 - rho)
    return descend(param, delta, lr), square_avg, acc_delta


def rprop(param, grad, prev, step_size, *, etaminus: float, etaplus: float, step_size_min: float,
          step_size_max: float, maximize: bool = False):
    """Rprop: (param, prev, step_size).

    s = sign(g prev); each element's step size is multiplied by etaplus where s > 0, by
    etaminus where s < 0 (and that element's gradient is taken as 0, so it neither moves nor
    shrinks its step next time), clamped to [step_size_min, step_size_max]; param -= sign(g)
    step_size; prev = g. Branch-free (`where`), PyTorch's capturable form.
    """
    if maximize:
        grad = ew.negative(grad)
    sign = ew.sign(ew.multiply(grad, prev))
    factor = ew.where(ew.greater(sign, 0.0), etaplus,  # (a NaN sign stays NaN, as PyTorch's)
                      ew.where(ew.less(sign, 0.0), etaminus, ew.where(ew.equal(sign, 0.0), 1.0, sign)))
    step_size = ew.clip(ew.multiply(step_size, factor), min=step_size_min, max=step_size_max)
    grad = ew.where(ew.less(sign, 0.0), 0.0, grad)
    return ew.subtract(param, ew.multiply(ew.sign(grad), step_size)), grad, step_size


def asgd(param, grad, ax, eta, mu, step, *, lr, lambd: float, alpha: float, t0: float,
         weight_decay: float = 0.0, maximize: bool = False):
    """ASGD: (param, ax, eta, mu) after step number `step` (counted from 1).

    param = param (1 - lambd eta) - eta g; ax = param where mu = 1, else ax + mu (param - ax);
    then eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0), computed in float64 (as
    PyTorch's Python floats) and stored in their own dtype (PyTorch's float32 state).
    """
    grad = _decayed(grad, param, weight_decay, maximize)
    param = ew.multiply(param, _like(ew.subtract(1.0, ew.multiply(lambd, _float64(eta))), param))
    param = descend(param, grad, eta)
    averaged = ew.add(ax, ew.multiply(ew.subtract(param, ax), _like(mu, param)))
    ax = ew.where(ew.equal(mu, 1.0), param, averaged)  # (PyTorch copies the parameter at mu == 1)
    t, lr = _float64(step), _rate(lr)
    scale = ew.multiply(lambd * lr, t) if _is_number(lr) else ew.multiply(ew.multiply(lambd, lr), t)
    new_eta = ew.divide(lr, ew.power(ew.add(1.0, scale), alpha))
    new_mu = ew.divide(1.0, ew.maximum(ew.subtract(t, t0), 1.0))
    return param, ax, _like(new_eta, eta), _like(new_mu, mu)
