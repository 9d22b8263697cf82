"""`ds.train.AdagradOptimizer` and `ds.train.RMSPropOptimizer`: TF1's update rules, slots and
slot names, as registry-op compositions on top of `optimizer.Optimizer`.

    Adagrad:  accum += g^2;  var -= lr * g / sqrt(accum)         (accum starts at 0.1)
    RMSProp:  ms = decay * ms + (1 - decay) * g^2                 (ms starts at 1)
              [centered: mg = decay * mg + (1 - decay) * g;  ms_hat = ms - mg^2]
              mom = momentum * mom + lr * g / sqrt(ms_hat + epsilon)   (epsilon inside the root)
              var -= mom

As TF1's sparse kernels, RMSProp updates only the gathered rows of a variable read through
gathers (`sparse_rows.py`); Adagrad's sparse and dense rules agree (a zero gradient changes
neither the accumulator nor the variable).
"""
from __future__ import annotations

from .. import ops
from ..errors import user_line
from .convert import ArgumentError
from .optimizer import Optimizer, _hyper, one_minus
from .sparse_rows import touched_rows


class AdagradOptimizer(Optimizer):
    """TF1's Adagrad: one `accumulator` slot per variable (`w/Adagrad`), starting at
    `initial_accumulator_value` (which must be positive, as TF1 requires)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking: bool = False,
                 name: str = "Adagrad"):
        super().__init__(learning_rate, use_locking, name)
        _hyper("AdagradOptimizer", "initial_accumulator_value", initial_accumulator_value)
        if initial_accumulator_value <= 0:
            raise ArgumentError(f"initial_accumulator_value must be positive: {initial_accumulator_value} "
                                f"{user_line()}")
        self._initial = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, fill=self._initial)

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accumulator")
        accum_t = accum.assign(ops.add(accum, ops.square(grad)))
        step = ops.divide(ops.multiply(self._lr_tensor(var), grad), ops.sqrt(accum_t))
        return var.assign_sub(step)


class RMSPropOptimizer(Optimizer):
    """TF1's RMSProp (module docstring): slots `rms` (`w/RMSProp`, starting at 1), `mg` when
    `centered` and `momentum` (`w/RMSProp_1`, `w/RMSProp_2` in TF1's order)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking: bool = False,
                 centered: bool = False, name: str = "RMSProp"):
        super().__init__(learning_rate, use_locking, name)
        for key, value in (("decay", decay), ("momentum", momentum), ("epsilon", epsilon)):
            _hyper("RMSPropOptimizer", key, value)
        self._decay, self._momentum, self._epsilon, self._centered = decay, momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "rms", self._name, fill=1.0)
            if self._centered:
                self._zeros_slot(v, "mg", f"{self._name}_1")
            self._zeros_slot(v, "momentum", f"{self._name}_{2 if self._centered else 1}")

    def _apply_dense(self, grad, var):
        rho, rows = self._decay, touched_rows(grad, var)

        def update(slot, new):  # only the gathered rows of a sparse gradient, as TF1's kernels
            return slot.assign(new if rows is None else ops.where(rows, new, slot))

        ms = self.get_slot(var, "rms")
        ms_t = update(ms, ops.add(ops.multiply(ms, rho), ops.multiply(ops.square(grad), one_minus(rho, var))))
        denominator = ms_t
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = update(mg, ops.add(ops.multiply(mg, rho), ops.multiply(grad, one_minus(rho, var))))
            denominator = ops.subtract(ms_t, ops.square(mg_t))
        mom = self.get_slot(var, "momentum")
        step = ops.divide(ops.multiply(self._lr_tensor(var), grad),
                          ops.sqrt(ops.add(denominator, self._epsilon)))
        mom_t = update(mom, ops.add(ops.multiply(mom, self._momentum), step))
        return var.assign_sub(mom_t if rows is None else ops.where(rows, mom_t, 0))
