"""PyTorch's lazy modules (`LazyLinear`, `LazyConv1d/2d/3d`): the input size (in_features,
in_channels) is read from the first input, so a model is written without it.

Until that first call the parameters are empty placeholders (PyTorch's UninitializedParameter),
already registered, so an optimizer can be built over them. The first forward builds the
layer it becomes (`cls_to_become`: Linear, Conv2d...) with the size read, which draws its
initial values exactly as constructing that layer at that point would, moves those values into
the placeholders (the same Parameter objects the optimizer holds) and turns the module into
that class, as PyTorch does. A state_dict loaded before the first call is refused by the shape
check (PyTorch materializes from it)."""
from __future__ import annotations

from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import DualgradIndexError, user_line
from .conv_layers import Conv1d, Conv2d, Conv3d
from .layers import Linear
from .module import Module
from .parameter import Parameter


class LazyModuleMixin:
    """What a lazy module shares: placeholders until the first input, then the real layer."""

    cls_to_become: type

    def _lazy_setup(self, bias: bool, device, dtype, built_with: dict) -> None:
        self._lazy_built_with = built_with
        self.weight = Parameter(empty(0, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(0, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self._lazy_handle = self.register_forward_pre_hook(_initialize)

    def has_uninitialized_params(self) -> bool:
        """Whether the first input has not come yet (LazyModuleMixin.has_uninitialized_params)."""
        return hasattr(self, "_lazy_built_with")

    def initialize_parameters(self, input: Tensor) -> None:
        """Build the layer for `input`'s size and become it (LazyModuleMixin.initialize_parameters)."""
        if not self.has_uninitialized_params():
            return
        built = self.cls_to_become(self._in_size(input), **self._lazy_built_with)
        for name, placeholder in self._parameters.items():
            if placeholder is not None:
                placeholder.data = built._parameters[name].data  # (the optimizer's objects stay)
        for name, value in vars(built).items():
            if not name.startswith("_") and name != "training":  # (in_features, kernel_size...)
                setattr(self, name, value)
        self._lazy_handle.remove()
        del self._lazy_handle, self._lazy_built_with
        self.__class__ = self.cls_to_become


def _initialize(module: Module, args: tuple) -> None:
    module.initialize_parameters(args[0])


class LazyLinear(LazyModuleMixin, Linear):
    """`Linear` whose in_features is the last dim of its first input (torch.nn.LazyLinear)."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self._lazy_setup(bias, device, dtype, dict(out_features=out_features, bias=bias, device=device,
                                                   dtype=dtype))

    def _in_size(self, input: Tensor) -> int:
        if input.ndim == 0:
            raise DualgradIndexError(f"LazyLinear: the input must have at least one dim to read "
                                     f"in_features from, got a 0-d tensor {user_line()}")
        return int(input.shape[-1])


class _LazyConv(LazyModuleMixin):
    """`Conv*d` whose in_channels is the channel dim of its first input (batched or not)."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        Module.__init__(self)
        self._configure(0, out_channels, kernel_size, stride, padding, dilation, groups, padding_mode, 0)
        self._lazy_setup(bias, device, dtype, dict(
            out_channels=out_channels, kernel_size=kernel_size, stride=stride, padding=padding,
            dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode, device=device,
            dtype=dtype))

    def _in_size(self, input: Tensor) -> int:
        n = self.cls_to_become._n
        if input.ndim not in (n + 1, n + 2):
            raise DualgradIndexError(f"{type(self).__name__}: expected a {n + 1}-d (unbatched) or {n + 2}-d "
                                     f"input to read in_channels from, got shape {tuple(input.shape)} "
                                     f"{user_line()}")
        return int(input.shape[input.ndim - n - 1])


class LazyConv1d(_LazyConv, Conv1d):
    """`Conv1d` with in_channels read from the first input (torch.nn.LazyConv1d)."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """`Conv2d` with in_channels read from the first input (torch.nn.LazyConv2d)."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """`Conv3d` with in_channels read from the first input (torch.nn.LazyConv3d)."""

    cls_to_become = Conv3d
