"""Optimizer update rules (PyTorch's `torch.optim` single-tensor formulas).

The arithmetic of a step is a handful of fused registry ops (`ema`, `add_square`,
`rms_update`, `add_scaled`): each does in one call what took three or four elementwise ops,
so an Adam step is three op calls per parameter instead of thirteen, and on numpy each kernel
reuses its own temporaries instead of allocating one array per elementwise op (PyTorch's
in-place `lerp_`/`addcmul_`/`addcdiv_` for the same reason). They compute exactly the
operations, in the same order, of the elementwise formulas they replace, so trajectories are
bit-for-bit those of the unfused rules. They are not differentiable (PyTorch's fused
optimizers are not either); the rule functions below run them on arrays (the optimizers call
them under `no_grad` on the parameters' storage) or on any front end's tensors, and return
the new values; writing them back is the optimizer's business.

The learning rate is an operand of the ops that use it (`rms_update`, `descend`), not an
attr, so one op serves a Python float, a 0-d array, a 0-d tensor's data, a jax array or a
graph value (`dg.compile` feeds a param_group's lr to its program each call instead of
baking it in). It is a `weak` operand (`declare(weak=)`): it never decides the result dtype
and is never cast on the way in, so the update stays in the parameter's dtype and the lr
keeps its digits. The kernels read it as a number: on numpy a 0-d lr is the Python float it
holds (`float(lr)`, exact, a float32 lr widened), so an array lr runs the arithmetic of a
float lr bit for bit (Adam's step size lr / (1 - beta1**t) in Python float64, as PyTorch);
on jax (and for an lr per element) the same formulas run on float64 arrays, and the
coefficient is cast to the parameter's dtype where a Python float would have been rounded
to it (equal to the numpy trajectories to float tolerance).
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import specs
from .lazy import sympy as sp
from .registry import declare

_VALUES = (-3.0, 3.0)
_POSITIVE = (0.2, 4.0)
_RATES = (0.01, 2.0)  # learning rates


def _reuse(xp, name: str, a, b, temp):
    """`xp.<name>(a, b)`, written over `temp` (an array this kernel made, of the result's
    shape) where numpy can; jax arrays are immutable, and numpy scalars are not arrays."""
    f = getattr(xp, name)
    if type(temp) is _ndarray and _fits(a, temp.shape) and _fits(b, temp.shape):
        return f(a, b, out=temp)
    return f(a, b)


def _fits(value, shape: tuple) -> bool:
    """Whether `value` (an array or a number) leaves a result of `shape` that shape."""
    return type(value) is not _ndarray or value.shape == shape or not value.ndim


_ndarray = np.ndarray


def _ema_kernel(xp, avg, x, *, weight):
    diff = xp.subtract(x, avg)
    if weight < 0.5:
        return _reuse(xp, "add", avg, _reuse(xp, "multiply", diff, weight, diff), diff)
    return _reuse(xp, "subtract", x, _reuse(xp, "multiply", diff, 1 - weight, diff), diff)


def _ema_form(avg, x, *, weight):
    return avg + (x - avg) * weight if weight < 0.5 else x - (x - avg) * (1 - weight)


ema = declare(
    "ema", _ema_kernel, sympy=_ema_form, shape=specs.broadcast, domain=(_VALUES, _VALUES), nin=2,
    differentiable=False, floating=True, promotes=True, elementwise=True,
    doc="avg + weight * (x - avg): a moving average step, PyTorch's lerp_ (computed from x's "
        "side when weight >= 0.5, as PyTorch does); not differentiable")


def _add_square_kernel(xp, acc, x, *, decay=1.0, scale=1.0):
    square = xp.multiply(x, x)
    if scale != 1.0:
        square = _reuse(xp, "multiply", square, scale, square)
    if decay != 1.0:
        acc = xp.multiply(acc, decay)
        return _reuse(xp, "add", acc, square, acc)
    return _reuse(xp, "add", acc, square, square)


def _add_square_form(acc, x, *, decay=1.0, scale=1.0):
    return acc * decay + x * x * scale


add_square = declare(
    "add_square", _add_square_kernel, sympy=_add_square_form, shape=specs.broadcast,
    domain=(_VALUES, _VALUES), nin=2, differentiable=False, floating=True, promotes=True,
    elementwise=True,
    doc="acc * decay + x * x * scale: a running (decayed) sum of squares, PyTorch's "
        "mul_(decay).addcmul_(x, x, value=scale); not differentiable")


def _rate(xp, lr):
    """The learning rate operand as the kernels compute with it: a Python number as it is; on
    numpy a 0-d array's value as a Python float (exact), so an array lr runs the arithmetic of
    a float lr bit for bit; otherwise (jax, an lr per element) a float64 array."""
    kind = type(lr)
    if kind is float or kind is int:
        return float(lr)
    if xp is np and np.ndim(lr) == 0:
        return float(lr)
    return xp.asarray(lr).astype(xp.float64)


def _coefficient(value, dtype):
    """A coefficient computed from the lr, in the parameter's dtype: a Python float stays one
    (weak: numpy and jax round it to the array's dtype), an array is cast the same way."""
    return value if type(value) is float else value.astype(dtype)


def _step_scales(xp, count, dtype, lr, beta1: float, beta2: float, lr_decay: float):
    """(step size, root's bias correction or None) of step number `count`, computed in float64
    as PyTorch computes them (Python floats) and then rounded to the parameter's dtype: Adam's
    lr / (1 - beta1**t) and sqrt(1 - beta2**t), Adagrad's lr / (1 + (t - 1) * lr_decay). The
    count and the lr (`_rate`) are operands, so a compiled step reads them from its state and
    its feeds instead of baking them in."""
    scalar = xp.ndim(count) == 0
    if scalar and not (beta1 or beta2 or lr_decay):
        return _coefficient(lr, dtype), None
    if scalar and xp is np and type(lr) is float:  # numpy: PyTorch's Python floats, bit for bit
        t = float(count)
        size = lr / (1 - beta1**t) if beta1 else lr
        size = size / (1 + (t - 1) * lr_decay) if lr_decay else size
        return size, (1 - beta2**t) ** 0.5 if beta2 else None
    # jax (backend.x64 is on), or a count or lr per element: the same formulas on float64 arrays
    t = xp.asarray(count).astype(xp.float64)
    size = lr / (1 - beta1**t) if beta1 else xp.asarray(lr, dtype=xp.float64)
    if lr_decay:
        size = size / (1 + (t - 1) * lr_decay)
    correction = ((1 - beta2**t) ** 0.5).astype(dtype) if beta2 else None
    return size.astype(dtype), correction


def _rms_update_kernel(xp, param, step, sq, count, lr, *, eps, beta1=0.0, beta2=0.0, lr_decay=0.0,
                       weight_decay=0.0):
    lr = _rate(xp, lr)
    if weight_decay:  # AdamW's decoupled weight decay, PyTorch's param.mul_(1 - lr * wd) first
        param = xp.multiply(param, _coefficient(1 - lr * weight_decay, param.dtype))
    size, correction = _step_scales(xp, count, param.dtype, lr, beta1, beta2, lr_decay)
    denom = xp.sqrt(sq)
    if correction is not None:
        denom = _reuse(xp, "divide", denom, correction, denom)
    denom = _reuse(xp, "add", denom, eps, denom)
    scaled = _reuse(xp, "divide", step, denom, denom)
    scaled = _reuse(xp, "multiply", scaled, -size, scaled)
    return _reuse(xp, "add", param, scaled, scaled)


def _rms_update_form(param, step, sq, count, lr, *, eps, beta1=0.0, beta2=0.0, lr_decay=0.0,
                     weight_decay=0.0):
    size = lr / (1 - beta1**count) if beta1 else lr
    if lr_decay:
        size = size / (1 + (count - 1) * lr_decay)
    root = sp.sqrt(sq) / sp.sqrt(1 - beta2**count) if beta2 else sp.sqrt(sq)
    return param * (1 - lr * weight_decay) + step / (root + eps) * -size


rms_update = declare(
    "rms_update", _rms_update_kernel, sympy=_rms_update_form, shape=specs.broadcast,
    domain=(_VALUES, _VALUES, _POSITIVE, (1.0, 40.0), _RATES), nin=5, differentiable=False,
    floating=True, promotes=True, elementwise=True, weak=(4,),
    doc="param * (1 - lr * weight_decay) - size * step / (sqrt(sq) / correction + eps), the "
        "step of Adam, RMSprop and Adagrad (PyTorch's addcdiv_), with Adam's bias corrections "
        "(beta1, beta2) and Adagrad's lr decay computed from the step number `count`, an operand "
        "(counted from 1; unused when all three are 0), AdamW's decoupled weight decay, and the "
        "learning rate `lr` an operand too (weak: the result is in the parameter's dtype); not "
        "differentiable")


def _add_scaled_kernel(xp, x, y, *, alpha):
    scaled = xp.multiply(y, alpha)
    return _reuse(xp, "add", x, scaled, scaled)


add_scaled = declare(
    "add_scaled", _add_scaled_kernel, sympy=lambda x, y, *, alpha: x + y * alpha,
    shape=specs.broadcast, domain=(_VALUES, _VALUES), nin=2, differentiable=False, floating=True,
    promotes=True, elementwise=True,
    doc="x + y * alpha, PyTorch's add_(y, alpha=alpha) (L2 weight decay, momentum); not "
        "differentiable")


def _descend_kernel(xp, param, step, lr):
    lr = _rate(xp, lr)
    dtype = param.dtype if hasattr(param, "dtype") else step.dtype
    scaled = xp.multiply(step, _coefficient(-lr, dtype))
    return _reuse(xp, "add", param, scaled, scaled)


descend = declare(
    "descend", _descend_kernel, sympy=lambda param, step, lr: param + step * -lr,
    shape=specs.broadcast, domain=(_VALUES, _VALUES, _RATES), nin=3, differentiable=False,
    floating=True, promotes=True, elementwise=True, weak=(2,),
    doc="param + step * -lr, PyTorch's param.add_(step, alpha=-lr) (an SGD step), with the "
        "learning rate `lr` an operand (weak: the result is in the parameter's dtype); not "
        "differentiable")


def _decayed(grad, param, weight_decay: float, maximize: bool):
    if maximize:
        grad = ew.negative(grad)
    if weight_decay:
        grad = add_scaled(grad, param, alpha=weight_decay)
    return grad


def sgd(param, grad, buf, *, lr, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False):
    """(new param, new momentum buffer or None); `buf` is None before the first step. `lr`
    is a number or a 0-d value (an operand, see the module's doc)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    if momentum:
        buf = grad if buf is None else ew.add(ew.multiply(buf, momentum), ew.multiply(grad, 1 - dampening))
        grad = add_scaled(grad, buf, alpha=momentum) if nesterov else buf
    return descend(param, grad, lr), buf


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, *, lr, beta1: float,
         beta2: float, eps: float, weight_decay: float = 0.0, amsgrad: bool = False,
         maximize: bool = False, decoupled: bool = False):
    """Adam (AdamW with `decoupled`): (param, exp_avg, exp_avg_sq, max_exp_avg_sq) after
    step number `step` (counted from 1; an array, see `count`)."""
    if maximize:
        grad = ew.negative(grad)
    # AdamW's decay is applied inside rms_update (from the lr operand): as an op of its own it
    # turned a 0-d numpy parameter into a numpy scalar, which promotion reads as a weak
    # number, so the float32 step count made the update float32
    if weight_decay and not decoupled:
        grad = add_scaled(grad, param, alpha=weight_decay)
    exp_avg = ema(exp_avg, grad, weight=1 - beta1)
    exp_avg_sq = add_square(exp_avg_sq, grad, decay=beta2, scale=1 - beta2)
    second = exp_avg_sq
    if amsgrad:
        max_exp_avg_sq = second = ew.maximum(max_exp_avg_sq, exp_avg_sq)
    param = rms_update(param, exp_avg, second, step, lr, eps=eps, beta1=beta1, beta2=beta2,
                       weight_decay=weight_decay if decoupled else 0.0)
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq


def rmsprop(param, grad, square_avg, grad_avg, buf, step, *, lr, alpha: float, eps: float,
            weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
            maximize: bool = False):
    """(param, square_avg, grad_avg or None, momentum buffer or None); `step` (the step
    number) does not enter PyTorch's formulas."""
    grad = _decayed(grad, param, weight_decay, maximize)
    square_avg = add_square(square_avg, grad, decay=alpha, scale=1 - alpha)
    if not centered and momentum <= 0:
        return rms_update(param, grad, square_avg, step, lr, eps=eps), square_avg, grad_avg, buf
    if centered:
        grad_avg = ema(grad_avg, grad, weight=1 - alpha)
        avg = ew.sqrt(ew.subtract(square_avg, ew.multiply(grad_avg, grad_avg)))
    else:
        avg = ew.sqrt(square_avg)
    avg = ew.add(avg, eps)
    if momentum > 0:
        buf = ew.add(ew.multiply(buf, momentum), ew.divide(grad, avg))
        param = descend(param, buf, lr)
    else:
        param = descend(param, ew.divide(grad, avg), lr)
    return param, square_avg, grad_avg, buf


def adagrad(param, grad, state_sum, step, *, lr, lr_decay: float = 0.0,
            weight_decay: float = 0.0, eps: float = 1e-10, maximize: bool = False):
    """(param, state_sum) after step number `step` (counted from 1; an array, see `count`)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    state_sum = add_square(state_sum, grad)
    return rms_update(param, grad, state_sum, step, lr, eps=eps, lr_decay=lr_decay), state_sum


def count(step):
    """The step number after `step`: step + 1 as a registry op on the optimizer's 0-d count
    (PyTorch's `state['step'] += 1`), so a compiled step counts in its graph."""
    return ew.add(step, 1.0)
