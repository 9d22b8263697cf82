"""Optimizer update rules (PyTorch's `torch.optim` single-tensor formulas) as plain functions
of registry ops. They run on arrays (the optimizers call them under `no_grad` on the
parameters' storage) or on any front end's tensors, and return the new values; writing them
back is the optimizer's business."""
from __future__ import annotations

from . import elementwise as ew


def _decayed(grad, param, weight_decay: float, maximize: bool):
    if maximize:
        grad = ew.negative(grad)
    if weight_decay:
        grad = ew.add(grad, ew.multiply(param, weight_decay))
    return grad


def lerp(start, end, weight: float):
    """start + weight * (end - start), PyTorch's `lerp_` (weight < 0.5 branch)."""
    if weight < 0.5:
        return ew.add(start, ew.multiply(ew.subtract(end, start), weight))
    return ew.subtract(end, ew.multiply(ew.subtract(end, start), 1 - weight))


def sgd(param, grad, buf, *, lr: float, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False):
    """(new param, new momentum buffer or None); `buf` is None before the first step."""
    grad = _decayed(grad, param, weight_decay, maximize)
    if momentum:
        buf = grad if buf is None else ew.add(ew.multiply(buf, momentum), ew.multiply(grad, 1 - dampening))
        grad = ew.add(grad, ew.multiply(buf, momentum)) if nesterov else buf
    return ew.subtract(param, ew.multiply(grad, lr)), buf


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step: int, *, lr: float, beta1: float,
         beta2: float, eps: float, weight_decay: float = 0.0, amsgrad: bool = False,
         maximize: bool = False, decoupled: bool = False):
    """Adam (AdamW with `decoupled`): (param, exp_avg, exp_avg_sq, max_exp_avg_sq) after
    step number `step` (counted from 1)."""
    if maximize:
        grad = ew.negative(grad)
    if weight_decay:
        if decoupled:
            param = ew.multiply(param, 1 - lr * weight_decay)
        else:
            grad = ew.add(grad, ew.multiply(param, weight_decay))
    exp_avg = lerp(exp_avg, grad, 1 - beta1)
    exp_avg_sq = ew.add(ew.multiply(exp_avg_sq, beta2), ew.multiply(ew.multiply(grad, grad), 1 - beta2))
    step_size = lr / (1 - beta1**step)
    correction2_sqrt = (1 - beta2**step) ** 0.5
    second = exp_avg_sq
    if amsgrad:
        max_exp_avg_sq = second = ew.maximum(max_exp_avg_sq, exp_avg_sq)
    denom = ew.add(ew.divide(ew.sqrt(second), correction2_sqrt), eps)
    param = ew.add(param, ew.multiply(ew.divide(exp_avg, denom), -step_size))
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq


def rmsprop(param, grad, square_avg, grad_avg, buf, *, lr: float, alpha: float, eps: float,
            weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
            maximize: bool = False):
    """(param, square_avg, grad_avg or None, momentum buffer or None)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    square_avg = ew.add(ew.multiply(square_avg, alpha), ew.multiply(ew.multiply(grad, grad), 1 - alpha))
    if centered:
        grad_avg = lerp(grad_avg, grad, 1 - alpha)
        avg = ew.sqrt(ew.subtract(square_avg, ew.multiply(grad_avg, grad_avg)))
    else:
        avg = ew.sqrt(square_avg)
    avg = ew.add(avg, eps)
    if momentum > 0:
        buf = ew.add(ew.multiply(buf, momentum), ew.divide(grad, avg))
        param = ew.subtract(param, ew.multiply(buf, lr))
    else:
        param = ew.add(param, ew.multiply(ew.divide(grad, avg), -lr))
    return param, square_avg, grad_avg, buf


def adagrad(param, grad, state_sum, step: int, *, lr: float, lr_decay: float = 0.0,
            weight_decay: float = 0.0, eps: float = 1e-10, maximize: bool = False):
    """(param, state_sum) after step number `step` (counted from 1)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = ew.add(state_sum, ew.multiply(grad, grad))
    std = ew.add(ew.sqrt(state_sum), eps)
    return ew.add(param, ew.multiply(ew.divide(grad, std), -clr)), state_sum
