"""`ds.train.AdadeltaOptimizer` and `ds.train.FtrlOptimizer`: the update equations of TF1's
kernels (tensorflow/core/kernels/training_ops.cc: ApplyAdadelta, ApplyFtrl, ApplyFtrlV2) as
registry-op compositions on top of `optimizer.Optimizer`, with TF1's slots and slot names.

    Adadelta: accum = rho * accum + (1 - rho) * g^2
              update = sqrt(accum_update + eps) / sqrt(accum + eps) * g
              var -= lr * update
              accum_update = rho * accum_update + (1 - rho) * update^2
    Ftrl:     g_s = g + 2 * l2_shrinkage * var                     (V2; g_s = g without it)
              new_accum = accum + g^2
              linear += g_s - (new_accum^(-lr_power) - accum^(-lr_power)) / lr * var
              var = (l1 * sign(linear) - linear) / (new_accum^(-lr_power) / lr + 2 * l2)
                    where |linear| > l1, else 0
              accum = new_accum
    (x^(-lr_power) is sqrt(x) for TF1's default lr_power = -0.5; `beta` adds beta / (2 * lr)
    to l2, as TF1's FtrlOptimizer.)

As TF1's sparse kernels, a variable read through gathers (`sparse_rows.py`) updates only the
gathered rows: the others' slots and values stay.
"""
from __future__ import annotations

from .. import ops
from ..errors import user_line
from .convert import ArgumentError
from .optimizer import Optimizer, _hyper, one_minus
from .sparse_rows import touched_rows


def _updater(rows):
    def update(slot, new):
        return slot.assign(new if rows is None else ops.where(rows, new, slot))
    return update


class AdadeltaOptimizer(Optimizer):
    """TF1's Adadelta (module docstring): slots `accum` (`w/Adadelta`) and `accum_update`
    (`w/Adadelta_1`), both starting at 0."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking: bool = False,
                 name: str = "Adadelta"):
        super().__init__(learning_rate, use_locking, name)
        for key, value in (("rho", rho), ("epsilon", epsilon)):
            _hyper("AdadeltaOptimizer", key, value)
        self._rho, self._epsilon = rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", f"{self._name}_1")

    def _apply_dense(self, grad, var):
        rho, eps, rows = self._rho, self._epsilon, touched_rows(grad, var)
        update = _updater(rows)
        accum, accum_update = self.get_slot(var, "accum"), self.get_slot(var, "accum_update")
        accum_t = update(accum, ops.add(ops.multiply(accum, rho),
                                        ops.multiply(ops.square(grad), one_minus(rho, var))))
        step = ops.multiply(ops.divide(ops.sqrt(ops.add(accum_update, eps)), ops.sqrt(ops.add(accum_t, eps))),
                            grad)
        # accum_update is read before it is written: TF1's kernel updates it after var
        new_var = update(var, ops.subtract(var, ops.multiply(step, self._lr_tensor(var))))
        with var.graph.control_dependencies([new_var]):
            done = update(accum_update, ops.add(ops.multiply(accum_update, rho),
                                                ops.multiply(ops.square(step), one_minus(rho, var))))
        return done


class FtrlOptimizer(Optimizer):
    """TF1's FTRL-Proximal (module docstring): slots `accum` (`w/Ftrl`, starting at
    `initial_accumulator_value`) and `linear` (`w/Ftrl_1`, starting at 0); the argument
    checks and their messages are TF1's."""

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking: bool = False,
                 name: str = "Ftrl", accum_name: str | None = None, linear_name: str | None = None,
                 l2_shrinkage_regularization_strength=0.0, beta=None):
        super().__init__(learning_rate, use_locking, name)
        who = "FtrlOptimizer"
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("learning_rate_power", learning_rate_power, "negative or zero"),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "positive or zero"),
                  ("beta", 0.0 if beta is None else beta, None))
        for key, value, rule in checks:
            _hyper(who, key, value)
            if rule is not None and (value > 0 if rule.startswith("negative") else value < 0):
                raise ArgumentError(f"{who}: {key} {value:f} needs to be {rule} {user_line()}")
        self._power = learning_rate_power
        self._initial = initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._shrinkage = l2_shrinkage_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._accum_name or self._name, fill=self._initial)
            self._zeros_slot(v, "linear", self._linear_name or f"{self._name}_1")

    def _powered(self, x):
        return ops.sqrt(x) if self._power == -0.5 else ops.power(x, -self._power)

    def _apply_dense(self, grad, var):
        lr, rows = self._lr_tensor(var), touched_rows(grad, var)
        update = _updater(rows)
        l2 = self._l2
        if self._beta:  # TF1 folds beta into l2: l2 + beta / (2 * max(lr, 1e-36))
            l2 = ops.add(l2, ops.divide(self._beta, ops.multiply(2, ops.maximum(lr, 1e-36))))
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        g_s = grad  # TF1's V2 kernel when l2_shrinkage > 0: g + 2 * l2_shrinkage * var
        if self._shrinkage > 0:
            g_s = ops.add(grad, ops.multiply(ops.multiply(var, self._shrinkage), 2))
        new_accum = ops.add(accum, ops.square(grad))
        sigma = ops.divide(ops.subtract(self._powered(new_accum), self._powered(accum)), lr)
        linear_t = update(linear, ops.add(linear, ops.subtract(g_s, ops.multiply(sigma, var))))
        x = ops.subtract(ops.multiply(ops.sign(linear_t), self._l1), linear_t)
        y = ops.add(ops.divide(self._powered(new_accum), lr), ops.multiply(l2, 2))
        new_var = ops.where(ops.greater(ops.abs(linear_t), self._l1), ops.divide(x, y), 0)
        var_t = update(var, new_var)
        with var.graph.control_dependencies([var_t]):
            return update(accum, new_accum)
