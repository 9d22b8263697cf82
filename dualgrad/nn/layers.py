"""Layers and activations as Modules (PyTorch's constructors, reprs and defaults)."""
from __future__ import annotations

from ..eager import api
from ..eager.creation import empty
from ..eager.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; constructor arguments are ignored (torch.nn.Identity)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """`input`, unchanged."""
        return input


class Linear(Module):
    """y = x W^T + b, with PyTorch's initialisation: W ~ kaiming_uniform(a=sqrt(5)) (that is
    U(-1/sqrt(in), 1/sqrt(in))) and b ~ U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draws weight and bias with PyTorch's default initialisation (nn.Linear.reset_parameters)."""
        init.reset_affine(self.weight, self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:
        """`input @ weight.T + bias` (torch.nn.functional.linear)."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """`in_features=..., out_features=..., bias=...`, as PyTorch prints it."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flattens dims `start_dim`..`end_dim` into one (torch.nn.Flatten)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """`input.flatten(start_dim, end_dim)`."""
        return api.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """`start_dim=..., end_dim=...`, as PyTorch prints it."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zeroes each element with probability `p` in training, the rest scaled by 1/(1-p) (torch.nn.Dropout)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Dropout in training mode; `input` unchanged in eval mode."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """`p=..., inplace=...`, as PyTorch prints it."""
        return f"p={self.p}, inplace={self.inplace}"


class ReLU(Module):
    """max(x, 0) elementwise as a module (torch.nn.ReLU)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """`relu(input)`."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """`inplace=True` when set, as PyTorch prints it."""
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """Hyperbolic tangent as a module (torch.nn.Tanh)."""

    def forward(self, input: Tensor) -> Tensor:
        """`tanh(input)`."""
        return F.tanh(input)


class Sigmoid(Module):
    """Logistic sigmoid as a module (torch.nn.Sigmoid)."""

    def forward(self, input: Tensor) -> Tensor:
        """`sigmoid(input)`."""
        return F.sigmoid(input)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, x where beta x > `threshold` (torch.nn.Softplus)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """`softplus(input, beta, threshold)`."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """`beta=..., threshold=...`, as PyTorch prints it."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along `dim` as a module (torch.nn.Softmax)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """`softmax(input, dim)`."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        """`dim=...`, as PyTorch prints it."""
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along `dim` as a module (torch.nn.LogSoftmax)."""

    def forward(self, input: Tensor) -> Tensor:
        """`log_softmax(input, dim)`."""
        return F.log_softmax(input, self.dim)
