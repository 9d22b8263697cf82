"""Sample calls for every registry op and composite (PyTorch's OpInfo `sample_inputs`).

An op's declaration says what it computes; it cannot say which shapes, attrs and values make
a good test of it (`sum` needs an `axis`, `getitem` a key, `amax` values without ties). This
table says that once, so `check_op(name)`, the hypothesis strategies and the registry test
all draw from the same place. An op missing here makes the registry test fail.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .. import dtypes

#: Input kinds: "float" (values inside the op's domain), "bool" (a mask), "shape" (a float
#: array that only lends its shape, like the second input of `sum_to_like`), "index" (int64
#: positions in [lo, hi) of the input's domain, such as the indices of `take`), "matrix"
#: (square float matrices in the last two dims, far from singular: the domain's values plus
#: +-n on the diagonal, for inv/det/solve).
FLOAT, BOOL, SHAPE, INDEX, MATRIX = "float", "bool", "shape", "index", "matrix"
#: More matrix kinds, for the decompositions: "spd" (symmetric positive definite with well
#: separated eigenvalues: cholesky, eigh) and "spread" (any m x n with well separated singular
#: values: svd, qr).
SPD, SPREAD = "spd", "spread"


@dataclass(frozen=True)
class Sample:
    """One call of an op: the shape of each array input, the attrs, and each input's kind."""

    shapes: tuple[tuple[int, ...], ...]
    attrs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    kinds: tuple[str, ...] = ()

    def kind(self, i: int) -> str:
        """The kind of input `i` (float by default): what values the samples draw for it."""
        return self.kinds[i] if i < len(self.kinds) else FLOAT


@dataclass(frozen=True)
class Samples:
    """How to test one op: its sample calls and how to keep values off its kinks.

    `avoid`: points where the op is not differentiable (relu at 0); drawn values keep a gap.
    `distinct`: values inside one input never tie (amax, max_dim, sorting-like ops).
    `interleave`: inputs take values from offset lattices, so they never tie with each other
    (maximum/minimum). `broadcast`: the hypothesis strategy also draws mutually broadcastable
    shapes for the float inputs (elementwise ops). `domain`: overrides the op's own domain
    (composites have none of their own). `grad`: False for a sample whose output is not a
    float64 value worth differentiating (cast to float32)."""

    cases: tuple[Sample, ...]
    avoid: tuple[float, ...] = ()
    distinct: bool = False
    interleave: bool = False
    broadcast: bool = False
    domain: tuple | None = None


def _s(*shapes, kinds=(), **attrs) -> Sample:
    return Sample(tuple(tuple(s) for s in shapes), MappingProxyType(attrs), tuple(kinds))


_BINARY = (_s((2, 3), (2, 3)), _s((2, 3), (3,)), _s((2, 1), (1, 3)), _s((), (2,)), _s((3,), ()))
_UNARY = (_s((2, 3)), _s(()), _s((4,)))
_REDUCE = (_s((2, 3)), _s((2, 3), axis=0), _s((2, 3, 2), axis=(0, 2), keepdims=True),
           _s((3, 2), axis=-1, keepdims=True), _s((4,), axis=0), _s(()))
_ALONG = (_s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True), _s((4,), axis=-1))
_PREDICATE = Samples(_BINARY, broadcast=True)
_LIKE = (FLOAT, SHAPE)
_MASKED = (FLOAT, BOOL)
_LOSS_CASES = (_s((2, 3), (2, 3)), _s((3,), (3,), reduction="none"), _s((2, 2), (2, 2), reduction="sum"))
_CLASS_CASES = (_s((3, 4), (3, 4), kinds=_MASKED, reduction="sum"),
                _s((3, 4), (3, 4), (4,), kinds=_MASKED + (FLOAT,), reduction="none"),
                _s((4,), (4,), kinds=_MASKED, reduction="sum"),
                _s((2, 3, 2), (2, 3, 2), (3,), kinds=_MASKED + (FLOAT,), reduction="sum"))
_CLASS_DOMAIN = ((-3.0, 3.0), (-3.0, 3.0), (0.2, 2.0))
_LABELS = (FLOAT, INDEX, FLOAT)  # (log-probabilities, a class label per example, a weight per class)
# (a 'mean' over drawn labels that are all ignore_index is NaN: those samples ignore none)
_LABEL_CASES = (_s((3, 4), (3,), (4,), kinds=_LABELS), _s((3, 4), (3,), (), kinds=_LABELS),
                _s((3, 4), (3,), (4,), kinds=_LABELS, ignore_index=1, mean=False),
                _s((4,), (), (4,), kinds=_LABELS, mean=False), _s((2, 3, 2), (2, 2), (3,), kinds=_LABELS),
                _s((2, 3, 2), (2, 2), (3,), kinds=_LABELS, ignore_index=2, mean=False))
_LABEL_DOMAIN = ((-3.0, 3.0), (0, 3), (0.2, 2.0))

_SCATTER_2D = (np.array([[0, 1], [2, 0], [0, 0], [1, 2]]), np.array([[0, 1]]))  # src (4, 2) into (3, 2)
_SCATTER_1D = (np.array([1, 1, 0]),)  # position 2 keeps its value

OPS: dict[str, Samples] = {
    # -- elementwise arithmetic ------------------------------------------------------------
    "add": Samples(_BINARY, broadcast=True),
    "subtract": Samples(_BINARY, broadcast=True),
    "multiply": Samples(_BINARY, broadcast=True),
    "divide": Samples(_BINARY, broadcast=True),
    "power": Samples(_BINARY, broadcast=True),
    "maximum": Samples(_BINARY, broadcast=True, interleave=True),
    "minimum": Samples(_BINARY, broadcast=True, interleave=True),
    "negative": Samples(_UNARY, broadcast=True),
    "reciprocal": Samples(_UNARY, broadcast=True),
    # -- transcendental ---------------------------------------------------------------------
    **{name: Samples(_UNARY, broadcast=True) for name in (
        "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid")},
    "square": Samples(_UNARY, broadcast=True),
    **{name: Samples(_UNARY, broadcast=True) for name in (
        "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh")},
    "atan2": Samples(_BINARY, broadcast=True),
    "logaddexp": Samples(_BINARY, broadcast=True),
    "logaddexp2": Samples(_BINARY, broadcast=True),
    # -- piecewise ---------------------------------------------------------------------------
    "relu": Samples(_UNARY, broadcast=True, avoid=(0.0,)),
    "abs": Samples(_UNARY, broadcast=True, avoid=(0.0,)),
    "sign": Samples(_UNARY, broadcast=True, avoid=(0.0,)),
    "clip": Samples((_s((2, 3), min=-1.0, max=1.5), _s((4,), min=0.5), _s((3,), max=-0.5)),
                    broadcast=True, avoid=(-1.0, 1.5, 0.5, -0.5)),
    # -- comparisons and selection ---------------------------------------------------------
    "equal": _PREDICATE, "not_equal": _PREDICATE, "less": _PREDICATE,
    "less_equal": _PREDICATE, "greater": _PREDICATE, "greater_equal": _PREDICATE,
    "logical_not": Samples((_s((2, 3), kinds=(BOOL,)), _s((), kinds=(BOOL,)))),
    "where": Samples((_s((2, 3), (2, 3), (2, 3), kinds=(BOOL,)), _s((2, 1), (3,), (2, 3), kinds=(BOOL,)),
                      _s((3,), (2, 3), (), kinds=(BOOL,))), broadcast=True),
    "where_linked": Samples((_s((2, 3), (2, 3), (2, 3), kinds=(BOOL,)),
                             _s((2, 1), (3,), (2, 3), kinds=(BOOL,)),
                             _s((3,), (2, 3), (), kinds=(BOOL,))), broadcast=True),
    "relu_grad": Samples((_s((2, 3), (2, 3)), _s((4,), (4,)), _s((), ())), avoid=(0.0,)),
    "where_grad": Samples((_s((2, 3), (2, 3), (2, 3), kinds=(BOOL,)), _s((3,), (2, 3), (2, 3), kinds=(BOOL,)),
                           _s((2, 3), (2, 3), (2, 3), kinds=(BOOL,), passes=True))),
    # -- ops.modulo: the domains keep a/b off integers (where the ops jump) ------------------
    "remainder": Samples(_BINARY, broadcast=True),
    "fmod": Samples(_BINARY, broadcast=True),
    "floor_divide": Samples(_BINARY, broadcast=True),
    "trunc": Samples(_UNARY, broadcast=True, avoid=(-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)),
    # -- ops.bitwise: int64 in [-8, 8) and bools ---------------------------------------------
    **{name: Samples((_s((2, 3), (2, 3), kinds=(INDEX, INDEX)), _s((2, 1), (3,), kinds=(INDEX, INDEX)),
                      _s((), (2,), kinds=(INDEX, INDEX)), _s((2, 3), (3,), kinds=(BOOL, BOOL))))
       for name in ("bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_not": Samples((_s((2, 3), kinds=(INDEX,)), _s((), kinds=(INDEX,)), _s((4,), kinds=(BOOL,)))),
    **{name: Samples((_s((2, 3), (2, 3), kinds=(INDEX, INDEX)), _s((2, 1), (3,), kinds=(INDEX, INDEX)),
                      _s((), (2,), kinds=(INDEX, INDEX))))
       for name in ("bitwise_left_shift", "bitwise_right_shift")},
    # -- optimizer updates (ops.updates) ----------------------------------------------------
    "ema": Samples((_s((2, 3), (2, 3), ()), _s((3,), (3,), ()), _s((2, 3), (3,), ())), broadcast=True),
    "add_square": Samples((_s((2, 3), (2, 3), (), ()), _s((4,), (4,), (), ()), _s((2, 3), (3,), (), ())),
                          broadcast=True),
    "rms_update": Samples((_s((2, 3), (2, 3), (2, 3), (), (), (), (), eps=1e-8),
                           _s((4,), (4,), (4,), (), (), (), (), eps=1e-3),
                           _s((2, 3), (3,), (2, 3), (), (), (), (), eps=0.1, lr_decay=0.5),
                           _s((3,), (3,), (3,), (), (), (), (), eps=1e-8, weight_decay=0.1)),
                          broadcast=True),
    "class_mask": Samples((_s((4,), (), kinds=(INDEX, INDEX), classes=3),
                           _s((2, 3), (), kinds=(INDEX, INDEX), classes=3),
                           _s((), (), kinds=(INDEX, INDEX), classes=3))),
    "add_scaled": Samples((_s((2, 3), (2, 3), alpha=-0.1), _s((2, 3), (3,), alpha=2.0)), broadcast=True),
    "descend": Samples((_s((2, 3), (2, 3), ()), _s((2, 3), (3,), ())), broadcast=True),
    "add_momentum": Samples((_s((2, 3), (2, 3), ()), _s((2, 3), (3,), (), scale=0.7)), broadcast=True),
    "cast": Samples((_s((2, 3), dtype=dtypes.float64), _s((3,), dtype=dtypes.float32),
                     _s((2,), dtype=dtypes.int64))),
    # -- indexing ------------------------------------------------------------------------------
    "getitem": Samples((
        _s((3, 4), key=(0, slice(1, 3))), _s((3, 4), key=(Ellipsis, None, 1)),
        _s((4, 2), key=(slice(None, None, -2),)), _s((4,), key=np.array([0, 2, 0])),
        _s((3, 2), key=(np.array([2, 0]), slice(None))),
        _s((2, 3), key=np.array([[True, False, True], [False, True, True]])),
        _s((3, 4), key=(-1, slice(None, None, 2))),
        _s((2, 3, 4), key=(np.array([1, 0]), slice(None), np.array([2, 2]))))),
    "setitem": Samples((
        _s((3, 4), (4,), key=1), _s((3, 4), (), key=(slice(None, 2), 0)),
        _s((4, 2), (2, 2), key=np.array([3, 1])), _s((2, 3), (3,), key=np.array([True, False])))),
    "scatter_like": Samples((
        _s((2,), (3, 4), kinds=_LIKE, key=(0, slice(1, 3))),
        _s((3,), (4,), kinds=_LIKE, key=np.array([0, 2, 0])),
        _s((2, 2, 1), (2, 2), kinds=_LIKE, key=(Ellipsis, None)))),
    # -- movement -------------------------------------------------------------------------------
    "reshape": Samples((_s((2, 3), shape=(3, 2)), _s((2, 3), shape=(-1,)), _s((4,), shape=(2, 1, -1)),
                        _s((), shape=(1, 1)))),
    "reshape_like": Samples((_s((2, 3), (6,), kinds=_LIKE), _s((4,), (2, 2), kinds=_LIKE))),
    "transpose": Samples((_s((2, 3)), _s((2, 3, 2), axes=(1, 0, 2)), _s((2, 1, 3), axes=(2, 0, 1)))),
    "expand_dims": Samples((_s((2, 3), axis=0), _s((2, 3), axis=-1), _s((3,), axis=(0, 2)))),
    "squeeze": Samples((_s((2, 1, 3)), _s((1, 3, 1), axis=0), _s((1, 3), axis=-1), _s((2, 1), axis=(1,)),
                        _s((1,)), _s((2, 3), axis=0))),
    "broadcast_to": Samples((_s((3,), shape=(2, 3)), _s((2, 1), shape=(2, 3)), _s((), shape=(2,)))),
    "broadcast_to_like": Samples((_s((3,), (2, 3), kinds=_LIKE),
                                  _s((2, 1), (3, 2, 4), kinds=_LIKE))),
    "sum_to_like": Samples((_s((2, 3), (3,), kinds=_LIKE), _s((2, 3, 4), (3, 1), kinds=_LIKE),
                            _s((2, 3), (2, 3), kinds=_LIKE), _s((2, 2), (), kinds=_LIKE))),
    "concatenate": Samples((_s((2, 3), (1, 3), (2, 3)), _s((2, 1), (2, 3), axis=-1), _s((3,), (2,), axis=0),
                            _s((2, 1), (2, 2), (2, 3), axis=1))),
    "stack": Samples((_s((2, 3), (2, 3)), _s((3,), (3,), (3,), axis=1), _s((), (), axis=0))),
    # -- reductions -----------------------------------------------------------------------------
    "sum": Samples(_REDUCE),
    "mean": Samples(_REDUCE),
    # prod's VJP is exact at zeros, but with two zeros in a slice it is 0 and so is its own
    # derivative (as in PyTorch), which finite differences of the VJP would not confirm
    "prod": Samples(_REDUCE, avoid=(0.0,)),
    "amax": Samples(_REDUCE, distinct=True),
    "amin": Samples(_REDUCE, distinct=True),
    "max_dim": Samples(_ALONG, distinct=True),
    "min_dim": Samples(_ALONG, distinct=True),
    "first_max_mask": Samples((_s((2, 3), axis=1), _s((3, 2), axis=0), _s((4,), axis=0)), distinct=True),
    "first_min_mask": Samples((_s((2, 3), axis=1), _s((3, 2), axis=0), _s((4,), axis=0)), distinct=True),
    "argmax": Samples((_s((2, 3)), _s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True),
                       _s((2, 2), keepdims=True)), distinct=True),
    "argmin": Samples((_s((2, 3)), _s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True),
                       _s((2, 2), keepdims=True)), distinct=True),
    "size": Samples((_s((2, 3)), _s((2, 3), axis=1), _s((2, 3, 2), axis=(0, 2)))),
    "softmax": Samples((_s((2, 3)), _s((2, 3), axis=0), _s((4,)))),
    "log_softmax": Samples((_s((2, 3)), _s((2, 3), axis=0), _s((4,)))),
    "log_softmax_grad": Samples((_s((2, 3), (2, 3)), _s((2, 3), (2, 3), axis=0), _s((4,), (4,)))),
    "softmax_grad": Samples((_s((2, 3), (2, 3)), _s((2, 3), (2, 3), axis=0), _s((4,), (4,)))),
    # -- linear algebra ------------------------------------------------------------------------
    "binary_cross_entropy_terms": Samples(_BINARY, broadcast=True),
    # -- ops.selection -----------------------------------------------------------------------
    "clone": Samples(_UNARY, broadcast=True),
    "isnan": Samples(_UNARY), "isinf": Samples(_UNARY), "isfinite": Samples(_UNARY),
    "logical_and": Samples((_s((2, 3), (2, 3), kinds=(BOOL, BOOL)), _s((2, 1), (3,), kinds=(BOOL, BOOL)))),
    "logical_or": Samples((_s((2, 3), (2, 3), kinds=(BOOL, BOOL)), _s((2, 1), (3,), kinds=(BOOL, BOOL)))),
    "cumsum": Samples((_s((4,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0), _s((2, 3), axis=-1))),
    "logcumsumexp": Samples((_s((4,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0), _s((2, 3), axis=-1))),
    "argsort": Samples((_s((3,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0, descending=True)),
                       distinct=True),
    # -- ops.running: ties are drawn too (the rule picks the last of them) -------------------
    "cummax_index": Samples((_s((4,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0), _s((2, 3), axis=-1))),
    "cummin_index": Samples((_s((4,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0), _s((2, 3), axis=-1))),
    # -- ops.gathering ---------------------------------------------------------------------
    "round": Samples(_UNARY, broadcast=True, avoid=(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)),
    "floor": Samples(_UNARY, broadcast=True, avoid=(-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)),
    "ceil": Samples(_UNARY, broadcast=True, avoid=(-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)),
    "logical_xor": Samples((_s((2, 3), (2, 3), kinds=(BOOL, BOOL)), _s((2, 1), (3,), kinds=(BOOL, BOOL)))),
    "take": Samples((_s((3, 2), (4,), kinds=(FLOAT, INDEX)), _s((2, 3), (2, 2), kinds=(FLOAT, INDEX), axis=1),
                     _s((3,), (), kinds=(FLOAT, INDEX)), _s((2, 3, 2), (3,), kinds=(FLOAT, INDEX), axis=-1)),
                    domain=((-3.0, 3.0), (0, 2))),
    "take_add": Samples((_s((4, 2), (3, 2), (4,), kinds=(FLOAT, SHAPE, INDEX)),
                         _s((2, 2, 2), (2, 3), (2, 2), kinds=(FLOAT, SHAPE, INDEX), axis=1),
                         _s((), (3,), (), kinds=(FLOAT, SHAPE, INDEX))),
                        domain=((-3.0, 3.0), (-3.0, 3.0), (0, 2))),
    # -- ops.class_nll -------------------------------------------------------------------------
    "nll_at_labels": Samples(_LABEL_CASES),
    "nll_at_labels_grad": Samples(tuple(_s(() if c.attrs.get("mean", True) else c.shapes[1], *c.shapes,
                                           kinds=(FLOAT, SHAPE, INDEX, FLOAT), **c.attrs)
                                        for c in _LABEL_CASES)),
    "concat_part": Samples((_s((5, 2), (2, 2), (3, 2), kinds=(FLOAT, SHAPE, SHAPE), index=1),
                            _s((2, 4), (2, 1), (2, 3), kinds=(FLOAT, SHAPE, SHAPE), index=0, axis=-1))),
    "concat_pad": Samples((_s((3, 2), (2, 2), (3, 2), kinds=(FLOAT, SHAPE, SHAPE), index=1),
                           _s((2, 1), (2, 1), (2, 3), kinds=(FLOAT, SHAPE, SHAPE), index=0, axis=1))),
    "pad": Samples((_s((2, 3), paddings=((1, 0), (2, 1))),
                    _s((3,), paddings=((0, 2),), constant_values=1.5))),
    # inv/det/solve: well-conditioned matrices (MATRIX), small: the sympy check inverts each
    **{name: Samples((_s((2, 2), kinds=(MATRIX,)), _s((2, 2, 2), kinds=(MATRIX,))), domain=((-0.5, 0.5),))
       for name in ("inv", "logabsdet", "det_sign")},
    "det": Samples((_s((2, 2), kinds=(MATRIX,)), _s((3, 3), kinds=(MATRIX,)), _s((2, 2, 2), kinds=(MATRIX,))),
                   domain=((-0.5, 0.5),)),
    "solve": Samples((_s((2, 2), (2,), kinds=(MATRIX,)), _s((2, 2), (2, 3), kinds=(MATRIX,)),
                      _s((2, 2, 2), (2,), kinds=(MATRIX,)), _s((2, 2), (3, 2, 1), kinds=(MATRIX,)),
                      _s((2, 2, 2), (2, 2), kinds=(MATRIX,))), domain=((-0.5, 0.5), (-3.0, 3.0))),
    # decompositions: SPD / SPREAD matrices (well separated spectra, far from singular), one tiny
    # case each: sympy.diff of their closed forms swells fast, and every shape compiles for jax
    # (tests/ops/test_linalg_decomp.py checks bigger ones, tall and wide, and every attr)
    "cholesky": Samples((_s((1, 2, 2), kinds=(SPD,), upper=True),), domain=((-0.5, 0.5),)),
    "eigh": Samples((_s((2, 2), kinds=(SPD,)),), domain=((-0.5, 0.5),)),
    "qr": Samples((_s((1, 2, 1), kinds=(SPREAD,)),), domain=((-0.5, 0.5),)),
    "geqrf": Samples((_s((1, 3, 2), kinds=(SPREAD,)), _s((2, 3), kinds=(SPREAD,))), domain=((-0.5, 0.5),)),
    "svd": Samples((_s((1, 1, 2), kinds=(SPREAD,)),), domain=((-0.5, 0.5),)),
    "pinv": Samples((_s((2, 1, 1), kinds=(SPREAD,), rtol=1e-12),), domain=((-0.5, 0.5),)),
    # -- ops.accumulate ---------------------------------------------------------------------
    "cumprod": Samples((_s((4,), axis=0), _s((2, 3), axis=1), _s((3, 2), axis=0)), avoid=(0.0,)),
    # each reduction with and without x's values; src values never tie with x's (interleave)
    # nor with each other (distinct), so amax/amin stay differentiable
    # (tests/ops/test_scatter_torch.py and test_accumulate.py check every combination)
    **{f"scatter_{r}": Samples((_s((3, 2), (4, 2), key=_SCATTER_2D),
                                _s((3,), (3,), key=_SCATTER_1D, include_self=False)),
                               distinct=True, interleave=True)
       for r in ("sum", "prod", "mean", "amax", "amin")},
    "matmul": Samples((_s((2, 3), (3, 2)), _s((3,), (3,)), _s((3,), (3, 2)), _s((2, 3), (3,)),
                       _s((2, 1, 2, 3), (3, 3, 2)), _s((3,), (2, 3, 2)), _s((2, 2, 3), (3,)))),
    # -- ops.activations ----------------------------------------------------------------------
    "erf": Samples(_UNARY, broadcast=True),
}

#: Composites are functions of registry ops, called as `ops.<name>(*arrays, **attrs)`.
COMPOSITES: dict[str, Samples] = {
    "var": Samples((_s((4,)), _s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True, correction=0)),
                   distinct=True),
    "std": Samples((_s((4,)), _s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True, correction=0)),
                   distinct=True),
    "norm": Samples((_s((4,)), _s((2, 3), axis=1, p=1), _s((2, 3), p=3), _s((3, 2), axis=0, p="inf"),
                     _s((2, 2), axis=1, keepdims=True)), distinct=True, domain=((0.2, 3.0),)),
    "softplus": Samples(_UNARY),
    "logsumexp": Samples((_s((4,)), _s((2, 3), axis=1), _s((3, 2), axis=0, keepdims=True)), distinct=True),
    "softmax_cross_entropy": Samples((_s((2, 3), (2, 3)), _s((4,), (4,)), _s((3, 2), (3, 2), axis=0)),
                                     domain=((0.0, 1.0), (-3.0, 3.0))),
    "masked_select": Samples((_s((2, 3), (2, 3), kinds=(FLOAT, BOOL)), _s((4,), (4,), kinds=(FLOAT, BOOL)))),
    "masked_fill": Samples((_s((2, 3), (2, 3), kinds=(FLOAT, BOOL), value=1.5),
                            _s((2, 3), (3,), kinds=(FLOAT, BOOL), value=-2.0))),
    # -- ops.layers and ops.losses (class-index masks may be all False: 'mean' would be 0/0,
    # so those losses are sampled with 'sum' and 'none'; tests/nn checks 'mean') -----------
    "linear": Samples((_s((2, 3), (4, 3), (4,)), _s((3,), (2, 3)), _s((2, 2, 3), (4, 3), (4,)))),
    "dropout_apply": Samples((_s((2, 3), (2, 3), kinds=(FLOAT, BOOL), p=0.25),
                              _s((4,), (4,), kinds=(FLOAT, BOOL), p=0.5))),
    "reduce_loss": Samples((_s((2, 3), reduction="none"), _s((2, 3), reduction="sum"),
                            _s((3,), reduction="mean"))),
    "mse_loss": Samples(_LOSS_CASES),
    "l1_loss": Samples(_LOSS_CASES, interleave=True),
    "nll_loss": Samples(_CLASS_CASES, domain=_CLASS_DOMAIN),
    # (no weight here: a composite's float inputs are differentiated, and nll_at_labels gives
    # the weight no gradient, as PyTorch's nll_loss; its own samples weigh)
    "nll_loss_at_labels": Samples((
        _s((3, 4), (3,), kinds=_LABELS), _s((3, 4), (3,), kinds=_LABELS, ignore_index=1, reduction="sum"),
        _s((4,), (), kinds=_LABELS, reduction="none"), _s((2, 3, 2), (2, 2), kinds=_LABELS),
        _s((2, 3, 2), (2, 2), kinds=_LABELS, ignore_index=0, reduction="none")), domain=_LABEL_DOMAIN),
    "cross_entropy": Samples(_CLASS_CASES + (
        _s((3, 4), (3, 4), kinds=_MASKED, reduction="sum", label_smoothing=0.1),
        _s((3, 4), (3, 4), (4,), kinds=_MASKED + (FLOAT,), reduction="none", label_smoothing=0.2)),
        domain=_CLASS_DOMAIN),
    "cross_entropy_probs": Samples((
        _s((3, 4), (3, 4)), _s((4,), (4,), reduction="sum"),
        _s((3, 4), (3, 4), (4,), reduction="none", label_smoothing=0.2),
        _s((2, 3, 2), (2, 3, 2), (3,), label_smoothing=0.1)), domain=((-3.0, 3.0), (0.0, 1.0), (0.2, 2.0))),
    "binary_cross_entropy": Samples((_s((2, 3), (2, 3)), _s((3,), (3,), (3,), reduction="none"),
                                     _s((2, 2), (2, 2), (2,), reduction="sum")),
                                    domain=((0.05, 0.95), (0.0, 1.0), (0.2, 2.0))),
    "gather_nd": Samples((_s((3, 2), (4, 1), kinds=(FLOAT, INDEX)),
                          _s((2, 3, 2), (2, 2), kinds=(FLOAT, INDEX)),
                          _s((2, 2), (2,), kinds=(FLOAT, INDEX))), domain=((-3.0, 3.0), (0, 2))),
    "clip_by_norm": Samples((_s((2, 3), clip_norm=1.0), _s((2, 3), clip_norm=0.5, axes=1),
                             _s((4,), clip_norm=10.0))),
    "tril": Samples((_s((3, 3)), _s((2, 3, 4), diagonal=1), _s((4, 3), diagonal=-1))),
    "triu": Samples((_s((3, 3)), _s((2, 3, 4), diagonal=1), _s((4, 3), diagonal=-1))),
    "repeat": Samples((_s((2, 3), repeats=(2, 1)), _s((3,), repeats=(2, 2)), _s((2, 1), repeats=(1, 3)))),
    "binary_cross_entropy_with_logits": Samples((
        _s((2, 3), (2, 3)), _s((3,), (3,), (3,), reduction="none"),
        _s((2, 3), (2, 3), (2, 3), (3,), reduction="sum")), domain=((-3.0, 3.0), (0.0, 1.0), (0.2, 2.0))),
    # -- ops.activations: kinks are avoided here; tests/ops/test_activations.py pins them --------
    "gelu": Samples((_s((2, 3)), _s((4,), approximate="tanh"), _s((), approximate="none"))),
    "silu": Samples(_UNARY),
    "leaky_relu": Samples((_s((2, 3)), _s((4,), negative_slope=0.2), _s((), negative_slope=-0.5)),
                          avoid=(0.0,)),
    "elu": Samples((_s((2, 3)), _s((4,), alpha=0.5), _s((), alpha=2.0)), avoid=(0.0,)),
    "celu": Samples((_s((2, 3)), _s((4,), alpha=0.5), _s((), alpha=2.0)), avoid=(0.0,)),
    "selu": Samples(_UNARY, avoid=(0.0,)),
    "hardtanh": Samples((_s((2, 3)), _s((4,), min_val=-2.0, max_val=0.5), _s((), min_val=0.0, max_val=2.0)),
                        avoid=(-2.0, -1.0, 0.0, 0.5, 1.0, 2.0)),
    "relu6": Samples(_UNARY, avoid=(0.0, 6.0), domain=((-2.0, 8.0),)),
    "mish": Samples(_UNARY),
    "logsigmoid": Samples(_UNARY),
    "hardsigmoid": Samples(_UNARY, avoid=(-3.0, 3.0), domain=((-4.0, 4.0),)),
    "hardswish": Samples(_UNARY, avoid=(-3.0, 3.0), domain=((-4.0, 4.0),)),
    "softsign": Samples(_UNARY, avoid=(0.0,)),
    "tanhshrink": Samples(_UNARY),
    "glu": Samples((_s((2, 4)), _s((4, 3), axis=0), _s((2, 2, 2), axis=1), _s((6,)))),
}


def entry(name: str) -> Samples:
    """The samples of an op or composite; a KeyError names what to add here."""
    found = OPS.get(name) or COMPOSITES.get(name)
    if found is None:
        raise KeyError(f"no samples for {name!r}: add an entry to dualgrad/testing/samples.py")
    return found


from .samples_conv import tables as _conv_tables  # noqa: E402

for _ops, _composites in [_conv_tables(Samples, _s)]:
    OPS.update(_ops)
    COMPOSITES.update(_composites)
