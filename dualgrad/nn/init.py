"""`nn.init`: PyTorch's in-place initialisers. Values are drawn from dualgrad's generator
(`dg.manual_seed`) and written under `no_grad`; the fan and gain rules are PyTorch's."""
from __future__ import annotations

import math

from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import ShapeError, user_frame
from ..random import numpy_rng
from .init_fill import fill_drawn

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.dim() < 2:
        raise ShapeError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)}; at {user_frame()})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fills `tensor` in place from U(a, b) (torch.nn.init.uniform_)."""
    draw = numpy_rng(generator).uniform(a, b, tuple(tensor.shape))
    return fill_drawn(tensor, draw, "check_uniform_bounds", "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fills `tensor` in place from N(mean, std^2) (torch.nn.init.normal_)."""
    draw = numpy_rng(generator).normal(mean, std, tuple(tensor.shape))
    return fill_drawn(tensor, draw, "normal_kernel_cpu", "normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills `tensor` in place with `val` (torch.nn.init.constant_)."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fills `tensor` in place with zeros (torch.nn.init.zeros_)."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fills `tensor` in place with ones (torch.nn.init.ones_)."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform init in place: U(-a, a), a = gain*sqrt(6/(fan_in+fan_out)) (nn.init.xavier_uniform_)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal init in place: std = gain*sqrt(2/(fan_in+fan_out)) (nn.init.xavier_normal_)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _fan(tensor, mode)
    if fan == 0:
        return 0.0
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He uniform init in place, bound from the fan and the gain (torch.nn.init.kaiming_uniform_)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He normal init in place, std = gain/sqrt(fan) (torch.nn.init.kaiming_normal_)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def reset_affine(weight: Tensor, bias: Tensor | None, fan_in: int) -> None:
    """PyTorch's default init of its Linear and Conv layers (their reset_parameters): weight
    from kaiming_uniform(a=sqrt(5)), bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Not one of
    torch.nn.init's names, so not in __all__."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


__all__ = ["calculate_gain", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_",
           "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_"]

from .init_more import orthogonal_, trunc_normal_  # noqa: E402 (torch.nn.init's names; init_more.py)

__all__ += ["orthogonal_", "trunc_normal_"]

from .init_names import deprecated, dirac_, eye_, sparse_  # noqa: E402 (init_names.py)

# PyTorch's deprecated names without the underscore, each warning before it runs the new one
uniform, normal, constant, eye, dirac = (deprecated(f) for f in (uniform_, normal_, constant_, eye_, dirac_))
xavier_uniform, xavier_normal = deprecated(xavier_uniform_), deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = deprecated(kaiming_uniform_), deprecated(kaiming_normal_)
orthogonal, sparse = deprecated(orthogonal_), deprecated(sparse_)

__all__ += ["dirac_", "eye_", "sparse_"]
