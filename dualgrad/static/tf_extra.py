"""TF1 names that ported scripts stop at next: `ds.rank`, `ds.reverse`, `ds.squared_difference`,
`ds.linspace`/`ds.lin_space`, `ds.slice`, `ds.nn.l2_normalize`, `ds.nn.top_k`. Each follows
`tf.compat.v1` and is a composition of registry ops (an index, a concat, a square of a
difference, a sum and a maximum, a stable argsort and a where), so both backends, `gradients`
and the symbolic front end get them from the ops. Arguments TF1 also takes as tensors (axes,
begin/size, num, k) must be known when the graph is built, as in `ds.tile` (docs/static.md)."""
from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import ops
from ..errors import ShapeError, refusing, user_frame, user_line
from .api import _tensor, cast, maximum, shape
from .convert import ArgumentError
from .graph import Tensor, rename
from .tf_asserts import Assert
from .tf_math import truediv
from .tf_ops import _int_axis, _numbers

TopKV2 = namedtuple("TopKV2", ["values", "indices"])


def _rank_of(fn: str, x: Tensor) -> int:
    if x.shape is None:
        raise ShapeError(f"ds.{fn}: the input's rank must be known {user_line()}")
    return len(x.shape)


def reverse(tensor, axis, name=None) -> Tensor:
    """`tensor` with the order of its elements reversed along each dim in `axis`, a 1-D list of
    ints (tf.reverse, TF1's ReverseV2); a dim named twice raises, as TF1."""
    x = _tensor(tensor)
    n = _rank_of("reverse", x)
    dims = [int(a) for a in np.reshape(_numbers("reverse", "axis", axis), (-1,))]
    for i, a in enumerate(dims):
        if not -builtins.max(n, 1) <= a < builtins.max(n, 1):
            raise ShapeError(f"ds.reverse: 'axis'[{i}] = {a} is out of valid range [0, {n - 1}] for input "
                             f"shape {x.shape} {user_line()}")
    normal = [a % n for a in dims]
    if len(set(normal)) != len(normal):
        raise ShapeError(f"ds.reverse: axis {builtins.max(normal, key=normal.count)} specified more than "
                         f"once (axis {dims}; at {user_frame()})")
    key = tuple(builtins.slice(None, None, -1) if d in normal else builtins.slice(None) for d in range(n))
    return rename(ops.getitem(x, key=key) if normal else x, name)


def squared_difference(x, y, name=None) -> Tensor:
    """(x - y) ** 2 elementwise, broadcasting (tf.squared_difference)."""
    a = _tensor(x)
    return rename(ops.square(ops.subtract(a, _tensor(y, like=a))), name)


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """`num` evenly spaced values from `start` to `stop`, both included (tf.linspace, TF1's
    `lin_space`): start + i * (stop - start) / (num - 1) with the two ends exact. Integer
    bounds give float64, as TF's division does; `start`/`stop` may be tensors (gradients flow
    to both) and of any shape, the new dim at `axis`; `num` must be known."""
    begin = _tensor(start)
    end = _tensor(stop, like=begin)
    count = _numbers("linspace", "num", num)
    if count.ndim or count < 0:
        raise ArgumentError(f"ds.linspace: num must be a non-negative int, got {num!r} {user_line()}")
    count = int(count)
    if begin.shape is None or end.shape is None or None in begin.shape + end.shape:
        raise ShapeError(f"ds.linspace: the shapes of start and stop must be known, got {begin.shape} and "
                         f"{end.shape} {user_line()}")
    common = np.broadcast_shapes(begin.shape, end.shape)
    a = _int_axis("linspace", axis)
    if not -(len(common) + 1) <= a <= len(common):
        raise ShapeError(f"ds.linspace: axis {a} is out of range for start and stop of shape {common} "
                         f"{user_line()}")
    a %= len(common) + 1
    delta = truediv(ops.subtract(end, begin), builtins.max(count - 1, 1))
    ends = [ops.expand_dims(ops.broadcast_to(cast(v, delta.dtype), shape=common), axis=a)
            for v in (begin, end)]
    steps = np.arange(1, builtins.max(count - 1, 1), dtype=delta.dtype.np)
    steps = steps.reshape([-1 if d == a else 1 for d in range(len(common) + 1)])
    inner = ops.add(ends[0], ops.multiply(ops.expand_dims(delta, axis=a), steps))
    whole = ops.concatenate(ends[0], inner, ends[1], axis=a)
    return rename(ops.getitem(whole, key=(builtins.slice(None),) * a + (builtins.slice(0, count),)), name)


lin_space = linspace


def slice(input_, begin, size, name=None) -> Tensor:  # noqa: A001 (TF's name)
    """`size[i]` elements of dim i from `begin[i]`; a size of -1 takes the rest of the dim
    (tf.slice). Out of range raises when the graph is built, or, for a dim unknown then, when
    the graph runs (InvalidArgumentError, as TF1); the result's dim i is `size[i]` either way."""
    x = _tensor(input_)
    n = _rank_of("slice", x)
    starts = np.reshape(_numbers("slice", "begin", begin), (-1,))
    sizes = np.reshape(_numbers("slice", "size", size), (-1,))
    if len(starts) != n or len(sizes) != n:
        raise ShapeError(f"ds.slice: begin {starts.tolist()} and size {sizes.tolist()} must each have one "
                         f"entry per dim of the input's shape {x.shape} {user_line()}")
    key, checks = [], []
    for i, (b, s, d) in enumerate(zip(starts.tolist(), sizes.tolist(), x.shape, strict=True)):
        if d is None and (b < 0 or s < -1):
            raise ShapeError(f"ds.slice: Expected begin[{i}] >= 0 and size[{i}] >= -1, but got begin {b}, "
                             f"size {s} (input shape {x.shape}; at {user_frame()})")
        if d is None and (b, s) != (0, -1):  # (TF1's check, when the dim is known: in the run)
            checks.append((i, b + builtins.max(s, 0), f"ds.slice: Expected begin[{i}] + size[{i}] <= dim {i} "
                           f"of the input (unknown when the graph was built), but got begin {b}, size {s} "
                           f"(input shape {x.shape})"))
        if d is not None and not 0 <= b <= d:
            raise ShapeError(f"ds.slice: Expected begin[{i}] in [0, {d}], but got {b} (input shape "
                             f"{x.shape}; at {user_frame()})")
        if d is not None and s != -1 and not 0 <= s <= d - b:
            raise ShapeError(f"ds.slice: Expected size[{i}] in [0, {d - b}], but got {s} (input shape "
                             f"{x.shape}; at {user_frame()})")
        key.append(builtins.slice(b, None if s == -1 else b + s))
    if checks:
        from .variables import group

        dims = shape(x)
        guard = group(*[Assert(ops.less_equal(need, dims[i]), [text]) for i, need, text in checks])
        with x.graph.control_dependencies([guard]):
            x = ops.reshape_like(x, x)
    out = ops.getitem(x, key=tuple(key))
    if checks and out.shape is not None:  # (the run checks that each size fits: TF1's static dims)
        out.shape = tuple(d if s == -1 else s for d, s in zip(out.shape, sizes.tolist(), strict=True))
    return rename(out, name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None) -> Tensor:
    """x / sqrt(max(sum(x ** 2, axis), epsilon)) (tf.nn.l2_normalize, computed as TF1 does:
    x * rsqrt(maximum(...))); `axis` None normalizes over every dim, `dim` is its old name.
    A zero slice stays 0 with gradient 1 / sqrt(epsilon), and a sum equal to epsilon takes
    the gradient (tf.maximum's tie rule), as TF1's."""
    from ..aliases import DuplicateStaticArgumentError, resolve

    axis = resolve("l2_normalize", "axis", axis, "dim", dim, error=DuplicateStaticArgumentError)
    t = _tensor(x)
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    total = maximum(ops.sum(ops.square(t), axis=axes, keepdims=True), epsilon)  # (TF1's tie rule)
    return rename(ops.multiply(t, ops.reciprocal(ops.sqrt(total))), name)


def top_k(input, k=1, sorted=True, name=None) -> TopKV2:  # noqa: A002 (TF's names)
    """(values, indices) of the `k` largest entries along the last dim, the indices int32
    (tf.nn.top_k). Ties: the lower index first; NaN after every number, as TF1 orders them.
    `sorted=False` also returns them sorted (TF1 leaves that order unspecified). The values'
    gradient goes to the entries they came from. The last dim and `k` must be known."""
    x = _tensor(input)
    if x.shape is None or not x.shape:
        raise ShapeError(f"ds.nn.top_k: Shape must be at least rank 1 but is {x.shape} {user_line()}")
    n = x.shape[-1]
    k = int(_numbers("top_k", "k", k))
    if n is None:
        raise ShapeError(f"ds.nn.top_k: the last dim of shape {x.shape} must be known {user_line()}")
    if not 0 <= k <= n:
        raise ShapeError(f"ds.nn.top_k: input must have last dimension >= k = {k} but is {n} (input shape "
                         f"{x.shape}; at {user_frame()})")
    order = ops.argsort(x, axis=-1, descending=True)  # stable: ties keep their order, NaN last
    indices = ops.getitem(order, key=(Ellipsis, builtins.slice(0, k)))
    picked = ops.equal(ops.expand_dims(indices, axis=-1), np.arange(n))  # [..., k, n]: one True per row
    wide = ops.expand_dims(x, axis=-2)
    values = ops.sum(ops.where(picked, wide, 0), axis=-1)  # one term per sum
    if x.dtype.is_floating_point:  # a picked -0.0 summed with zeros is +0.0: take -(sum of -x) there
        negative_zero = ops.logical_and(ops.equal(wide, 0), ops.less(ops.copysign(1.0, wide), 0))
        flipped = ops.negative(ops.sum(ops.where(picked, ops.negative(wide), 0), axis=-1))
        values = ops.where(ops.amax(ops.logical_and(picked, negative_zero), axis=-1), flipped, values)
    return TopKV2(rename(cast(values, x.dtype), name), cast(indices, "int32"))  # (integers sum in int64)


# a raw numpy/Python error from a bad argument becomes the dualgrad error of its type, naming the
# function, its arguments and the user's line (as static/api.py does)
reverse, squared_difference, linspace, slice, l2_normalize, top_k = (  # noqa: A001
    refusing(f) for f in (reverse, squared_difference, linspace, slice, l2_normalize, top_k))
lin_space = linspace
