"""Testing helpers for dualgrad and for users' own gradients (SPEC §5).

    from dualgrad.testing import assert_close, check_function, check_op, gradcheck
    from dualgrad.testing.strategies import broadcastable_shapes, op_calls, tensors  # hypothesis

`check_op(name)` runs the registry's numeric-vs-symbolic check for one op; `check_function`
runs it for your own `autograd.Function`. See docs/testing.md.
"""
from __future__ import annotations

from .asserts import assert_close
from .check_op import CHECKS, check_call, check_declaration, check_function, check_op
from .gradcheck import check_second_order, check_vjp_numeric, gradcheck
from .samples import COMPOSITES, OPS, Sample, Samples
from .samples_more import COMPOSITES as _MORE_COMPOSITES
from .samples_more import OPS as _MORE_OPS
from .samples_special import OPS as _SPECIAL_OPS
from .symcheck import check_symbolic

OPS.update(_MORE_OPS)  # (samples_more: the special functions, einsum, cdist, segment reductions)
COMPOSITES.update(_MORE_COMPOSITES)
OPS.update(_SPECIAL_OPS)  # (samples_special: torch.special's scaled, Bessel, polynomial functions)

__all__ = [
    "CHECKS", "COMPOSITES", "OPS", "Sample", "Samples", "assert_close", "check_call",
    "check_declaration", "check_function", "check_op", "check_second_order", "check_symbolic",
    "check_vjp_numeric", "gradcheck",
]
