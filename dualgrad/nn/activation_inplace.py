"""nn.functional's in-place activations under PyTorch's trailing-underscore names (`F.relu_(x)`,
`F.leaky_relu_`, ...): each is its activation called with `inplace=True`."""
from __future__ import annotations

from .. import ops
from ..eager.inplace import inplace
from ..eager.tensor import Tensor
from .activation_functions import celu, elu, hardtanh, leaky_relu, selu
from .activation_more import rrelu
from .threshold_prelu import threshold


def relu_(input: Tensor) -> Tensor:
    """max(x, 0), written into input (torch.nn.functional.relu_)."""
    return inplace(input, ops.relu)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """`elu`, written into input (torch.nn.functional.elu_)."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """`leaky_relu`, written into input (torch.nn.functional.leaky_relu_)."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """`hardtanh`, written into input (torch.nn.functional.hardtanh_)."""
    return hardtanh(input, min_val, max_val, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """`selu`, written into input (torch.nn.functional.selu_)."""
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """`celu`, written into input (torch.nn.functional.celu_)."""
    return celu(input, alpha, inplace=True)


def threshold_(input: Tensor, threshold_value: float, value: float) -> Tensor:
    """`threshold`, written into input (torch.nn.functional.threshold_)."""
    return threshold(input, threshold_value, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """`rrelu`, written into input (torch.nn.functional.rrelu_)."""
    return rrelu(input, lower, upper, training, inplace=True)
