"""More of PyTorch's activations and small layers, functions and modules: softshrink,
hardshrink, rrelu, gumbel_softmax, local_response_norm, channel_shuffle, Softmax2d and
bilinear.

Each is a composition of registry ops (`ops.*`, and `F.pad` / `F.avg_pool*` for
local_response_norm, transcribed from PyTorch's own Python), so gradients of every order, the
jax device and `dg.compile` come from those ops. Random draws (rrelu's slopes, gumbel noise)
come from dualgrad's generator (`dg.manual_seed`), as dropout's masks do; the streams are not
PyTorch's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops
from ..backend import is_jax_array
from ..eager import api, creation
from ..eager.arguments import require_tensor
from ..eager.creation import empty
from ..eager.tensor import Tensor, wrap
from ..errors import DualgradRuntimeError, DualgradValueError, EagerShapeError, user_line
from . import init
from .activation_functions import _floating, _run
from .module import Module
from .padding import pad
from .parameter import Parameter
from .pooling import avg_pool2d, avg_pool3d


def _uniform(like: Tensor, low: float, high: float) -> Tensor:
    """U(low, high) of like's shape, dtype and device from dualgrad's generator; a tensor, so a
    step `dg.compile` traces takes it as a graph value, as dropout's mask."""
    draw = wrap((low + (high - low) * creation._rng.random(tuple(like.shape))).astype(like.dtype.np))
    return api.to(draw, like.device) if is_jax_array(like._data) else draw


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (torch.nn.functional.softshrink);
    gradient 1 outside [-lambd, lambd] and at NaN (which passes), 0 inside, as PyTorch's."""
    _floating("softshrink", input)
    if not 0 <= lambd <= np.finfo(input.dtype.np).max:
        top = np.finfo(input.dtype.np).max
        raise DualgradRuntimeError(f"softshrink: lambda must be in range [0, {top:g}] "
                                   f"for input dtype {input.dtype.name}, but found {lambd} {user_line()}")
    inside = ops.logical_and(ops.greater_equal(input, -lambd), ops.less_equal(input, lambd))
    # (`where_linked`: the gradient stays connected to x, so the second derivative is 0, as
    # PyTorch's; with `where` it raised 'appears to not have been used')
    outside = ops.where_linked(ops.greater(input, lambd), ops.subtract(input, lambd), ops.add(input, lambd))
    zero = ops.multiply(ops.where(inside, input, 0.0), 0.0)  # 0 with x's sign, as PyTorch's x * 0
    return ops.where_linked(inside, zero, outside)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (torch.nn.functional.hardshrink); NaN passes with gradient 1."""
    _floating("hardshrink", input)
    inside = ops.logical_and(ops.greater_equal(input, -lambd), ops.less_equal(input, lambd))
    return ops.where_linked(inside, 0.0, input)  # (its gradient stays connected: see softshrink)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (torch.nn.functional.rrelu): in training each x <= 0 is multiplied by
    its own slope drawn from U(lower, upper) (the gradient is that slope, at 0 too); in eval
    leaky_relu with the mean slope (lower + upper) / 2."""
    _floating("rrelu", input)
    if lower > upper:
        raise DualgradRuntimeError(f"rrelu: Lower bound should be less than or equal to the upper bound, got "
                                   f"lower={lower}, upper={upper} {user_line()}")
    if not training:
        return _run("rrelu", ops.leaky_relu, input, inplace, (lower + upper) / 2)
    slopes = _uniform(input, lower, upper)
    return _run("rrelu", lambda x: ops.where(ops.less_equal(x, 0), ops.multiply(x, slopes), x), input,
                inplace)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along `dim`, g Gumbel(0, 1) noise
    (torch.nn.functional.gumbel_softmax); `hard=True` returns the one-hot of its argmax in value
    with the soft sample's gradient (straight-through: y_hard - y_soft.detach() + y_soft)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # -log(E), E ~ Exp(1) = -log(1 - U): PyTorch's exponential_().log() negated
    exponential = -np.log1p(-creation._rng.random(tuple(logits.shape)))
    gumbels = wrap(-np.log(exponential).astype(logits.dtype.np))
    if is_jax_array(logits._data):
        gumbels = api.to(gumbels, logits.device)
    y_soft = api.softmax(ops.divide(ops.add(logits, gumbels), tau), dim)
    if not hard:
        return y_soft
    y_hard = ops.cast(ops.first_max_mask(y_soft, axis=dim % max(logits.ndim, 1)), dtype=logits.dtype)
    return ops.add(ops.subtract(y_hard, y_soft.detach()), y_soft)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta, the window over
    dim 1 zero-padded by size // 2 before and (size - 1) // 2 after
    (torch.nn.functional.local_response_norm; PyTorch's own composition of pad and avg_pool)."""

    dim = input.ndim
    if dim < 3:
        raise DualgradValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                                 f"(got {dim} dimensions, shape {tuple(input.shape)}) {user_line()}")
    if input.numel() == 0:
        return input
    div = ops.multiply(input, input)
    if dim == 3:
        div = pad(api.unsqueeze(div, 1), (0, 0, size // 2, (size - 1) // 2))
        div = api.squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        sizes = tuple(input.shape)
        div = api.reshape(div, (sizes[0], 1, sizes[1], sizes[2], -1))
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = api.reshape(api.squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1), sizes)
    div = ops.power(ops.add(ops.multiply(div, alpha), k), beta)
    return ops.divide(input, div)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with its C channels read as (groups, C / groups) and transposed, so each group
    gets a channel of every other (torch.nn.functional.channel_shuffle; ShuffleNet)."""
    shape = tuple(input.shape)
    if len(shape) <= 2:
        raise EagerShapeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                              f"{list(shape)} {user_line()}")
    if groups <= 0:
        raise DualgradRuntimeError(f"channel_shuffle: Number of groups to divide channels in must be "
                                   f"positive. Value of groups:{groups} {user_line()}")
    c = shape[1]
    if c % groups:
        raise DualgradRuntimeError(f"channel_shuffle: Number of channels must be divisible by groups. "
                                   f"Got {c} channels and {groups} groups. {user_line()}")
    grouped = api.reshape(input, (shape[0], groups, c // groups) + shape[2:])
    return api.reshape(api.transpose(grouped, 1, 2), shape)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1^T A_o x2 + b_o over (*, in1), (*, in2) and weight (out, in1, in2)
    (torch.nn.functional.bilinear): x1 @ A as one matmul, then the product with x2 summed."""
    name = "bilinear()"
    for position, (what, t) in enumerate((("input1", input1), ("input2", input2), ("weight", weight)), 1):
        require_tensor("bilinear", t, what, position)
    if weight.ndim != 3:
        raise EagerShapeError(f"{name}: weight must be 3-D (out, in1, in2), got {tuple(weight.shape)} "
                              f"{user_line()}")
    batch1, batch2 = tuple(input1.shape[:-1]), tuple(input2.shape[:-1])
    if input1.ndim != input2.ndim:
        raise EagerShapeError(f"{name}: input1 and input2 must have the same number of dimensions, got "
                              f"{tuple(input1.shape)} and {tuple(input2.shape)} {user_line()}")
    for i, (a, b) in enumerate(zip(batch1, batch2, strict=True)):
        if a != b:
            raise EagerShapeError(f"{name}: input batch dimensions do not match at dim {i}: got {a} and {b} "
                                  f"(input1 {batch1 + tuple(input1.shape[-1:])}, input2 "
                                  f"{tuple(input2.shape)}) {user_line()}")
    out, in1, in2 = tuple(weight.shape)
    for label, t, size in (("input1", input1, in1), ("input2", input2, in2)):
        if t.shape[-1] != size:
            raise EagerShapeError(f"{name}: {label} size does not match weight size: got {t.shape[-1]} but "
                                  f"expected {size} (weight {tuple(weight.shape)}) {user_line()}")
    if bias is not None and tuple(bias.shape) != (out,):
        raise EagerShapeError(f"{name}: bias size does not match weight size: got {tuple(bias.shape)} but "
                              f"expected ({out},) {user_line()}")
    n = int(np.prod(batch1, dtype=np.int64))
    x1 = api.reshape(input1, (n, in1))
    x2 = api.reshape(input2, (n, 1, in2))
    a = api.reshape(api.permute(weight, 1, 0, 2), (in1, out * in2))  # A as (in1, out * in2)
    y = ops.sum(ops.multiply(api.reshape(api.matmul(x1, a), (n, out, in2)), x2), axis=-1)
    if bias is not None:
        y = ops.add(y, bias)
    return api.reshape(y, batch1 + (out,))


class Softshrink(Module):
    """Soft shrinkage by `lambd` (torch.nn.Softshrink)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """`softshrink(input, lambd)`."""
        return softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """`0.5`, as PyTorch prints it."""
        return str(self.lambd)


class Hardshrink(Module):
    """Hard shrinkage by `lambd` (torch.nn.Hardshrink)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """`hardshrink(input, lambd)`."""
        return hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """`0.5`, as PyTorch prints it."""
        return str(self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU: random slopes in training, their mean in eval (torch.nn.RReLU)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """`rrelu(input, lower, upper, self.training, inplace)`."""
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """`lower=0.125, upper=0.3333333333333333`, as PyTorch prints it."""
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class LocalResponseNorm(Module):
    """Normalisation over neighbouring channels (torch.nn.LocalResponseNorm; AlexNet)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """`local_response_norm(input, size, alpha, beta, k)`."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """`2, alpha=0.0001, beta=0.75, k=1.0`, as PyTorch prints it."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class ChannelShuffle(Module):
    """Interleaves the channels of `groups` groups (torch.nn.ChannelShuffle)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """`channel_shuffle(input, groups)`."""
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """`groups=2`, as PyTorch prints it."""
        return f"groups={self.groups}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at each position of a (N, C, H, W) or (C, H, W) input
    (torch.nn.Softmax2d)."""

    def forward(self, input: Tensor) -> Tensor:
        """softmax(input, dim=-3)."""
        if input.ndim not in (3, 4):
            raise DualgradValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead "
                                     f"(shape {tuple(input.shape)}) {user_line()}")
        return api.softmax(input, -3)


class Bilinear(Module):
    """y = x1^T A x2 + b (torch.nn.Bilinear): weight (out, in1, in2) and bias (out,) drawn from
    U(-1/sqrt(in1), 1/sqrt(in1)), as PyTorch's reset_parameters."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        kw = {"device": device, "dtype": dtype}
        self.weight = Parameter(empty(out_features, in1_features, in2_features, **kw))
        if bias:
            self.bias = Parameter(empty(out_features, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(in1_features), 1/sqrt(in1_features)) for weight and bias."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """`bilinear(input1, input2, weight, bias)`."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """PyTorch's text."""
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


__all__ = ["softshrink", "hardshrink", "rrelu", "gumbel_softmax", "local_response_norm", "channel_shuffle",
           "bilinear", "Softshrink", "Hardshrink", "RReLU", "LocalResponseNorm", "ChannelShuffle",
           "Softmax2d", "Bilinear"]
