"""Who is reading a graph tensor's `.shape`: dualgrad's own code (the plain tuple it computes
with) or a user's (TF1's `TensorShape`). `graph.Tensor.shape` asks; hot paths read `_shape`."""
from __future__ import annotations

import os
import sys

from ..errors import _skipped_dirs


def asked_by_dualgrad() -> bool:
    """Whether the code reading a tensor's `.shape` is dualgrad's own: the innermost caller
    outside the array libraries and the standard library's wrappers (so `np.shape(x)` asks for
    whoever called it, as in `errors.user_frame`) lies in the package."""
    f = sys._getframe(2)
    while f is not None:
        file = f.f_code.co_filename
        if file.startswith(_PACKAGE):
            return True
        if not file.startswith(_skipped_dirs()):
            return False
        f = f.f_back
    return False


# dualgrad's directory as its compiled code names it (not `__file__`: a relocated install
# whose .pyc files name another path must still read its own shapes as tuples)
_PACKAGE = os.path.dirname(os.path.dirname(asked_by_dualgrad.__code__.co_filename)) + os.sep
