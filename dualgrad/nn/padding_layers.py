"""PyTorch's padding modules (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad,
CircularPad in 1, 2 and 3 dims): each holds its padding and calls `F.pad` (`nn/padding.py`),
whose registry ops carry the values and gradients."""
from __future__ import annotations

from ..eager.tensor import Tensor
from .module import Module
from .padding import pad


class _PadNd(Module):
    """Pads the last `_dims` dims by `padding` (an int for every side, or PyTorch's
    (last_before, last_after, ...) tuple) in `_mode`."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: int | tuple, value: float = 0.0) -> None:
        super().__init__()
        self.padding = (padding,) * (2 * self._dims) if isinstance(padding, int) else tuple(padding)
        if self._mode == "constant":
            self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """`F.pad(input, padding, mode)` (with `value` for constant padding)."""
        if self._mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        """The padding (and value), as PyTorch prints it."""
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pads the last dim with `value` (torch.nn.ConstantPad1d)."""

    def __init__(self, padding: int | tuple, value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        """`padding=..., value=...`, as PyTorch prints it."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pads the last two dims with `value` (torch.nn.ConstantPad2d)."""

    _dims = 2


class ConstantPad3d(ConstantPad1d):
    """Pads the last three dims with `value` (torch.nn.ConstantPad3d)."""

    _dims = 3


class ZeroPad1d(_PadNd):
    """Pads the last dim with zeros (torch.nn.ZeroPad1d)."""

    def __init__(self, padding: int | tuple) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pads the last two dims with zeros (torch.nn.ZeroPad2d)."""

    _dims = 2


class ZeroPad3d(ZeroPad1d):
    """Pads the last three dims with zeros (torch.nn.ZeroPad3d)."""

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its mirror image, edge excluded (torch.nn.ReflectionPad1d)."""

    _mode = "reflect"

    def __init__(self, padding: int | tuple) -> None:
        super().__init__(padding)


class ReflectionPad2d(ReflectionPad1d):
    """Pads the last two dims by reflection (torch.nn.ReflectionPad2d)."""

    _dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Pads the last three dims by reflection (torch.nn.ReflectionPad3d)."""

    _dims = 3


class ReplicationPad1d(ReflectionPad1d):
    """Pads the last dim by repeating its edge values (torch.nn.ReplicationPad1d)."""

    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pads the last two dims by repeating the edges (torch.nn.ReplicationPad2d)."""

    _dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Pads the last three dims by repeating the edges (torch.nn.ReplicationPad3d)."""

    _dims = 3


class CircularPad1d(ReflectionPad1d):
    """Pads the last dim by wrapping around (torch.nn.CircularPad1d)."""

    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pads the last two dims by wrapping around (torch.nn.CircularPad2d)."""

    _dims = 2


class CircularPad3d(CircularPad1d):
    """Pads the last three dims by wrapping around (torch.nn.CircularPad3d)."""

    _dims = 3


__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]
