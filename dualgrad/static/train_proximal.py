"""`ds.train.ProximalGradientDescentOptimizer`, `ProximalAdagradOptimizer` and
`AdagradDAOptimizer`: the update equations of TF1's kernels (tensorflow/core/kernels/
training_ops.cc: ApplyProximalGradientDescent, ApplyProximalAdagrad, ApplyAdagradDA) as
registry-op compositions on top of `optimizer.Optimizer`, with TF1's slots and slot names.

    prox(v, a)         = sign(v) * max(|v| - a * l1, 0) / (1 + a * l2)   (v / (1 + a * l2) if l1 == 0)
    ProximalGD:        var = prox(var - lr * g, lr)
    ProximalAdagrad:   accum += g^2;  a = lr / sqrt(accum);  var = prox(var - a * g, a)
    AdagradDA:         g_acc += g;  gg_acc += g^2;  t = global_step + 1 (read before the run's updates)
                       var = -lr * sign(g_acc) * max(|g_acc| - l1 * t, 0) / (l2 * t * lr + sqrt(gg_acc))
                       (-lr * g_acc / (...) if l1 == 0)

As TF1's sparse kernels, a variable read through gathers (`sparse_rows.py`) updates only the
gathered rows: the others' slots and values stay (for the proximal ones the L1/L2 shrinkage of
an untouched row, which a dense zero gradient would apply, is skipped, as TF1 skips it).
"""
from __future__ import annotations

from .. import ops
from ..errors import DTypeError, user_line
from .convert import ArgumentError
from .graph import Tensor
from .optimizer import Optimizer, _hyper
from .sparse_rows import touched_rows
from .train_adadelta_ftrl import _updater

__all__ = ["ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer", "AdagradDAOptimizer"]


def _strengths(who: str, l1, l2) -> tuple:
    for key, value in (("l1_regularization_strength", l1), ("l2_regularization_strength", l2)):
        _hyper(who, key, value)
        if value < 0:
            raise ArgumentError(f"{who}: {key} must be >= 0, got {value!r} {user_line()}")
    return l1, l2


def _prox(v, a, l1, l2):
    """TF1's proximal step: soft-thresholding by a * l1, then shrinking by 1 + a * l2."""
    if l1 > 0:
        v = ops.multiply(ops.sign(v), ops.maximum(ops.subtract(ops.abs(v), ops.multiply(a, l1)), 0))
    return ops.divide(v, ops.add(1, ops.multiply(a, l2)))


class ProximalGradientDescentOptimizer(Optimizer):
    """TF1's proximal gradient descent (module docstring): no slots."""

    def __init__(self, learning_rate, l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking: bool = False, name: str = "ProximalGradientDescent"):
        super().__init__(learning_rate, use_locking, name)
        self._l1, self._l2 = _strengths(type(self).__name__, l1_regularization_strength,
                                        l2_regularization_strength)

    def _apply_dense(self, grad, var):
        lr = self._lr_tensor(var)
        new = _prox(ops.subtract(var, ops.multiply(lr, grad)), lr, self._l1, self._l2)
        return _updater(touched_rows(grad, var))(var, new)


class ProximalAdagradOptimizer(Optimizer):
    """TF1's proximal Adagrad (module docstring): one `accumulator` slot (`w/ProximalAdagrad`)
    starting at `initial_accumulator_value`, which must be positive as TF1 requires."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking: bool = False, name: str = "ProximalAdagrad"):
        super().__init__(learning_rate, use_locking, name)
        who = type(self).__name__
        _hyper(who, "initial_accumulator_value", initial_accumulator_value)
        if initial_accumulator_value <= 0:
            raise ArgumentError(f"initial_accumulator_value must be positive: {initial_accumulator_value} "
                                f"{user_line()}")
        self._initial = initial_accumulator_value
        self._l1, self._l2 = _strengths(who, l1_regularization_strength, l2_regularization_strength)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, fill=self._initial)

    def _apply_dense(self, grad, var):
        update = _updater(touched_rows(grad, var))
        accum = self.get_slot(var, "accumulator")
        accum_t = update(accum, ops.add(accum, ops.square(grad)))
        rate = ops.divide(self._lr_tensor(var), ops.sqrt(accum_t))
        return update(var, _prox(ops.subtract(var, ops.multiply(rate, grad)), rate, self._l1, self._l2))


class AdagradDAOptimizer(Optimizer):
    """TF1's Adagrad dual averaging (module docstring): slots `gradient_accumulator`
    (`w/AdagradDA`, from 0) and `gradient_squared_accumulator` (`w/AdagradDA_1`, from
    `initial_gradient_squared_accumulator_value`); `global_step` is the step tensor TF1 takes
    (pass it to `minimize` too to advance it)."""

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking: bool = False,
                 name: str = "AdagradDA"):
        who = type(self).__name__
        initial = initial_gradient_squared_accumulator_value
        _hyper(who, "initial_gradient_squared_accumulator_value", initial)
        if initial <= 0:
            raise ArgumentError(f"initial_gradient_squared_accumulator_value must be positive: {initial} "
                                f"{user_line()}")
        if not isinstance(global_step, Tensor) or not global_step.dtype.is_integer \
                or global_step.shape not in ((), None):
            raise DTypeError(f"{who}: global_step must be an int scalar tensor (the global step "
                             f"variable), got {global_step!r} {user_line()}")
        super().__init__(learning_rate, use_locking, name)
        self._initial, self._global_step = initial, global_step
        self._l1, self._l2 = _strengths(who, l1_regularization_strength, l2_regularization_strength)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "gradient_accumulator", self._name)
            self._zeros_slot(v, "gradient_squared_accumulator", f"{self._name}_1", fill=self._initial)

    def _apply_dense(self, grad, var):
        update = _updater(touched_rows(grad, var))
        lr = self._lr_tensor(var)
        t = ops.add(ops.cast(self._global_step, dtype=var.dtype), 1)
        g_acc = self.get_slot(var, "gradient_accumulator")
        gg_acc = self.get_slot(var, "gradient_squared_accumulator")
        g_t = update(g_acc, ops.add(g_acc, grad))
        gg_t = update(gg_acc, ops.add(gg_acc, ops.square(grad)))
        numerator = g_t
        if self._l1 > 0:
            numerator = ops.multiply(ops.sign(g_t), ops.maximum(
                ops.subtract(ops.abs(g_t), ops.multiply(t, self._l1)), 0))
        denominator = ops.add(ops.multiply(ops.multiply(t, self._l2), lr), ops.sqrt(gg_t))
        return update(var, ops.divide(ops.multiply(ops.negative(lr), numerator), denominator))
