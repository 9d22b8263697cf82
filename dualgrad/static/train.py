"""`ds.train`: TF1 optimizers (gradient descent, momentum, Adam; Adagrad and RMSProp from
`train_more`), the Saver and the global step (their base class is `optimizer.Optimizer`).

An optimizer builds graph ops only: `gradients` from the registry's VJP rules, then assign
ops for the update. The gradient ops are not ordered after the updates, so (SPEC §3) they
read the values from before the run: one `sess.run(train_op)` computes the whole step from
one consistent state, and the update is committed when the run ends. Slot variables
(`w/Momentum`, `w/Adam`, `w/Adam_1`) and Adam's `beta1_power`/`beta2_power` follow TF1's
names and semantics.
"""
from __future__ import annotations

from .. import ops
from ..errors import user_frame, user_line
from .convert import ArgumentError
from .creation import convert_to_tensor
from .optimizer import (
    Optimizer,
    _as,
    _hyper,
    create_global_step,
    get_global_step,
    get_or_create_global_step,
    one_minus,
)
from .saver import Saver, latest_checkpoint
from .sparse_rows import touched_rows
from .variables import global_variables


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(learning_rate, use_locking, name)

    def _apply_dense(self, grad, var):
        return var.assign_sub(ops.multiply(self._lr_tensor(var), grad))


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (Nesterov: var -= lr * (grad +
    momentum * accum)), with one `Momentum` slot per variable, as TF1. A variable reached only
    through gathers (`ds.gather`, `ds.nn.embedding_lookup`) updates only the gathered rows, as
    TF1's sparse update of IndexedSlices: the other rows' accumulators do not decay."""

    def __init__(self, learning_rate, momentum, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False):
        super().__init__(learning_rate, use_locking, name)
        _hyper(type(self).__name__, "momentum", momentum)
        self._momentum = momentum
        self._nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        lr, mu = self._lr_tensor(var), self._momentum
        accum_t = ops.add(ops.multiply(accum, mu), grad)
        rows = touched_rows(grad, var)
        if rows is not None:  # TF1's sparse_apply_momentum: only the gathered rows change
            accum_t = ops.where(rows, accum_t, accum)
        accum_t = accum.assign(accum_t)
        step = ops.add(grad, ops.multiply(accum_t, mu)) if self._nesterov else accum_t
        if rows is not None:
            step = ops.where(rows, step, 0)
        return var.assign_sub(ops.multiply(lr, step))


class AdamOptimizer(Optimizer):
    """TF1's Adam: slots `m` (`w/Adam`) and `v` (`w/Adam_1`), and the non-slot variables
    `beta1_power`, `beta2_power` that start at beta1, beta2 and are multiplied in each step.

        lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        var -= lr_t * m / (sqrt(v) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking: bool = False, name: str = "Adam"):
        super().__init__(learning_rate, use_locking, name)
        for key, value in (("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon)):
            _hyper("AdamOptimizer", key, value)
        for key, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= value < 1:
                raise ArgumentError(f"AdamOptimizer: {key} must be in [0, 1), got {value!r} (at "
                                    f"{user_frame()})")
        if epsilon < 0:
            raise ArgumentError(f"AdamOptimizer: epsilon must be >= 0, got {epsilon!r} {user_line()}")
        self._beta1, self._beta2, self._epsilon = beta1, beta2, epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.op.name)
        self._non_slot("beta1_power", self._beta1, first)
        self._non_slot("beta2_power", self._beta2, first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", f"{self._name}_1")

    def _apply_dense(self, grad, var):
        b1, b2 = self._beta1, self._beta2
        b1p = _as(self._non_slots["beta1_power"], var)
        b2p = _as(self._non_slots["beta2_power"], var)
        lr_t = ops.divide(ops.multiply(self._lr_tensor(var), ops.sqrt(ops.subtract(1, b2p))),
                          ops.subtract(1, b1p))
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t = m.assign(ops.add(ops.multiply(m, b1), ops.multiply(grad, one_minus(b1, var))))
        v_t = v.assign(ops.add(ops.multiply(v, b2), ops.multiply(ops.square(grad), one_minus(b2, var))))
        step = ops.divide(ops.multiply(lr_t, m_t), ops.add(ops.sqrt(v_t), self._epsilon))
        return var.assign_sub(step)

    def _finish(self):
        b1p, b2p = self._non_slots["beta1_power"], self._non_slots["beta2_power"]
        return [b1p.assign(ops.multiply(b1p, self._beta1)),
                b2p.assign(ops.multiply(b2p, self._beta2))]


__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "Saver",
           "latest_checkpoint", "get_global_step", "create_global_step", "get_or_create_global_step",
           "global_variables", "convert_to_tensor"]

# Adagrad and RMSProp live in their own module, which builds on `optimizer.Optimizer` too
from .train_more import AdagradOptimizer, RMSPropOptimizer  # noqa: E402

__all__ += ["AdagradOptimizer", "RMSPropOptimizer"]

# TF1's learning-rate decays (static/lr_decay.py)
from .lr_decay import (  # noqa: E402
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    natural_exp_decay,
    piecewise_constant,
    piecewise_constant_decay,
    polynomial_decay,
)

__all__ += ["cosine_decay", "exponential_decay", "inverse_time_decay", "natural_exp_decay",
            "piecewise_constant", "piecewise_constant_decay", "polynomial_decay"]

# Adadelta and FTRL (static/train_adadelta_ftrl.py)
from .train_adadelta_ftrl import AdadeltaOptimizer, FtrlOptimizer  # noqa: E402

__all__ += ["AdadeltaOptimizer", "FtrlOptimizer"]

# TF1's moving averages of variables (static/train_ema.py)
from .train_ema import ExponentialMovingAverage  # noqa: E402

__all__ += ["ExponentialMovingAverage"]

# TF1's proximal optimizers and Adagrad dual averaging (static/train_proximal.py)
from .train_proximal import (  # noqa: E402
    AdagradDAOptimizer,
    ProximalAdagradOptimizer,
    ProximalGradientDescentOptimizer,
)

__all__ += ["AdagradDAOptimizer", "ProximalAdagradOptimizer", "ProximalGradientDescentOptimizer"]

# TF1's cosine decay with restarts and the linear-cosine decays (static/lr_decay_more.py)
from .lr_decay_more import cosine_decay_restarts, linear_cosine_decay, noisy_linear_cosine_decay  # noqa: E402

__all__ += ["cosine_decay_restarts", "linear_cosine_decay", "noisy_linear_cosine_decay"]
