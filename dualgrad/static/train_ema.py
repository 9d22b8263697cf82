"""`ds.train.ExponentialMovingAverage`: TF1's shadow variables, each following its variable as

    decay  = min(decay, (1 + num_updates) / (10 + num_updates))   (when num_updates is given)
    shadow -= (shadow - variable) * (1 - decay)

computed as TF1 computes it: `decay` is a float32 tensor (so a float64 shadow uses float32's
0.99, 0.9900000095...), cast to the shadow's dtype. A shadow is the non-trainable variable
`<variable>/ExponentialMovingAverage` (the `name` given), starting at the variable's initial
value (`initialized_value()`); the variables are added to `MOVING_AVERAGE_VARIABLES`.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, user_line
from .compat import GraphKeys, add_to_collection
from .convert import ArgumentError
from .creation import constant, float32
from .graph import Operation, Tensor, get_default_graph
from .variables import GLOBAL_VARIABLES, TRAINABLE_VARIABLES, Variable, group

MOVING_AVERAGE_VARIABLES = "moving_average_variables"  # TF1's GraphKeys.MOVING_AVERAGE_VARIABLES


class ExponentialMovingAverage:
    """Moving averages of variables (TF1's tf.train.ExponentialMovingAverage): `apply(var_list)`
    makes the shadows and returns the op that updates them; `average(var)` is var's shadow."""

    def __init__(self, decay, num_updates=None, zero_debias: bool = False,
                 name: str = "ExponentialMovingAverage"):
        if isinstance(decay, bool) or not isinstance(decay, (int, float, np.integer, np.floating, Tensor)):
            raise DTypeError(f"ExponentialMovingAverage: decay must be a number or a tensor, got {decay!r} "
                             f"{user_line()}")
        if not isinstance(name, str) or not name:
            raise ArgumentError(f"ExponentialMovingAverage: name must be a non-empty str, got {name!r} "
                                f"{user_line()}")
        self._decay, self._num_updates, self._zero_debias, self._name = decay, num_updates, zero_debias, name
        self._averages: dict[int, tuple[Variable, Variable]] = {}

    @property
    def name(self) -> str:
        """The suffix of the shadow variables' names."""
        return self._name

    def apply(self, var_list=None) -> Operation:
        """Make a shadow for each variable of `var_list` (the trainable variables when None) and
        return the op that moves every shadow towards its variable (TF1's `apply`). Tensors
        that are not variables (TF1 averages them from zero, zero-debiased) are refused."""
        graph = get_default_graph()
        variables = list(graph.get_collection(TRAINABLE_VARIABLES) if var_list is None else var_list)
        for var in variables:
            if not isinstance(var, Variable):
                raise DTypeError(f"ExponentialMovingAverage.apply: only variables are averaged here, got "
                                 f"{var!r} {user_line()}")
            if not var.dtype.is_floating_point:
                raise DTypeError(f"ExponentialMovingAverage.apply: the variables must be float, got "
                                 f"{var.name} of dtype {var.dtype.name} {user_line()}")
            if id(var) in self._averages:
                raise ArgumentError(f"ExponentialMovingAverage.apply: the moving average of {var.name} is "
                                    f"already computed {user_line()}")
        for var in variables:
            with graph.control_dependencies(None), graph.root_name_scope(), graph.exact_scope(var.op.name):
                shadow = Variable(var.initialized_value(), name=self._name, trainable=False)
            self._averages[id(var)] = (var, shadow)
            add_to_collection(MOVING_AVERAGE_VARIABLES, var)
        with graph.name_scope(self._name):
            decay = self._decay if isinstance(self._decay, Tensor) else constant(np.float32(self._decay))
            decay = decay if decay.dtype == float32 else ops.cast(decay, dtype=float32)
            if self._num_updates is not None:
                n = ops.cast(self._num_updates if isinstance(self._num_updates, Tensor)
                             else constant(self._num_updates), dtype=float32)
                decay = ops.minimum(decay, ops.divide(ops.add(n, 1.0), ops.add(n, 10.0)))
            updates = []
            for var in variables:
                shadow = self._averages[id(var)][1]
                rate = ops.subtract(1, ops.cast(decay, dtype=shadow.dtype))
                updates.append(shadow.assign_sub(ops.multiply(ops.subtract(shadow, var), rate)))
            return group(*updates) if updates else group()

    def average(self, var) -> Variable | None:
        """The shadow variable of `var`, or None if it is not averaged."""
        found = self._averages.get(id(var))
        return found[1] if found is not None and found[0] is var else None

    def average_name(self, var) -> str:
        """The name (without ':0') of var's shadow: `<var>/<name>`, as in a checkpoint."""
        return f"{var.op.name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        """{checkpoint name: variable} that loads each averaged variable from its shadow's
        entry, and every other global variable from its own (for `ds.train.Saver(...)`)."""
        graph = get_default_graph()
        averaged = list(graph.get_collection(MOVING_AVERAGE_VARIABLES) if moving_avg_variables is None
                        else moving_avg_variables)
        shadows = {id(s) for _, s in self._averages.values()}
        out = {}
        for var in graph.get_collection(GLOBAL_VARIABLES):
            if id(var) in shadows:
                continue
            key = self.average_name(var) if any(var is v for v in averaged) else var.op.name
            out[key] = var
        return out


GraphKeys.MOVING_AVERAGE_VARIABLES = MOVING_AVERAGE_VARIABLES  # `ds.GraphKeys`' name for it, as TF1's

__all__ = ["ExponentialMovingAverage"]
