"""PyTorch's convolutions: `F.conv1d/2d/3d` and `F.conv_transpose1d/2d/3d`.

The arguments are checked and mapped here as PyTorch does (ints or tuples, 'valid'/'same'
padding, groups, output_padding, unbatched input); the math is one registry op for every
rank, `ops.conv.conv`, and its input-gradient `ops.conv.conv_transpose`, which is what a
transposed convolution is. The layers are in `conv_layers`.
"""

from __future__ import annotations

from numbers import Integral

from .. import ops
from ..eager import api
from ..eager.arguments import require_tensor
from ..eager.tensor import Tensor
from ..errors import EagerDTypeError, EagerShapeError, user_line
from ..ops import conv as conv_ops
from ..ops.windows import out_size


def ntuple(name: str, value, n: int, what: str = "conv2d") -> tuple:
    """An int or a sequence of n ints as an n-tuple, PyTorch's `_ntuple` and its length check."""
    if isinstance(value, Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, Integral) for v in value):
        raise EagerShapeError(
            f"{what}: expected {name} to be a single integer value or a list of {n} values to "
            f"match the convolution dimensions, but got {name}={list(value)} {user_line()}"
        )
    return tuple(int(v) for v in value)


def pair(name: str, value, what: str = "conv2d") -> tuple[int, int]:
    """An int or a sequence of 2 ints as a pair, PyTorch's `_pair` and its length check."""
    return ntuple(name, value, 2, what)


def same_pads(kernel: tuple, dilation: tuple) -> tuple:
    """PyTorch's (and TF1's stride-1) 'same': total d(k-1) per dim, the odd one at the end."""
    return tuple(
        (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=True)
    )


def _pads(what: str, padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise EagerShapeError(f"{what}: Invalid padding string: '{padding}' {user_line()}")
        if any(s != 1 for s in stride):
            raise EagerShapeError(
                f"{what}: padding='same' is not supported for strided convolutions {user_line()}"
            )
        return same_pads(kernel, dilation)
    pads = ntuple("padding", padding, n, what)
    if min(pads) < 0:
        raise EagerShapeError(f"{what}: negative padding is not supported {user_line()}")
    return tuple((p, p) for p in pads)


def _check(what: str, n: int, input: Tensor, weight: Tensor, bias, groups: int, transposed: bool) -> None:
    require_tensor(what, input)
    require_tensor(what, weight, "weight", 2)
    if input.ndim not in (n + 1, n + 2):
        raise EagerShapeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {what}, but got input of size: "
            f"{list(input.shape)} {user_line()}"
        )
    if weight.ndim != n + 2:
        layout = "in_channels, out_channels/groups" if transposed else "out_channels, in_channels/groups"
        raise EagerShapeError(
            f"{what}: weight must be {n + 2}-D ({layout}, *kernel_size), got shape {list(weight.shape)} "
            f"{user_line()}"
        )
    if groups <= 0:
        raise EagerShapeError(f"{what}: non-positive groups is not supported {user_line()}")
    channels = input.shape[-n - 1]
    if transposed:
        if weight.shape[0] != channels:
            raise EagerShapeError(
                f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(input.shape)} "
                f"to have {weight.shape[0]} channels, but got {channels} channels instead {user_line()}"
            )
        out_channels = weight.shape[1] * groups
    else:
        out_channels = weight.shape[0]
        if weight.shape[1] * groups != channels:
            raise EagerShapeError(
                f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                f"{channels} channels instead {user_line()}"
            )
    if weight.shape[0] % groups:
        raise EagerShapeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead {user_line()}"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise EagerShapeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead {user_line()}"
        )
    for t in (weight, bias):
        if t is not None and t.dtype is not input.dtype:
            raise EagerDTypeError(
                f"{what}: Input type ({input.dtype.name}) and weight/bias type ({t.dtype.name}) should be "
                f"the same {user_line()}"
            )
    if not input.dtype.is_floating_point:
        raise EagerDTypeError(
            f"{what}: not implemented for '{input.dtype.name}' (floating inputs only) {user_line()}"
        )


def _positive(what: str, **values) -> None:
    for name, value in values.items():
        if min(value) <= 0:
            raise EagerShapeError(f"{what}: non-positive {name} is not supported {user_line()}")


def _with_bias(out: Tensor, bias, n: int) -> Tensor:
    return out if bias is None else api.add(out, api.reshape(bias, (-1,) + (1,) * n))


def convolution(
    n: int, input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """conv{n}d: PyTorch's checks, then the N-d `conv` op (unbatched input gets a batch of 1)."""
    what = f"conv{n}d"
    _check(what, n, input, weight, bias, groups, transposed=False)
    stride, dilation = ntuple("stride", stride, n, what), ntuple("dilation", dilation, n, what)
    _positive(what, stride=stride, dilation=dilation)
    kernel = tuple(weight.shape[2:])
    pads = _pads(what, padding, kernel, stride, dilation)
    padded = [input.shape[-n + i] + sum(pads[i]) for i in range(n)]
    reach = [dilation[i] * (kernel[i] - 1) + 1 for i in range(n)]
    if any(p < r for p, r in zip(padded, reach, strict=True)):
        raise EagerShapeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input size "
            f"{user_line()}"
        )
    batched = input if input.ndim == n + 2 else api.unsqueeze(input, 0)
    out = conv_ops.conv(batched, weight, stride=stride, pads=pads, dilation=dilation, groups=groups)
    out = _with_bias(out, bias, n)
    return out if input.ndim == n + 2 else api.squeeze(out, 0)


def transposed_size(
    n: int,
    what: str,
    windows: tuple,
    kernel: tuple,
    stride: tuple,
    padding: tuple,
    dilation: tuple,
    output_padding: tuple,
    output_size=None,
) -> tuple:
    """PyTorch's output size of a transposed convolution: (L - 1) s - 2 p + d (k - 1) + output_padding + 1,
    or `output_size` when given (it picks output_padding in [0, stride))."""
    smallest = tuple(
        (m - 1) * s - 2 * p + d * (k - 1) + 1
        for m, s, p, d, k in zip(windows, stride, padding, dilation, kernel, strict=True)
    )
    if output_size is not None:
        size = tuple(int(v) for v in output_size)[-n:]
        if len(size) != n or any(
            not lo <= v < lo + s for v, lo, s in zip(size, smallest, stride, strict=True)
        ):
            raise EagerShapeError(
                f"{what}: requested an output size of {list(size)}, but valid sizes range from "
                f"{list(smallest)} to {[lo + s - 1 for lo, s in zip(smallest, stride, strict=True)]} "
                f"(for an input "
                f"of {list(windows)}) {user_line()}"
            )
        return size
    for op_, s, d in zip(output_padding, stride, dilation, strict=True):
        if op_ < 0 or (op_ >= s and op_ >= d):
            raise EagerShapeError(
                f"{what}: output padding must be smaller than either stride or dilation, but got "
                f"output_padding={list(output_padding)}, stride={list(stride)}, dilation="
                f"{list(dilation)} {user_line()}"
            )
    size = tuple(a + b for a, b in zip(smallest, output_padding, strict=True))
    if min(size) < 1:
        raise EagerShapeError(f"{what}: the output size {list(size)} is too small {user_line()}")
    return size


def convolution_transpose(
    n: int,
    input: Tensor,
    weight: Tensor,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
    output_size=None,
) -> Tensor:
    """conv_transpose{n}d: the gradient of conv{n}d wrt its input, for an input of PyTorch's
    output size, with `weight` (in_channels, out_channels/groups, *kernel) as that conv's filters."""
    what = f"conv_transpose{n}d"
    _check(what, n, input, weight, bias, groups, transposed=True)
    stride, dilation = ntuple("stride", stride, n, what), ntuple("dilation", dilation, n, what)
    _positive(what, stride=stride, dilation=dilation)
    padding = ntuple("padding", padding, n, what)
    if min(padding) < 0:
        raise EagerShapeError(f"{what}: negative padding is not supported {user_line()}")
    output_padding = ntuple("output_padding", output_padding, n, what)
    kernel, windows = tuple(weight.shape[2:]), tuple(input.shape[-n:])
    size = transposed_size(n, what, windows, kernel, stride, padding, dilation, output_padding, output_size)
    pads = tuple((p, p) for p in padding)
    batched = input if input.ndim == n + 2 else api.unsqueeze(input, 0)
    # an output_padding of at least the stride (allowed below the dilation) adds windows no
    # input value reaches: their gradient is zero
    extra = [
        out_size(s, k, st, p, d) - m
        for s, k, st, p, d, m in zip(size, kernel, stride, pads, dilation, windows, strict=True)
    ]
    if any(extra):
        batched = ops.pad(
            batched, paddings=((0, 0), (0, 0)) + tuple((0, e) for e in extra), constant_values=0
        )
    out = conv_ops.conv_transpose(
        batched, weight, size=size, stride=stride, pads=pads, dilation=dilation, groups=groups
    )
    out = _with_bias(out, bias, n)
    return out if input.ndim == n + 2 else api.squeeze(out, 0)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of (N, C, L) or (C, L) input with (O, C/groups, k) filters
    (torch.nn.functional.conv1d); padding is zeros, 'valid' or 'same'."""
    return convolution(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) or (C, H, W) input with (O, C/groups, kH, kW)
    filters, as torch.nn.functional.conv2d; padding is zeros, 'valid' or 'same'."""
    return convolution(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """3-D cross-correlation of (N, C, D, H, W) or (C, D, H, W) input with (O, C/groups, kD, kH, kW)
    filters (torch.nn.functional.conv3d); padding is zeros, 'valid' or 'same'."""
    return convolution(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 1-D convolution of (N, C, L) input with (C, O/groups, k) filters
    (torch.nn.functional.conv_transpose1d)."""
    return convolution_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 2-D convolution of (N, C, H, W) input with (C, O/groups, kH, kW) filters
    (torch.nn.functional.conv_transpose2d)."""
    return convolution_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 3-D convolution of (N, C, D, H, W) input with (C, O/groups, kD, kH, kW) filters
    (torch.nn.functional.conv_transpose3d)."""
    return convolution_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)
