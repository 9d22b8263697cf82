"""PyTorch's questions about dtypes (`finfo`, `iinfo`, `result_type`, `promote_types`,
`can_cast`, `Tensor.element_size`, `is_signed`, ...) and `inference_mode`. The dtype answers
read `dtypes.promote`, the one promotion rule every op follows."""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import numpy as np

from .. import dtypes
from ..errors import DTypeError, user_line
from . import grad_mode
from .tensor import Tensor


# -- dtypes --------------------------------------------------------------------------------------
def _dtype_arg(name: str, spec, kinds: str):
    d = dtypes.DEFAULT_FLOAT if spec is None and kinds == "f" else dtypes.as_torch_dtype(spec)
    if d is None or d.np.kind not in kinds:
        raise DTypeError(f"{name}: {d or spec!r} is not supported by {name} (it takes "
                         f"{'floating point' if kinds == 'f' else 'integer'} dtypes) {user_line()}")
    return d


class finfo:
    """The numbers of a floating dtype (torch.finfo): `bits`, `eps`, `max`, `min`, `tiny` (=
    `smallest_normal`), `resolution` and `dtype` (its name); `finfo()` is the default dtype's."""

    def __init__(self, type=None):  # noqa: A002 (PyTorch's name)
        d = _dtype_arg("finfo", type, "f")
        info = np.finfo(d.np)
        self.bits, self.dtype = int(info.bits), d.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # (torch's; numpy's is rounded to the dtype)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype (torch.iinfo): `bits`, `max`, `min` and `dtype` (its name)."""

    def __init__(self, type):  # noqa: A002 (PyTorch's name)
        d = _dtype_arg("iinfo", type, "iu")
        info = np.iinfo(d.np)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def result_type(tensor1, tensor2) -> dtypes.DType:
    """The dtype an op of these two tensors or numbers returns (torch.result_type): dualgrad's
    promotion rule itself (dims beat 0-d tensors beat Python numbers)."""
    found = dtypes.result_dtype([tensor1, tensor2])
    return found or dtypes.promote_groups([], [], [dtypes.weak_dtype(v) for v in (tensor1, tensor2)])


def promote_types(type1, type2) -> dtypes.DType:
    """The promoted dtype of two dtypes (torch.promote_types): a float beats any int."""
    return dtypes.promote(_dtype_argument("type1", 1, type1), _dtype_argument("type2", 2, type2))


def _dtype_argument(name: str, position: int, spec) -> dtypes.DType:
    """`spec` read as PyTorch reads a dtype argument; the refusal names promote_types."""
    try:
        return dtypes.as_torch_dtype(spec)
    except DTypeError as e:
        raise DTypeError(f"promote_types(): argument '{name}' (position {position}): {e}") from None


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rule lets a result of dtype `from_` be written into `to`
    (torch.can_cast): not float into an integer, nor anything but bool into bool; in promotion's
    words, promoting `from_` with `to` stays in `to`'s kind."""
    src, dst = dtypes.as_torch_dtype(from_), dtypes.as_torch_dtype(to)
    both = dtypes.promote(src, dst)
    return both.is_floating_point == dst.is_floating_point and both.is_bool == dst.is_bool


def is_complex(input: Tensor) -> bool:
    """False: dualgrad has no complex dtypes (torch.is_complex)."""
    return False


def _tensor_is_floating_point(self: Tensor) -> bool:
    """Whether the dtype is a floating point one (Tensor.is_floating_point)."""
    return self.dtype.is_floating_point


def _is_signed(self: Tensor) -> bool:
    """Whether the dtype holds negative numbers: all but uint8 and bool (Tensor.is_signed)."""
    return not (self.dtype.is_bool or self.dtype.np.kind == "u")


def _element_size(self: Tensor) -> int:
    """Bytes per element (Tensor.element_size)."""
    return self.dtype.np.itemsize


def _ndimension(self: Tensor) -> int:
    """The number of dims, as `dim()` (Tensor.ndimension)."""
    return self.ndim


def _is_inference(self: Tensor) -> bool:
    """False: dualgrad does not mark inference tensors (Tensor.is_inference)."""
    return False


def _itemsize(self: Tensor) -> int:
    """Bytes per element (Tensor.itemsize)."""
    return self.dtype.np.itemsize


def _nbytes(self: Tensor) -> int:
    """Bytes of the elements, numel * itemsize (Tensor.nbytes)."""
    return self.numel() * self.dtype.np.itemsize


# -- inference mode ------------------------------------------------------------------------------
class _Inference(threading.local):
    enabled = False


_inference = _Inference()


def is_inference_mode_enabled() -> bool:
    """Whether code runs inside `inference_mode()` (torch.is_inference_mode_enabled)."""
    return _inference.enabled


class inference_mode:
    """`no_grad` under PyTorch's inference-mode name (torch.inference_mode), a context manager
    and a decorator (`@dg.inference_mode()` or bare `@dg.inference_mode`): ops inside record no
    graph. `inference_mode(False)` turns recording on, as PyTorch's. Tensors made inside are
    ordinary tensors: dualgrad does not mark them (PyTorch refuses some later uses of them)."""

    def __new__(cls, mode=True):
        """A bare `@dg.inference_mode` decorates at once, as PyTorch's."""
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True):
        self.mode = True if mode is None else bool(mode)

    def __enter__(self):
        self._previous = (grad_mode.state.enabled, _inference.enabled)
        grad_mode.state.enabled, _inference.enabled = not self.mode, self.mode
        return self

    def __exit__(self, *exc) -> None:
        grad_mode.state.enabled, _inference.enabled = self._previous

    def __call__(self, fn: Callable) -> Callable:
        """`fn` run inside this mode on every call."""
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self) -> inference_mode:
        """A new context manager of the same mode (torch's `inference_mode.clone`)."""
        return inference_mode(self.mode)


#: the dtype questions that are `Tensor` methods and properties
METHODS = {
    "is_floating_point": _tensor_is_floating_point, "is_complex": is_complex, "is_signed": _is_signed,
    "element_size": _element_size, "ndimension": _ndimension, "is_inference": _is_inference,
    "itemsize": property(_itemsize), "nbytes": property(_nbytes),
}
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
