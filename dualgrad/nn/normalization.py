"""PyTorch's layer normalisation: `F.layer_norm` and `nn.LayerNorm`.

(x - mean) / sqrt(var + eps) over the last len(normalized_shape) dims, with the biased
variance (divided by the count, as PyTorch), then `* weight + bias`. A composition of registry
ops (mean, var with correction=0, sqrt, reciprocal, multiply, add), so its gradient is theirs.
"""
from __future__ import annotations

from .. import ops
from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import EagerShapeError, user_line
from . import init
from .module import Module
from .parameter import Parameter


def normalized_dims(normalized_shape) -> tuple[int, ...]:
    """PyTorch's normalized_shape: an int or a sequence of ints, as a tuple."""
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(d) for d in normalized_shape)


def standardize(input: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) * 1/sqrt(var + eps) over `axes`, the variance biased (PyTorch's normalising
    rule in layer_norm and batch_norm's training mode)."""
    mean = ops.mean(input, axis=axes, keepdims=True)
    var = ops.var(input, axis=axes, keepdims=True, correction=0)
    return ops.multiply(ops.subtract(input, mean), ops.reciprocal(ops.sqrt(ops.add(var, eps))))


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalises over the last len(normalized_shape) dims, then `* weight + bias`
    (torch.nn.functional.layer_norm)."""
    shape = normalized_dims(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise EagerShapeError(f"layer_norm: Given normalized_shape={list(shape)}, expected input with shape "
                              f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)} "
                              f"{user_line()}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise EagerShapeError(f"layer_norm: Expected {name} to be of same shape as normalized_shape, "
                                  f"but got {name} of shape {list(t.shape)} and normalized_shape = "
                                  f"{list(shape)} {user_line()}")
    out = standardize(input, tuple(range(-k, 0)), eps)
    if weight is not None:
        out = ops.multiply(out, weight)
    return out if bias is None else ops.add(out, bias)


class LayerNorm(Module):
    """Layer normalisation over the trailing `normalized_shape` (torch.nn.LayerNorm): weight
    ones and bias zeros at init when elementwise_affine (bias=False drops the bias)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = normalized_dims(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(empty(*self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to ones and bias to zeros (nn.LayerNorm.reset_parameters)."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """`layer_norm(input, normalized_shape, weight, bias, eps)`."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """`(4,), eps=1e-05, elementwise_affine=True, bias=True`, as PyTorch 2.13 prints it."""
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
