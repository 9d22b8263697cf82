"""`dualgrad.optim`: PyTorch's optimizers and learning-rate schedules. The update formulas
are registry-op functions in `dualgrad.ops.updates` (NAdam's and RAdam's in
`dualgrad.ops.updates_more`, with Adamax's, Adadelta's, Rprop's and ASGD's; L-BFGS's vector
arithmetic in `dualgrad.ops.updates_lbfgs`)."""
from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax_adadelta import Adadelta, Adamax
from .lbfgs import LBFGS
from .nadam import NAdam, RAdam
from .optimizer import Optimizer, OptimizerError
from .rmsprop import RMSprop
from .rprop_asgd import ASGD, Rprop
from .sgd import SGD

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer",
           "OptimizerError", "RAdam", "RMSprop", "Rprop", "lr_scheduler"]
