"""N-d convolution and pooling.

`conv` is one registry op for every spatial rank (conv1d/2d/3d, TF1's conv1d/2d/3d and
depthwise_conv2d all call it). Its two VJPs are ops too, and the three close under
differentiation because convolution is bilinear: the input's gradient `conv_transpose` (which
is also PyTorch's conv_transpose1d/2d/3d and TF1's conv2d_transpose) and the filters'
gradient `conv_weight_grad`. Each is declared once, with its numpy and jax kernels
(`conv_kernels`), its sympy form and its shape rule.

Pooling stays a composite of registry ops, over any number of trailing spatial dims: each
window is gathered by `take` along the flattened spatial axes with a constant index array built
here from the (concrete) sizes (`windows.window_plan`), then reduced. Layout is PyTorch's
(N, C, *spatial); `pads` holds a (before, after) pair per spatial dim, so TF1's asymmetric SAME
padding is the same call.
"""

from __future__ import annotations

import math

import numpy as np

from . import conv_kernels as ck
from . import elementwise as ew
from . import movement as mv
from . import reductions as rd
from . import specs
from .gathering import pad, take
from .lazy import sympy as sp
from .registry import Spec, declare, shape_error
from .selection import isnan
from .symarray import SymArray, SymbolicUnsupported, is_concrete
from .windows import adaptive_plan, adaptive_windows, out_size, padded_extent, window_plan

_2D = dict(stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1)


# -- shape rules ----------------------------------------------------------------------------------
def _ranks(op, specs_: list, n: int, what: str) -> None:
    if any(len(s.shape) != n + 2 for s in specs_):
        raise shape_error(op, specs_, f"expected {what}, each with {n} spatial dims (stride has {n} entries)")


def _windows(op, specs_: list, sizes: tuple, kernel: tuple, stride, pads, dilation) -> tuple:
    """Window count per spatial dim (None where a size is unknown); an error when the filter
    reaches past the padded input."""
    out = []
    for size, k, s, p, d in zip(sizes, kernel, stride, pads, dilation, strict=True):
        if size is None or k is None:
            out.append(None)
            continue
        m = out_size(size, k, s, p, d)
        if m < 1:
            raise shape_error(op, specs_, f"kernel size {d * (k - 1) + 1} (dilated) can't be greater "
                                          f"than the padded input size {size + p[0] + p[1]}")
        out.append(m)
    return tuple(out)


def _groups(op, specs_: list, channels, per_group, out_channels, groups: int) -> None:
    if out_channels is not None and out_channels % groups:
        raise shape_error(op, specs_, f"out channels {out_channels} are not divisible by groups={groups}")
    if None not in (channels, per_group) and channels != per_group * groups:
        raise shape_error(op, specs_, f"expected the input to have {per_group * groups} channels "
                                      f"(weight's {per_group} x groups={groups}), got {channels}")


def _conv_shape(op, x: Spec, w: Spec, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1),
                groups=1) -> Spec:
    _ranks(op, [x, w], len(stride), "input (N, C, *spatial) and weight (O, C/groups, *kernel)")
    _groups(op, [x, w], x.shape[1], w.shape[1], w.shape[0], groups)
    out = _windows(op, [x, w], x.shape[2:], w.shape[2:], stride, pads, dilation)
    return Spec((x.shape[0], w.shape[0]) + out, specs.result_dtype(op, [x, w]))


def _conv_transpose_shape(op, g: Spec, w: Spec, size=(), stride=(1, 1), pads=((0, 0), (0, 0)),
                          dilation=(1, 1), groups=1) -> Spec:
    _ranks(op, [g, w], len(stride), "gradient (N, O, *windows) and weight (O, C/groups, *kernel)")
    if len(size) != len(stride):
        raise shape_error(op, [g, w], f"size {tuple(size)} must have {len(stride)} entries")
    if None not in (g.shape[1], w.shape[0]) and g.shape[1] != w.shape[0]:
        raise shape_error(op, [g, w], f"expected {w.shape[0]} channels (the weight's first dim), "
                                      f"got {g.shape[1]}")
    _groups(op, [g, w], None, w.shape[1], w.shape[0], groups)
    windows = _windows(op, [g, w], tuple(size), w.shape[2:], stride, pads, dilation)
    if any(None not in (a, b) and a != b for a, b in zip(windows, g.shape[2:], strict=True)):
        raise shape_error(op, [g, w], f"an input of size {tuple(size)} has {windows} windows, the gradient "
                                      f"{tuple(g.shape[2:])}")
    channels = None if w.shape[1] is None else w.shape[1] * groups
    return Spec((g.shape[0], channels) + tuple(size), specs.result_dtype(op, [g, w]))


def _conv_weight_shape(op, x: Spec, g: Spec, kernel=(), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1),
                       groups=1) -> Spec:
    _ranks(op, [x, g], len(stride), "input (N, C, *spatial) and gradient (N, O, *windows)")
    if len(kernel) != len(stride):
        raise shape_error(op, [x, g], f"kernel {tuple(kernel)} must have {len(stride)} entries")
    _groups(op, [x, g], None, None, g.shape[1], groups)
    if x.shape[1] is not None and x.shape[1] % groups:
        raise shape_error(op, [x, g], f"input channels {x.shape[1]} are not divisible by groups={groups}")
    windows = _windows(op, [x, g], x.shape[2:], tuple(kernel), stride, pads, dilation)
    if any(None not in (a, b) and a != b for a, b in zip(windows, g.shape[2:], strict=True)):
        raise shape_error(op, [x, g], f"the input has {windows} windows, the gradient {tuple(g.shape[2:])}")
    per_group = None if x.shape[1] is None else x.shape[1] // groups
    return Spec((g.shape[1], per_group) + tuple(kernel), specs.result_dtype(op, [x, g]))


# -- sympy forms: the sums over each window, written out ---------------------------------------------
def _concrete(idx: tuple) -> tuple:
    if not is_concrete(idx):
        raise SymbolicUnsupported("convolution with symbolic indices")
    return tuple(int(i) for i in idx)


def _position(window: tuple, k: tuple, sizes: tuple, stride, pads, dilation):
    """The input index that kernel offset k of a window reads, or None in the padding."""
    pos = tuple(w * s + i * d - p[0] for w, i, s, p, d in zip(window, k, stride, pads, dilation, strict=True))
    return pos if all(0 <= q < n for q, n in zip(pos, sizes, strict=True)) else None


def _conv_form(x: SymArray, w: SymArray, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    per, kernel, sizes = w.shape[1], w.shape[2:], x.shape[2:]
    windows = tuple(out_size(*a) for a in zip(sizes, kernel, stride, pads, dilation, strict=True))

    def at(*idx):
        n, o, *window = _concrete(idx)
        first = o // (w.shape[0] // groups) * per
        return sp.Add(*(x.at(n, first + c, *pos) * w.at(o, c, *k)
                        for c in range(per) for k in np.ndindex(*kernel)
                        if (pos := _position(window, k, sizes, stride, pads, dilation)) is not None))

    return SymArray((x.shape[0], w.shape[0]) + windows, at)


def _conv_transpose_form(g: SymArray, w: SymArray, size=(), stride=(1, 1), pads=((0, 0), (0, 0)),
                         dilation=(1, 1), groups=1):
    per, kernel, out_per = w.shape[1], w.shape[2:], w.shape[0] // groups

    def at(*idx):
        n, c, *where = _concrete(idx)
        group, c = divmod(c, per)
        return sp.Add(*(g.at(n, o, *window) * w.at(o, c, *k)
                        for o in range(group * out_per, (group + 1) * out_per)
                        for k in np.ndindex(*kernel) for window in np.ndindex(*g.shape[2:])
                        if _position(window, k, size, stride, pads, dilation) == tuple(where)))

    return SymArray((g.shape[0], per * groups) + tuple(size), at)


def _conv_weight_form(x: SymArray, g: SymArray, kernel=(), stride=(1, 1), pads=((0, 0), (0, 0)),
                      dilation=(1, 1), groups=1):
    per, sizes = x.shape[1] // groups, x.shape[2:]

    def at(*idx):
        o, c, *k = _concrete(idx)
        first = o // (g.shape[1] // groups) * per
        return sp.Add(*(g.at(n, o, *window) * x.at(n, first + c, *pos)
                        for n in range(x.shape[0]) for window in np.ndindex(*g.shape[2:])
                        if (pos := _position(window, tuple(k), sizes, stride, pads, dilation)) is not None))

    return SymArray((g.shape[1], per) + tuple(kernel), at)


# -- the ops ---------------------------------------------------------------------------------------------
def _spatial(t) -> tuple:
    return tuple(int(d) for d in t.shape[2:])


def _pick(numpy_kernel, jax_kernel):
    def kernel(xp, a, b, **attrs):
        attrs = {**_2D, **attrs}
        return numpy_kernel(a, b, **attrs) if xp is np else jax_kernel(xp, a, b, **attrs)

    return kernel


conv = declare(
    "conv", _pick(ck.conv_numpy, ck.conv_jax),
    vjp=(lambda g, out, x, w, **a: conv_transpose(g, w, size=_spatial(x), **a),
         lambda g, out, x, w, **a: conv_weight_grad(x, g, kernel=_spatial(w), **a)),
    sympy=_conv_form, shape=_conv_shape, nin=2, promotes=True, grad_name="ConvolutionBackward0",
    doc="N-d cross-correlation of x (N, C, *spatial) with weight (O, C/groups, *kernel), zero "
        "`pads` (before, after) per dim, stride, dilation and groups (torch.nn.functional.conv1d/2d/3d, "
        "tf.nn.conv1d/2d/3d, tf.nn.depthwise_conv2d)")


def _transpose_vjp_w(v, out, g, w, size=(), **a):
    return conv_weight_grad(v, g, kernel=_spatial(w), **a)


conv_transpose = declare(
    "conv_transpose", _pick(ck.conv_transpose_numpy, ck.conv_transpose_jax),
    vjp=(lambda v, out, g, w, size=(), **a: conv(v, w, **a), _transpose_vjp_w),
    sympy=_conv_transpose_form, shape=_conv_transpose_shape, nin=2, promotes=True,
    grad_name="ConvolutionBackward0",
    doc="the VJP of conv wrt its input, of spatial `size`: each value spread over its window through "
        "the filters (torch.nn.functional.conv_transpose1d/2d/3d, tf.nn.conv2d_transpose)")


def _weight_vjp_x(v, out, x, g, kernel=(), **a):
    return conv_transpose(g, v, size=_spatial(x), **a)


conv_weight_grad = declare(
    "conv_weight_grad", _pick(ck.conv_weight_numpy, ck.conv_weight_jax),
    vjp=(_weight_vjp_x, lambda v, out, x, g, kernel=(), **a: conv(x, v, **a)),
    sympy=_conv_weight_form, shape=_conv_weight_shape, nin=2, promotes=True,
    grad_name="ConvolutionBackwardBackward0",
    doc="the VJP of conv wrt its filters: each filter tap's products of the gradient and the input it "
        "read, summed over batch and windows (tf.nn.conv2d_backprop_filter)")


# -- pooling composites ---------------------------------------------------------------------------------
def _lead(x, n: int) -> tuple:
    return tuple(-1 if d is None else int(d) for d in x.shape[:-n])


def _sizes(x, n: int) -> tuple:
    return tuple(int(d) for d in x.shape[len(x.shape) - n:])


def _gather(x, index: np.ndarray, n: int):
    """x (..., *spatial) -> (..., K, L): element k of window l is x.flat_spatial[index[l, k]].
    The window slot leads, so reductions over it run along long contiguous rows (numpy is
    several times slower reducing a trailing axis of 4 or 9)."""
    plane = mv.reshape(x, shape=_lead(x, n) + (math.prod(_sizes(x, n)),))
    return take(plane, np.ascontiguousarray(index.T), axis=len(x.shape) - n)


def _padded_windows(x, kernel, stride, pads, dilation):
    """The windows of x padded with zeros (the gradient of the pad is dropped by `pad`'s VJP)."""
    n = len(kernel)
    if any(p for pair in pads for p in pair):
        x = pad(x, paddings=((0, 0),) * (len(x.shape) - n) + tuple(pads), constant_values=0)
    index, _, out = window_plan(_sizes(x, n), kernel, stride, ((0, 0),) * n, dilation)
    return _gather(x, index, n), out


def max_pool(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), dilation=(1, 1), ceil_mode=False):
    """The max of each window of x (..., *spatial), over len(kernel) trailing dims, padding never
    chosen, with PyTorch's gradient rule: all of it to one element, the first maximum in
    row-major window order, or the last NaN where the window has NaNs (PyTorch's CPU kernel
    takes every NaN it meets). A padded slot repeats the window's first element inside the
    input, so it neither changes the max nor takes the gradient from a real element.
    `ceil_mode` adds PyTorch's partial windows."""
    n = len(kernel)
    return _windows_max(x, n, window_plan(_sizes(x, n), kernel, stride, pads, dilation, ceil_mode))


def max_pool_indices(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), dilation=(1, 1),
                     ceil_mode=False):
    """Where `max_pool` took each window's value from: its flat index in the input's trailing
    len(kernel) dims (int64), as PyTorch's `return_indices=True` gives them (`max_unpool` reads
    them back)."""
    n = len(kernel)
    return _windows_argmax(x, n, window_plan(_sizes(x, n), kernel, stride, pads, dilation, ceil_mode))


def adaptive_max_pool(x, output_size=(1, 1)):
    """PyTorch's adaptive max pooling over len(output_size) trailing dims, any sizes: max_pool's
    rule (the gradient to the first maximum in row-major order, or the last NaN) over the
    adaptive windows, which overlap where the sizes do not divide."""
    return _windows_max(x, len(output_size), adaptive_plan(_sizes(x, len(output_size)), output_size))


def adaptive_max_pool_indices(x, output_size=(1, 1)):
    """Where `adaptive_max_pool` took each window's value from (flat, as max_pool_indices)."""
    return _windows_argmax(x, len(output_size), adaptive_plan(_sizes(x, len(output_size)), output_size))


def _windows_max(x, n: int, plan: tuple):
    cols, pick, _, out = _picked(x, n, plan)
    return mv.reshape(rd.sum(ew.where(pick, cols, 0), axis=-2), shape=_lead(x, n) + out)


def _windows_argmax(x, n: int, plan: tuple):
    _, pick, positions, out = _picked(x, n, plan)
    result = rd.sum(ew.where(pick, np.ascontiguousarray(positions.T), 0), axis=-2)
    return mv.reshape(result, shape=_lead(x, n) + out)


def _picked(x, n: int, plan: tuple):
    """The windows of x, (..., K, L), of a `window_plan` or `adaptive_plan`; the mask of the one
    element each window gives (PyTorch's: the first maximum in row-major window order, or the
    last NaN); the (L, K) flat positions of the window slots in x's trailing dims; the output
    sizes."""
    index, inside, out = plan
    first = np.take_along_axis(index, np.argmax(inside, axis=1)[:, None], axis=1)
    positions = np.where(inside, index, first)
    cols = _gather(x, positions, n)  # (..., K, L)
    nan = isnan(cols)
    # the last NaN among the slots inside the input (a padded slot repeats the first one)
    order = np.ascontiguousarray(np.where(inside, np.arange(index.shape[1]), -1).T)
    score = ew.where(nan, order, -1)  # a window holds a NaN where its best score is >= 0
    has_nan = ew.greater_equal(rd.amax(score, axis=-2, keepdims=True), 0)
    pick = ew.where(has_nan, rd.first_max_mask(score, axis=-2), rd.first_max_mask(cols, axis=-2))
    return cols, pick, positions, out


def avg_pool(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), count_include_pad=True, divisor=None,
             ceil_mode=False):
    """The mean of each window of x (..., *spatial) padded with zeros: divided by `divisor` when
    given, else by the window size (`count_include_pad`; a ceil_mode window that runs past the
    padding counts up to its end, as PyTorch) or by its elements inside the input (PyTorch's
    count_include_pad=False, TF1's SAME)."""
    n = len(kernel)
    sizes = _sizes(x, n)
    _, inside, out = window_plan(sizes, kernel, stride, pads, (1,) * n, ceil_mode)
    # zeros past the padding's end for ceil_mode's last windows, so each is gathered whole (the
    # padded input then holds exactly `out` windows)
    ends = [(p[0], max(p[1], (m - 1) * s + k - size - p[0])) for p, m, s, k, size in
            zip(pads, out, stride, kernel, sizes, strict=True)]
    cols, _ = _padded_windows(x, kernel, stride, tuple(ends), (1,) * n)
    total = rd.sum(cols, axis=-2)
    if divisor is None and count_include_pad:
        divisor = padded_extent(sizes, kernel, stride, pads, out)
    elif divisor is None:
        divisor = inside.sum(axis=1).astype(np.int64)
    result = ew.divide(total, divisor)
    return mv.reshape(result, shape=_lead(x, n) + out)


def adaptive_avg_pool(x, output_size=(1, 1)):
    """PyTorch's adaptive average pooling over len(output_size) trailing dims, any sizes: a
    window is a product of one interval per dim, so its mean is, per dim, the windows' elements
    gathered (`take`), summed and divided by their count, the windows overlapping where the
    sizes do not divide. Only a window's own elements are added (no products with 0/1
    weights), so an inf or NaN stays in the windows that hold it, as in PyTorch."""
    n, rank = len(output_size), len(x.shape)
    for a, (size, out) in enumerate(zip(_sizes(x, n), output_size, strict=True)):
        axis = rank - n + a
        index, inside, length = adaptive_windows(size, out)
        trail = (1,) * (rank - 1 - axis)
        cols = take(x, index, axis=axis)  # (..., K, out, ...)
        if not inside.all():
            cols = ew.where(inside.reshape(inside.shape + trail), cols, 0)
        x = ew.divide(rd.sum(cols, axis=axis), length.reshape(length.shape + trail))
    return x


def unfold(x, kernel=(2, 2), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """im2col: the windows of x (..., *spatial) padded with zeros, as (..., K, L), element k of
    window l in row-major kernel order (PyTorch's F.unfold rows, per channel). A gather, so a
    non-finite element reaches only the columns that read it."""
    return _padded_windows(x, kernel, stride, pads, dilation)[0]


def _fold_plan(sizes: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> tuple:
    """For each element of the (prod(sizes),) plane, the positions in unfold's flattened
    (K * L) columns that read it: (M, prod(sizes)) with M the most any element is read, and the
    mask of the real ones (spare slots point at position 0)."""
    index, inside, _ = window_plan(sizes, kernel, stride, pads, dilation)
    target, ok = index.T.reshape(-1), inside.T.reshape(-1)  # (K * L,), unfold's column order
    source = np.nonzero(ok)[0]
    target = target[source]
    order = np.argsort(target, kind="stable")
    source, target = source[order], target[order]
    counts = np.bincount(target, minlength=math.prod(sizes))
    rank = np.arange(target.size) - np.repeat(np.cumsum(counts) - counts, counts)
    inv = np.zeros((max(int(counts.max(initial=0)), 1), math.prod(sizes)), np.int64)
    mask = np.zeros(inv.shape, bool)
    inv[rank, target], mask[rank, target] = source, True
    return inv, mask


def fold(x, size=(2, 2), kernel=(2, 2), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """col2im, unfold's adjoint: columns x (..., K, L) added back into a (..., *size) plane,
    overlaps summed and the padding dropped (PyTorch's F.fold, per channel). Each element
    gathers the column entries that read it and sums them, so a non-finite entry reaches only
    its own element."""
    inv, mask = _fold_plan(tuple(size), kernel, stride, pads, dilation)
    flat = mv.reshape(x, shape=_lead(x, 2) + (-1,))
    cols = ew.where(mask, take(flat, inv, axis=len(x.shape) - 2), 0)  # (..., M, prod(size))
    return mv.reshape(rd.sum(cols, axis=-2), shape=_lead(x, 2) + tuple(size))
