"""PyTorch's eval-time fusion of a convolution or a linear layer with the BatchNorm after it
(`nn.utils.fuse_conv_bn_eval`, `fuse_linear_bn_eval` and their weight forms): one layer whose
output is the two layers' in eval mode, w' = w * gamma / sqrt(var + eps) per output channel and
b' = (b - mean) * gamma / sqrt(var + eps) + beta."""
from __future__ import annotations

import copy

from ...eager.creation import ones_like, zeros_like
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import GraphError, user_line
from ..parameter import Parameter


def _eval_only(layer, bn) -> None:
    if layer.training or bn.training:
        raise GraphError(f"Fusion only for eval! {user_line()}")
    if bn.running_mean is None or bn.running_var is None:
        raise GraphError(f"bn.running_mean and bn.running_var must not be None {user_line()}")


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None, transpose: bool = False):
    """The (weight, bias) Parameters of a convolution fused with the BatchNorm after it
    (nn.utils.fuse_conv_bn_weights); `transpose`: a transposed convolution's weight."""
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    with no_grad():
        if conv_b is None:
            conv_b = zeros_like(bn_rm)
        bn_w = ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
        rsqrt = (bn_rv + bn_eps).rsqrt()
        shape = [1, -1] if transpose else [-1, 1]
        shape += [1] * (conv_w.dim() - 2)
        fused_w = (conv_w * (bn_w * rsqrt).reshape(shape)).to(dtype=w_dtype)
        fused_b = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A new convolution computing `bn(conv(x))` of the two in eval mode (nn.utils.fuse_conv_bn_eval)."""
    _eval_only(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                           bn_eps: float, bn_w: Tensor, bn_b: Tensor):
    """The (weight, bias) Parameters of a linear layer fused with the BatchNorm after it
    (nn.utils.fuse_linear_bn_weights)."""
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    with no_grad():
        if linear_b is None:
            linear_b = zeros_like(bn_rm)
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        fused_w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
        fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A new linear layer computing `bn(linear(x))` of the two in eval mode
    (nn.utils.fuse_linear_bn_eval)."""
    _eval_only(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise GraphError(f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                         f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features} "
                         f"{user_line()}")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                      bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
