"""L-BFGS's vector arithmetic (PyTorch's `torch.optim.LBFGS`), as registry ops on the arrays
of the parameters and their gradients, so it runs on any device's arrays and never leaves the
registry: the flat gradient over all parameters, the two-loop recursion that multiplies it by
the limited-memory inverse Hessian, the curvature pair a step adds to the memory, and a move
of every parameter along the flat direction.

The scalars of the recursion (ys, ro, H_diag, al, be) are 0-d arrays in the parameters' dtype,
as PyTorch's 0-d tensors, and the steps `q += -al y` and `r += (al - be) s` take them as the
`descend` op's weak operand, so the loop reads no value back to the host. What decides the
algorithm's course (curvature test, line search, stopping rules) is read back by `value`, as
PyTorch reads its 0-d tensors in Python expressions: a numpy scalar of the parameters' dtype,
which mixes with Python floats as PyTorch's 0-d tensors do (the Python float takes the array's
dtype: NEP 50), so a float32 run rounds its Armijo threshold where PyTorch's does.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import reductions
from .indexing import getitem
from .linalg import matmul
from .movement import concatenate, reshape
from .updates import descend


def flat(arrays: list) -> object:
    """The arrays joined into one vector (PyTorch's `_gather_flat_grad`: `cat` of `view(-1)`)."""
    return concatenate(*[reshape(a, shape=(-1,)) for a in arrays], axis=0)


def dot(a, b) -> object:
    """a . b of two vectors, a 0-d value."""
    return matmul(a, b)


def value(x) -> object:
    """A 0-d value on the host, a numpy scalar of its dtype (PyTorch's 0-d tensor in a Python
    expression, as `if ys > 1e-10` reads it)."""
    return np.asarray(x)[()]


def abs_max(x) -> object:
    """max |x| on the host (PyTorch's `x.abs().max()` in a test), see `value`."""
    return value(reductions.amax(ew.abs(x)))


def abs_sum(x) -> object:
    """sum |x|, a 0-d value."""
    return reductions.sum(ew.abs(x))


def curvature(flat_grad, prev_flat_grad, d, t: float) -> tuple:
    """(y, s, y . s) of the last step: the change of gradient y and of parameters s = t d."""
    y = ew.subtract(flat_grad, prev_flat_grad)
    s = ew.multiply(d, t)
    return y, s, dot(y, s)


def remembered(y, ys) -> tuple:
    """(ro, H_diag) of a curvature pair: 1 / (y . s) and the initial inverse Hessian's scale
    (y . s) / (y . y)."""
    return ew.divide(1.0, ys), ew.divide(ys, dot(y, y))


def direction(flat_grad, old_dirs: list, old_stps: list, ro: list, h_diag, al: list) -> object:
    """-H g by the two-loop recursion (Nocedal's), over the memory's pairs (y: `old_dirs`, s:
    `old_stps`), oldest first; fills `al` (PyTorch keeps it in the state) and returns d."""
    q = ew.negative(flat_grad)
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = ew.multiply(dot(old_stps[i], q), ro[i])
        q = descend(q, old_dirs[i], al[i])  # q += -al y
    r = ew.multiply(q, h_diag)
    for i in range(len(old_dirs)):
        be = ew.multiply(dot(old_dirs[i], r), ro[i])
        r = descend(r, old_stps[i], ew.subtract(be, al[i]))  # r += (al - be) s
    return r


def moved(params: list, t, d) -> list:
    """Each parameter array plus t times its slice of the flat direction d (PyTorch's
    `_add_grad`: `p.add_(d[offset:offset + numel].view_as(p), alpha=t)`); t is a weak operand,
    so a new step length needs no new kernel."""
    out, offset = [], 0
    for p in params:
        size = int(p.size)
        piece = reshape(getitem(d, key=slice(offset, offset + size)), shape=p.shape)
        out.append(descend(p, piece, ew.negative(t) if not isinstance(t, (int, float)) else -t))
        offset += size
    return out
