"""PyTorch's activation modules beyond ReLU/Tanh/Sigmoid/Softplus: each holds its options,
calls `nn.functional` in `forward`, and prints them as PyTorch's `extra_repr` does."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from . import activation_functions as F
from .module import Module


def _inplace_only(self) -> str:
    """`inplace=True` when set; nothing otherwise, as PyTorch prints it."""
    return "inplace=True" if self.inplace else ""


class _Inplace(Module):
    """An activation whose only option is `inplace` (PyTorch prints it only when set)."""

    function = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The activation of `input` (written into it when `inplace`)."""
        return type(self).function(input, inplace=self.inplace)

    extra_repr = _inplace_only


class _Plain(Module):
    """An activation without options."""

    function = None

    def forward(self, input: Tensor) -> Tensor:
        """The activation of `input`."""
        return type(self).function(input)


class GELU(Module):
    """x * Phi(x), exact (erf) or `approximate='tanh'` (torch.nn.GELU)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """`gelu(input, approximate)`."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """`approximate='none'`, as PyTorch prints it."""
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """x * sigmoid(x) (torch.nn.SiLU)."""

    function = staticmethod(F.silu)


class Mish(_Inplace):
    """x * tanh(softplus(x)) (torch.nn.Mish)."""

    function = staticmethod(F.mish)


class SELU(_Inplace):
    """scale * elu(x, alpha), PyTorch's constants (torch.nn.SELU)."""

    function = staticmethod(F.selu)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6 (torch.nn.Hardsigmoid; PyTorch prints no options)."""

    function = staticmethod(F.hardsigmoid)
    extra_repr = Module.extra_repr


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6 (torch.nn.Hardswish; PyTorch prints no options)."""

    function = staticmethod(F.hardswish)
    extra_repr = Module.extra_repr


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x (torch.nn.LeakyReLU)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """`leaky_relu(input, negative_slope)`."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """`negative_slope=0.01`, then `, inplace=True` when set (PyTorch's text)."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, else alpha * (exp(x) - 1) (torch.nn.ELU)."""

    function = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The activation of `input` with this module's alpha."""
        return type(self).function(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """`alpha=1.0`, then `, inplace=True` when set (PyTorch's text)."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (torch.nn.CELU)."""

    function = staticmethod(F.celu)


class Hardtanh(Module):
    """x clamped to [min_val, max_val], gradient strictly inside only (torch.nn.Hardtanh)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:  # (PyTorch asserts it)
            raise DualgradValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                                     f"({min_val}) {user_line()}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """`hardtanh(input, min_val, max_val)`."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """`min_val=-1.0, max_val=1.0`, then `, inplace=True` when set (PyTorch's text)."""
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """hardtanh(x, 0, 6) (torch.nn.ReLU6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    extra_repr = _inplace_only


class LogSigmoid(_Plain):
    """log(sigmoid(x)), computed stably (torch.nn.LogSigmoid)."""

    function = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    """x / (1 + |x|) (torch.nn.Softsign)."""

    function = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """x - tanh(x) (torch.nn.Tanhshrink)."""

    function = staticmethod(F.tanhshrink)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along `dim` (torch.nn.GLU)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """`glu(input, dim)`."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """`dim=-1`, as PyTorch prints it."""
        return f"dim={self.dim}"


__all__ = ["CELU", "ELU", "GELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
           "Mish", "ReLU6", "SELU", "SiLU", "Softsign", "Tanhshrink"]
