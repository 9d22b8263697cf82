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

The hyperparameters a schedule moves every step are operands the same way (weak, read as
numbers by `_rate`): `ema`'s weight (1 - beta1), `add_square`'s decay and scale (beta2,
1 - beta2), `rms_update`'s beta1 and beta2, and `add_momentum`'s momentum (SGD's and
RMSprop's), so OneCycleLR's `cycle_momentum` runs one compiled program too. A choice that
shapes the step is still made in Python, on numbers only: whether a momentum takes part
(`takes_part`; an operand that is not a number does, `dg.compile` guards the choice), and
on numpy which of lerp's two formulas `ema` runs (a 0-d weight is the Python float it
holds); an array weight (jax, a fed value) runs both under a `where`.
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
_BETAS = (0.05, 0.999)  # Adam's betas, momenta


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


def _ema_kernel(xp, avg, x, weight):
    weight = _rate(xp, weight)
    diff = xp.subtract(x, avg)
    if type(weight) is float:  # PyTorch's lerp_: from x's side when weight >= 0.5
        if weight < 0.5:
            return _reuse(xp, "add", avg, _reuse(xp, "multiply", diff, weight, diff), diff)
        return _reuse(xp, "subtract", x, _reuse(xp, "multiply", diff, 1 - weight, diff), diff)
    # an array weight (jax, a fed beta1): both formulas, chosen per element as lerp_ chooses
    near = xp.add(avg, xp.multiply(diff, _coefficient(weight, diff.dtype)))
    far = xp.subtract(x, xp.multiply(diff, _coefficient(1 - weight, diff.dtype)))
    return xp.where(weight < 0.5, near, far)


ema = declare(
    "ema", _ema_kernel, sympy=lambda avg, x, weight: avg + (x - avg) * weight, shape=specs.broadcast,
    domain=(_VALUES, _VALUES, (0.05, 0.95)), nin=3, differentiable=False, floating=True,
    promotes=True, elementwise=True, weak=(2,),
    doc="avg + weight * (x - avg): a moving average step, PyTorch's lerp_ (computed from x's "
        "side when weight >= 0.5, as PyTorch does), the weight an operand (weak: a fed beta1 "
        "keeps the result in avg's dtype); not differentiable")


def _add_square_kernel(xp, acc, x, decay, scale):
    decay, scale = _rate(xp, decay), _rate(xp, scale)
    if getattr(x, "dtype", None) == np.float16 == getattr(acc, "dtype", None):  # PyTorch's opmath
        return _add_square_half(xp, acc, x, decay, scale)
    square = xp.multiply(x, x)
    if type(scale) is not float or scale != 1.0:  # (an array: multiplied, x * 1.0 is exact)
        square = _reuse(xp, "multiply", square, _coefficient(scale, square.dtype), square)
    if type(decay) is not float or decay != 1.0:
        acc = xp.multiply(acc, _coefficient(decay, square.dtype))
        return _reuse(xp, "add", acc, square, acc)
    return _reuse(xp, "add", acc, square, square)


def _add_square_half(xp, acc, x, decay, scale):
    """float16: acc * decay rounded to float16 (PyTorch's mul_), then acc + scale * x * x in
    float32 rounded once, as PyTorch's float16 addcmul_ computes (a float16 square overflows
    past 255.9, so a gradient of 300 made Adam's and RMSprop's square averages inf and froze
    that element; RMSprop's centred grad_avg**2 gave NaN)."""
    if type(decay) is not float or decay != 1.0:
        acc = xp.multiply(acc, _coefficient(decay, acc.dtype))
    wide = x.astype(np.float32)
    product = xp.multiply(xp.multiply(wide, _coefficient(scale, np.float32)), wide)
    total = xp.add(acc.astype(np.float32), product)
    with np.errstate(over="ignore"):  # beyond float16: inf, as PyTorch's float16 state
        return total.astype(np.float16)


add_square = declare(
    "add_square", _add_square_kernel, sympy=lambda acc, x, decay, scale: acc * decay + x * x * scale,
    shape=specs.broadcast, domain=(_VALUES, _VALUES, (0.5, 1.0), (0.001, 0.5)), nin=4,
    differentiable=False, floating=True, promotes=True, elementwise=True, weak=(2, 3),
    doc="acc * decay + x * x * scale: a running (decayed) sum of squares, PyTorch's "
        "mul_(decay).addcmul_(x, x, value=scale), decay and scale operands (weak: a fed beta2); "
        "not differentiable")


def _rate(xp, lr):
    """A hyperparameter operand (a learning rate, a beta, a momentum) as the kernels compute
    with it: a Python number as it is; on numpy a 0-d array's value as a Python float
    (exact), so an array runs the arithmetic of a float bit for bit; otherwise (jax, a value
    per element) a float64 array."""
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


def _step_scales(xp, count, dtype, lr, beta1, beta2, lr_decay: float):
    """(step size, root's bias correction or None) of step number `count`, computed in float64
    as PyTorch computes them (Python floats) and then rounded to the parameter's dtype: Adam's
    lr / (1 - beta1**t) and sqrt(1 - beta2**t), Adagrad's lr / (1 + (t - 1) * lr_decay). The
    count, the lr and the betas (`_rate`) are operands, so a compiled step reads them from its
    state and its feeds instead of baking them in."""
    scalar = xp.ndim(count) == 0
    numbers = type(beta1) is float and type(beta2) is float
    if scalar and numbers and not (beta1 or beta2 or lr_decay):
        return _coefficient(lr, dtype), None
    if scalar and xp is np and numbers and type(lr) is float:  # numpy: PyTorch's Python floats
        t = float(count)
        size = lr / (1 - beta1**t) if beta1 else lr
        size = size / (1 + (t - 1) * lr_decay) if lr_decay else size
        return size, (1 - beta2**t) ** 0.5 if beta2 else None
    # jax (backend.x64 is on), or a count, lr or beta per element: the same formulas on float64
    # arrays (a beta of 0 as an array: 1 - 0**t is 1, the same numbers)
    t = xp.asarray(count).astype(xp.float64)
    size = lr / (1 - beta1**t) if _nonzero(beta1) else xp.asarray(lr, dtype=xp.float64)
    if lr_decay:
        size = size / (1 + (t - 1) * lr_decay)
    correction = ((1 - beta2**t) ** 0.5).astype(dtype) if _nonzero(beta2) else None
    return size.astype(dtype), correction


def _nonzero(value) -> bool:
    """Whether a formula needs `value`: a number when it is not 0, an array always."""
    return type(value) is not float or value != 0.0


def _rms_update_kernel(xp, param, step, sq, count, lr, beta1, beta2, *, eps, lr_decay=0.0,
                       weight_decay=0.0):
    lr, beta1, beta2 = _rate(xp, lr), _rate(xp, beta1), _rate(xp, beta2)
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


def _rms_update_form(param, step, sq, count, lr, beta1, beta2, *, eps, lr_decay=0.0, weight_decay=0.0):
    size = lr / (1 - beta1**count) / (1 + (count - 1) * lr_decay)
    root = sp.sqrt(sq) / sp.sqrt(1 - beta2**count)
    return param * (1 - lr * weight_decay) + step / (root + eps) * -size


rms_update = declare(
    "rms_update", _rms_update_kernel, sympy=_rms_update_form, shape=specs.broadcast,
    domain=(_VALUES, _VALUES, _POSITIVE, (1.0, 40.0), _RATES, _BETAS, _BETAS), nin=7,
    differentiable=False, floating=True, promotes=True, elementwise=True, weak=(4, 5, 6),
    doc="param * (1 - lr * weight_decay) - size * step / (sqrt(sq) / correction + eps), the "
        "step of Adam, RMSprop and Adagrad (PyTorch's addcdiv_), with Adam's bias corrections "
        "(beta1, beta2: operands, 0 for none) and Adagrad's lr decay computed from the step "
        "number `count`, an operand (counted from 1; unused when all three are 0), AdamW's "
        "decoupled weight decay, and the learning rate `lr` an operand too (lr and the betas "
        "weak: the result is in the parameter's dtype); not differentiable")


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


def _add_momentum_kernel(xp, buf, x, momentum, *, scale=1.0):
    momentum = _rate(xp, momentum)
    dtype = buf.dtype if hasattr(buf, "dtype") else x.dtype
    kept = xp.multiply(buf, _coefficient(momentum, dtype))
    if scale != 1.0:
        x = xp.multiply(x, scale)
    return _reuse(xp, "add", kept, x, kept)


add_momentum = declare(
    "add_momentum", _add_momentum_kernel,
    sympy=lambda buf, x, momentum, *, scale=1.0: buf * momentum + x * scale, shape=specs.broadcast,
    domain=(_VALUES, _VALUES, _BETAS), nin=3, differentiable=False, floating=True, promotes=True,
    elementwise=True, weak=(2,),
    doc="buf * momentum + x * scale, PyTorch's buf.mul_(momentum).add_(x, alpha=scale) (SGD's "
        "and RMSprop's momentum buffer; SGD's Nesterov step), with `momentum` an operand (weak: "
        "a fed momentum keeps the result in buf's dtype); not differentiable")


def takes_part(momentum, positive: bool = False) -> bool:
    """Whether a momentum takes part in a step (a choice of the step's shape): a number by
    its value (SGD's: not 0; RMSprop's, `positive`: above 0); any other value (an array, the
    graph value `dg.compile` feeds, which it guards by this choice) does."""
    if isinstance(momentum, (int, float, np.generic, np.ndarray)):
        return bool(momentum > 0) if positive else bool(momentum != 0)
    return True


def _one_minus(value):
    """1 - value: Python's arithmetic on a number (as PyTorch's), a registry op on an array or
    graph value (a fed beta)."""
    if isinstance(value, (int, float, np.generic)):
        return 1 - value
    return ew.subtract(1.0, value)


def _decayed(grad, param, weight_decay: float, maximize: bool):
    if maximize:
        grad = ew.negative(grad)
    if weight_decay:
        grad = add_scaled(grad, param, alpha=weight_decay)
    return grad


def sgd(param, grad, buf, *, lr, momentum=0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False):
    """(new param, new momentum buffer or None); `buf` is None before the first step. `lr`
    and `momentum` are numbers or 0-d values (operands, see the module's doc)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    if takes_part(momentum):
        buf = grad if buf is None else add_momentum(buf, grad, momentum, scale=1 - dampening)
        grad = add_momentum(buf, grad, momentum) if nesterov else buf
    return descend(param, grad, lr), buf


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, *, lr, beta1, beta2, eps: float,
         weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False,
         decoupled: bool = False):
    """Adam (AdamW with `decoupled`): (param, exp_avg, exp_avg_sq, max_exp_avg_sq) after
    step number `step` (counted from 1; an array, see `count`); `lr` and the betas are numbers
    or 0-d values (operands)."""
    if maximize:
        grad = ew.negative(grad)
    # AdamW's decay is applied inside rms_update (from the lr operand): as an op of its own it
    # turned a 0-d numpy parameter into a numpy scalar, which promotion reads as a weak
    # number, so the float32 step count made the update float32
    if weight_decay and not decoupled:
        grad = add_scaled(grad, param, alpha=weight_decay)
    exp_avg = ema(exp_avg, grad, _one_minus(beta1))
    exp_avg_sq = add_square(exp_avg_sq, grad, beta2, _one_minus(beta2))
    second = exp_avg_sq
    if amsgrad:
        max_exp_avg_sq = second = ew.maximum(max_exp_avg_sq, exp_avg_sq)
    param = rms_update(param, exp_avg, second, step, lr, beta1, beta2, eps=eps,
                       weight_decay=weight_decay if decoupled else 0.0)
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq


def rmsprop(param, grad, square_avg, grad_avg, buf, step, *, lr, alpha: float, eps: float,
            weight_decay: float = 0.0, momentum=0.0, centered: bool = False,
            maximize: bool = False):
    """(param, square_avg, grad_avg or None, momentum buffer or None); `step` (the step
    number) does not enter PyTorch's formulas."""
    grad = _decayed(grad, param, weight_decay, maximize)
    square_avg = add_square(square_avg, grad, alpha, 1 - alpha)
    with_momentum = takes_part(momentum, positive=True)
    if not centered and not with_momentum:
        return rms_update(param, grad, square_avg, step, lr, 0.0, 0.0, eps=eps), square_avg, grad_avg, buf
    if centered:
        grad_avg = ema(grad_avg, grad, 1 - alpha)
        avg = ew.sqrt(add_square(square_avg, grad_avg, 1.0, -1.0))  # PyTorch's addcmul(value=-1)
    else:
        avg = ew.sqrt(square_avg)
    avg = ew.add(avg, eps)
    if with_momentum:
        buf = add_momentum(buf, ew.divide(grad, avg), momentum)
        param = descend(param, buf, lr)
    else:
        param = descend(param, ew.divide(grad, avg), lr)
    return param, square_avg, grad_avg, buf


def adagrad(param, grad, state_sum, step, *, lr, lr_decay: float = 0.0,
            weight_decay: float = 0.0, eps: float = 1e-10, maximize: bool = False):
    """(param, state_sum) after step number `step` (counted from 1; an array, see `count`)."""
    grad = _decayed(grad, param, weight_decay, maximize)
    state_sum = add_square(state_sum, grad, 1.0, 1.0)
    return rms_update(param, grad, state_sum, step, lr, 0.0, 0.0, eps=eps, lr_decay=lr_decay), state_sum


def count(step):
    """The step number after `step`: step + 1 as a registry op on the optimizer's 0-d count
    (PyTorch's `state['step'] += 1`), so a compiled step counts in its graph."""
    return ew.add(step, 1.0)
