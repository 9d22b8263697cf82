"""PyTorch's lazy modules (`LazyLinear`, `LazyConv1d/2d/3d`, `LazyConvTranspose1d/2d/3d`,
`LazyBatchNorm1d/2d/3d`, `LazyInstanceNorm1d/2d/3d`): the input size (in_features,
in_channels, num_features) is read from the first input, so a model is written without it.

Until that first call the parameters are empty placeholders (PyTorch's UninitializedParameter),
already registered, so an optimizer can be built over them. The first forward builds the
layer it becomes (`cls_to_become`: Linear, Conv2d...) with the size read, which draws its
initial values exactly as constructing that layer at that point would, moves those values into
the placeholders (the same Parameter objects the optimizer holds) and turns the module into
that class, as PyTorch does. The norm layers' running stats are placeholder buffers until then,
replaced by the built layer's. A state_dict loaded before the first call is refused by the shape
check (PyTorch materializes from it)."""
from __future__ import annotations

from .. import dtypes
from ..eager.creation import empty, tensor
from ..eager.tensor import Tensor
from ..errors import DualgradIndexError, DualgradValueError, user_line
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv_layers import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm
from .layers import Linear
from .module import Module
from .parameter import Parameter


class LazyModuleMixin:
    """What a lazy module shares: placeholders until the first input, then the real layer."""

    cls_to_become: type

    def _lazy_setup(self, params: dict[str, bool], device, dtype, built_with: dict,
                    buffers: tuple[str, ...] = ()) -> None:
        """Empty placeholders for the parameters marked True (None for the others) and for
        `buffers`, then the hook that builds the layer on the first call."""
        self._lazy_built_with = built_with
        for name, wanted in params.items():
            self.register_parameter(name, Parameter(empty(0, dtype=dtype, device=device)) if wanted else None)
        for name in buffers:
            self.register_buffer(name, empty(0, dtype=dtype, device=device))
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
        for name, buffer in built._buffers.items():
            self._buffers[name] = buffer
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
        self._lazy_setup({"weight": True, "bias": bias}, device, dtype,
                         dict(out_features=out_features, bias=bias, device=device, dtype=dtype))

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
        self._lazy_setup({"weight": True, "bias": bias}, device, dtype, dict(
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


class _LazyConvTranspose(_LazyConv):
    """`ConvTranspose*d` whose in_channels is the channel dim of its first input."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                 bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        Module.__init__(self)
        self._configure(0, out_channels, kernel_size, stride, padding, dilation, groups, padding_mode,
                        output_padding)
        self._lazy_setup({"weight": True, "bias": bias}, device, dtype, dict(
            out_channels=out_channels, kernel_size=kernel_size, stride=stride, padding=padding,
            output_padding=output_padding, groups=groups, bias=bias, dilation=dilation,
            padding_mode=padding_mode, device=device, dtype=dtype))


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """`ConvTranspose1d` with in_channels read from the first input (torch.nn.LazyConvTranspose1d)."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """`ConvTranspose2d` with in_channels read from the first input (torch.nn.LazyConvTranspose2d)."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """`ConvTranspose3d` with in_channels read from the first input (torch.nn.LazyConvTranspose3d)."""

    cls_to_become = ConvTranspose3d


class _LazyNorm(LazyModuleMixin):
    """A batch or instance norm layer whose num_features is the channel dim of its first input
    (PyTorch's _LazyNormBase: affine=True and track_running_stats=True by default, for the
    instance norms too)."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        Module.__init__(self)
        self.num_features, self.eps, self.momentum = 0, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        stats = ("running_mean", "running_var") if track_running_stats else ()
        self._lazy_setup({"weight": affine, "bias": affine and bias}, device, dtype, dict(
            eps=eps, momentum=momentum, affine=affine, track_running_stats=track_running_stats,
            device=device, dtype=dtype, bias=bias), stats)
        if track_running_stats:
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def _in_size(self, input: Tensor) -> int:
        ranks, name = self.cls_to_become._ranks, type(self).__name__
        if input.ndim not in ranks:
            raise DualgradValueError(f"{name}: expected {self.cls_to_become._expected} input (got "
                                     f"{input.ndim}D input) {user_line()}")
        unbatched = issubclass(self.cls_to_become, _InstanceNorm) and input.ndim == ranks[0]
        return int(input.shape[0 if unbatched else 1])


class LazyBatchNorm1d(_LazyNorm, BatchNorm1d):
    """`BatchNorm1d` with num_features read from the first input (torch.nn.LazyBatchNorm1d)."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNorm, BatchNorm2d):
    """`BatchNorm2d` with num_features read from the first input (torch.nn.LazyBatchNorm2d)."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNorm, BatchNorm3d):
    """`BatchNorm3d` with num_features read from the first input (torch.nn.LazyBatchNorm3d)."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNorm, InstanceNorm1d):
    """`InstanceNorm1d` with num_features read from the first input (torch.nn.LazyInstanceNorm1d)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNorm, InstanceNorm2d):
    """`InstanceNorm2d` with num_features read from the first input (torch.nn.LazyInstanceNorm2d)."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNorm, InstanceNorm3d):
    """`InstanceNorm3d` with num_features read from the first input (torch.nn.LazyInstanceNorm3d)."""

    cls_to_become = InstanceNorm3d
