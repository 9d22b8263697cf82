"""The [13/13] Padé approximant of exp(A) (Higham 2005, Table 10.4) as registry-op
compositions, for the scaling and squaring of the eager `dg.linalg.matrix_exp`
(linalg_more.py) and the static `ds.linalg.expm` (static/tf_linalg_more.py): each scales A
first (its own way of counting the squarings) and squares the result after."""
from __future__ import annotations

from . import elementwise
from .linalg import matmul
from .linalg_solve import solve

# Higham (2005), Table 10.4: the [13/13] Pade coefficients and the 1-norm bound theta_13
PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
          129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
          40840800.0, 960960.0, 16380.0, 182.0, 1.0)
THETA13 = 5.371920351148152


def pade13(A, ident):
    """r_13(A) = (V - U)^-1 (V + U) for the (scaled) square matrices A, `ident` the identity
    of A's size and dtype (a tensor of the caller's kind)."""
    add, multiply = elementwise.add, elementwise.multiply
    b = PADE13
    A2 = matmul(A, A)
    A4 = matmul(A2, A2)
    A6 = matmul(A4, A2)

    def combo(c6, c4, c2, c0=None):
        out = add(add(multiply(A6, c6), multiply(A4, c4)), multiply(A2, c2))
        return out if c0 is None else add(out, multiply(ident, c0))

    U = matmul(A, add(matmul(A6, combo(b[13], b[11], b[9])), combo(b[7], b[5], b[3], b[1])))
    V = add(matmul(A6, combo(b[12], b[10], b[8])), combo(b[6], b[4], b[2], b[0]))
    return solve(elementwise.subtract(V, U), add(V, U))
