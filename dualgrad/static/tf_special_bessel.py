"""TF1's Bessel, incomplete gamma, zeta and ndtri functions with TF's signatures: `tf.math.igamma`,
`igammac`, `zeta`, `ndtri`, `bessel_i0`, `bessel_i0e`, `bessel_i1`, `bessel_i1e`, and
`tf.math.special`'s `bessel_j0`, `bessel_j1`, `bessel_y0`, `bessel_y1`, `bessel_k0`, `bessel_k0e`,
`bessel_k1`, `bessel_k1e` (and its i0/i1 names). The math is the registry's (ops.special_scaled,
ops.special_bessel, ops.special_more), the same ops as torch.special's names in `dg.special`.

TF differentiates `igamma`/`igammac` in `a` too; these follow PyTorch's rule, which has no
derivative there (`tf.gradients` gives None for `a`). `zeta` has none in `x`, as TF's."""
from __future__ import annotations

from types import SimpleNamespace

from .. import ops
from .api import _n, _tensor
from .creation import graph_operands


def _unary(op, tf_name: str):
    def fn(x, name=None):
        return _n(op(_tensor(x)), name)

    fn.__name__ = fn.__qualname__ = tf_name.rsplit(".", 1)[-1]
    fn.__doc__ = f"{op.doc.rsplit(' (', 1)[0]} ({tf_name})."
    return fn


def igamma(a, x, name=None):
    """The regularized lower incomplete gamma function P(a, x) (tf.math.igamma); no gradient in a."""
    return _n(ops.gammainc(*graph_operands(a, x)), name)


def igammac(a, x, name=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (tf.math.igammac); no
    gradient in a."""
    return _n(ops.gammaincc(*graph_operands(a, x)), name)


def zeta(x, q, name=None):
    """The Hurwitz zeta function sum_k (k + q)**-x (tf.math.zeta); no gradient in x."""
    return _n(ops.zeta(*graph_operands(x, q)), name)


ndtri = _unary(ops.ndtri, "tf.math.ndtri")
bessel_i0 = _unary(ops.i0, "tf.math.bessel_i0")
bessel_i1 = _unary(ops.i1, "tf.math.bessel_i1")
bessel_i0e = _unary(ops.i0e, "tf.math.bessel_i0e")
bessel_i1e = _unary(ops.i1e, "tf.math.bessel_i1e")

MATH_NAMES = ("igamma", "igammac", "zeta", "ndtri", "bessel_i0", "bessel_i1", "bessel_i0e", "bessel_i1e")

_SPECIAL_OPS = {"bessel_j0": ops.bessel_j0, "bessel_j1": ops.bessel_j1, "bessel_y0": ops.bessel_y0,
                "bessel_y1": ops.bessel_y1, "bessel_k0": ops.modified_bessel_k0,
                "bessel_k1": ops.modified_bessel_k1, "bessel_k0e": ops.scaled_modified_bessel_k0,
                "bessel_k1e": ops.scaled_modified_bessel_k1}
#: TF1's `tf.math.special`
special = SimpleNamespace(**{n: _unary(op, f"tf.math.special.{n}") for n, op in _SPECIAL_OPS.items()},
                          **{n: globals()[n] for n in MATH_NAMES if n.startswith("bessel_")})

__all__ = [*MATH_NAMES, "special"]
