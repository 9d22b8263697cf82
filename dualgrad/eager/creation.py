"""Creation functions with PyTorch's signatures and dtype defaults (the default float for Python floats,
int64 for Python ints, bool for bools, a numpy array's own dtype).

Values are converted exactly (`convert`): a Python float asked for as float64 stays that
double, and an int that does not fit the requested integer dtype is refused, not wrapped.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import AllocationError, DTypeError, ShapeError, refusing, user_frame, user_line
from . import convert
from .bind import as_eager_error
from .devices import Device, get_default_device, place
from .storage_writes import expose
from .tensor import Size, Tensor, wrap

_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed dualgrad's random generator (rand, randn, normal, ... in eager/random_more.py)."""
    global _rng
    _rng = np.random.default_rng(seed)


def dtype_arg(dtype, op: str) -> dtypes.DType | None:
    """A `dtype=` argument in PyTorch's reading (`float` is float64, `int` int64), refused
    with the op's name when it is not a dtype."""
    try:
        return dtypes.as_torch_dtype(dtype)
    except DTypeError as e:
        raise DTypeError(f"{op}(): argument 'dtype': {e} {user_line()}") from None


def _leaf(data: np.ndarray, requires_grad=False, device=None, name=None) -> Tensor:
    if device is not None or get_default_device().type != "cpu":
        data = place(data, device, owned=True)  # (every caller made `data` for this tensor)
    t = wrap(data)
    t._name = name
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_array(data) -> np.ndarray:
    """Python data as a new array with PyTorch's defaults: floats the default float, ints int64."""
    return convert.array_from_data(data)


def tensor(data, dtype=None, requires_grad: bool = False, device=None, name: str | None = None) -> Tensor:
    """A new leaf tensor holding a copy of `data`."""
    array = convert.array_from_data(data, dtype_arg(dtype, "tensor"), "tensor")
    return _leaf(array, requires_grad, device, name)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """PyTorch's `as_tensor`: `data` itself when it is a tensor of that dtype and device (else
    a recorded `.to`), a tensor sharing memory with a CPU numpy array of that dtype, else a copy."""
    d = dtype_arg(dtype, "as_tensor")
    if isinstance(data, Tensor):
        args = [a for a in (d, device) if a is not None]
        return data.to(*args) if args else data
    target = Device(device) if device is not None else get_default_device()
    if isinstance(data, np.ndarray) and target.type == "cpu" \
            and (d is None or d.np == data.dtype) and data.dtype.isnative:
        return from_numpy(data)
    return tensor(data, dtype=d, device=device)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor that shares memory with the numpy array `a`."""
    if not isinstance(a, np.ndarray):
        raise DTypeError(f"from_numpy: expected np.ndarray (got {type(a).__name__}) {user_line()}")
    convert.array_dtype(a, "from_numpy")
    if not a.dtype.isnative:
        raise DTypeError(f"from_numpy: given numpy array has byte order different from the native byte "
                         f"order ({a.dtype.str}); copy it with dg.tensor(a) {user_line()}")
    expose(a)  # the caller's array: numpy may write into it
    return wrap(a)


def _sizes(size, op: str) -> tuple:
    """`(2, 3)`, `((2, 3),)` or `([2, 3],)` as a shape of ints (PyTorch's TypeError otherwise,
    and its RuntimeError for a negative size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = tuple(convert.size_value(s, op) for s in size)
    if any(s < 0 for s in shape):
        raise as_eager_error(ShapeError(f"{op}: Trying to create tensor with negative dimension: "
                                        f"{list(shape)} {user_line()}"))
    return shape


def _allocate(make, shape: tuple, dtype: dtypes.DType):
    """Allocate, turning numpy's MemoryError into a RuntimeError that names the size."""
    try:
        return make()
    except (MemoryError, OverflowError, ValueError) as e:  # numpy's errors for a size beyond its index
        if isinstance(e, ValueError) and not str(e).startswith(("Maximum allowed", "array is too big")):
            raise
        raise AllocationError(f"can't allocate memory: you tried to allocate a tensor of shape "
                              f"{shape} and dtype {dtype.name} {user_line()}") from None


def _filled(op: str, fill, size, dtype, requires_grad, device, default=None) -> Tensor:
    d = dtype_arg(dtype, op) or default or dtypes.DEFAULT_FLOAT  # (read now: dg.set_default_dtype)
    shape = _sizes(size, op)
    value = convert.scalar_value(fill, d, op)
    data = _allocate(lambda: np.full(shape, value, dtype=d.np), shape, d)
    return _leaf(data, requires_grad, device)


def zeros(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A tensor of zeros of the given shape (torch.zeros)."""
    return _filled("zeros", 0, size, dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A tensor of ones of the given shape (torch.ones)."""
    return _filled("ones", 1, size, dtype, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Zero-filled (PyTorch leaves it uninitialised; zeros are a safe reading of that)."""
    return _filled("empty", 0, size, dtype, requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    """`size` filled with `fill_value`; its dtype follows the value (bool, int64, or the
    default float) unless `dtype` is given. A value that overflows the dtype raises."""
    value = convert.number(fill_value, "full", "fill_value")
    return _filled("full", value, (size,), dtype, requires_grad, device, convert.number_dtype(value))


def eye(n: int, m: int | None = None, dtype=None, requires_grad=False, device=None) -> Tensor:
    """The n x m identity matrix (torch.eye)."""
    d = dtype_arg(dtype, "eye") or dtypes.DEFAULT_FLOAT
    rows = convert.size_value(n, "eye", "n")
    cols = rows if m is None else convert.size_value(m, "eye", "m")
    for name, v in (("n", rows), ("m", cols)):
        if v < 0:
            raise as_eager_error(ShapeError(f"eye: {name} must be greater or equal to 0, got {v} (at "
                                            f"{user_frame()})"))
    return _leaf(_allocate(lambda: np.eye(rows, cols, dtype=d.np), (rows, cols), d), requires_grad, device)


def _range_error(message: str) -> Exception:
    return as_eager_error(ShapeError(f"{message} {user_line()}"))


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None) -> Tensor:
    """PyTorch's `arange`: `start + i * step` for `i < ceil((end - start) / step)`, computed
    in float64 (or exact integers) and rounded once to the dtype; float arguments make the
    default float dtype, ints int64. Values that overflow an integer dtype raise."""
    if end is None:
        start, end = 0, start
    start, end, step = (convert.number(v, "arange", w) for v, w in ((start, "start"), (end, "end"),
                                                                    (step, "step")))
    floats = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
    d = dtype_arg(dtype, "arange") or (dtypes.DEFAULT_FLOAT if floats else dtypes.int64)
    if d.is_bool:
        convert.require_floating(d, "arange", "arange_cpu")
    if not all(math.isfinite(v) for v in (start, end)):
        raise _range_error(f"arange: unsupported range: {start} -> {end}")
    if step == 0:
        raise _range_error("arange: step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise _range_error(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start {start}, end {end}, step {step})")
    if d.is_integer:
        data = _integer_range(start, end, step, d)
    else:
        n = _length(start, end, step, d)
        values = _allocate(lambda: np.arange(n, dtype=np.float64), (n,), d) * float(step) + float(start)
        with np.errstate(over="ignore"):
            data = values.astype(d.np)
    return _leaf(data, requires_grad, device)


def _length(start, end, step, d: dtypes.DType) -> int:
    """ceil((end - start) / step) in float64, PyTorch's length of a range with float bounds."""
    q = (float(end) - float(start)) / float(step)
    if not math.isfinite(q):
        raise AllocationError(f"arange: a range from {start} to {end} by {step} has {q} elements; can't "
                              f"allocate a tensor of dtype {d.name} {user_line()}")
    return math.ceil(q)


def _integer_range(start, end, step, d: dtypes.DType) -> np.ndarray:
    """An integer arange, exactly: PyTorch truncates float bounds and step to ints first (so
    `arange(0.5, 5, 1.5, dtype=int64)` is `arange(0, 5, 1)`), and every value must fit `d`."""
    start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise _range_error("arange: step must be nonzero (it truncates to 0 for an integer dtype)")
    n = -((start - end) // step)
    n = max(n, 0)
    if n:
        for v in (start, start + (n - 1) * step):  # a monotone range: its ends bound it
            convert.int_value(v, d, "arange")
    if abs(start) < 2**62 and abs(n * step) < 2**62:  # int64 arithmetic cannot overflow
        values = _allocate(lambda: np.arange(n, dtype=np.int64), (n,), d) * step + start
    else:
        exact = range(start, start + n * step, step)  # Python ints: no intermediate overflow
        values = _allocate(lambda: np.fromiter(exact, np.int64, count=n), (n,), d)
    return values.astype(d.np)


def linspace(start, end, steps: int, dtype=None, requires_grad=False, device=None) -> Tensor:
    """`steps` values from `start` to `end` (PyTorch's symmetric formula in float64: the first
    half counts up from `start`, the second down from `end`, so both ends are exact)."""
    start, end, n, d = spaced_args("linspace", start, end, steps, dtype)
    return spaced_leaf("linspace", linspace_values(float(start), float(end), n, d), d, requires_grad, device)


def spaced_args(op: str, start, end, steps, dtype) -> tuple:
    """linspace's and logspace's checked (start, end, steps, dtype): Python numbers, a
    non-negative count, a dtype that is not bool (default: dg.get_default_dtype())."""
    start = convert.number(start, op, "start")
    end = convert.number(end, op, "end")
    n = convert.size_value(steps, op, "steps")
    if n < 0:
        raise _range_error(f"{op}: number of steps must be non-negative")
    d = dtype_arg(dtype, op) or dtypes.DEFAULT_FLOAT
    if d.is_bool:
        convert.require_floating(d, op, f"{op}_cpu")
    return start, end, n, d


def spaced_leaf(op: str, values: np.ndarray, d: dtypes.DType, requires_grad, device) -> Tensor:
    """float64 `values` rounded once to `d` (an integer dtype truncates; out of range raises)."""
    if d.is_integer:
        return _leaf(convert.to_int(values, d, op), requires_grad, device)
    with np.errstate(over="ignore"):
        return _leaf(values.astype(d.np), requires_grad, device)


def linspace_values(start: float, end: float, n: int, d: dtypes.DType) -> np.ndarray:
    """linspace's float64 values (also logspace's exponents)."""
    i = _allocate(lambda: np.arange(n, dtype=np.float64), (n,), d)
    if n <= 1:
        return np.full(n, start)
    step = (end - start) / (n - 1)
    values = np.where(i < n // 2, start + step * i, end - step * (n - 1 - i))
    values[0], values[-1] = start, end  # (-0.0 + 0.0 would lose the sign of a zero end)
    return values


def _base(t, op: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise DTypeError(f"{op}(): argument 'input' must be Tensor, not {type(t).__name__} (at "
                         f"{user_frame()})")
    return t


def _like(op: str, t: Tensor, fill, dtype, requires_grad, device) -> Tensor:
    t = _base(t, op)
    d = dtype_arg(dtype, op) or t.dtype
    value = convert.scalar_value(fill, d, op)
    shape = tuple(t._data.shape)
    data = _allocate(lambda: np.full(shape, value, dtype=d.np), shape, d)
    return _leaf(data, requires_grad, t.device if device is None else device)


def zeros_like(t: Tensor, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Zeros with `input`'s shape, dtype and device (torch.zeros_like)."""
    return _like("zeros_like", t, 0, dtype, requires_grad, device)


def ones_like(t: Tensor, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Ones with `input`'s shape, dtype and device (torch.ones_like)."""
    return _like("ones_like", t, 1, dtype, requires_grad, device)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    """`fill_value` in `input`'s shape, dtype and device (torch.full_like)."""
    return _like("full_like", t, fill_value, dtype, requires_grad, device)


def _random(op: str, kernel: str, draw, size, dtype, requires_grad, device) -> Tensor:
    d = dtype_arg(dtype, op) or dtypes.DEFAULT_FLOAT
    convert.require_floating(d, op, kernel)
    shape = _sizes(size, op)
    data = _allocate(lambda: np.asarray(draw(shape, d)).astype(d.np, copy=False), shape, d)
    return _leaf(data, requires_grad, device)


def legacy_tensor(*args, dtype=None, device=None) -> Tensor:
    """`Tensor(2, 3)` (zeros of that size), `Tensor()` (empty) or `Tensor([1, 2])` (data, as
    the default float unless it is a sibling such as DoubleTensor): PyTorch's legacy constructor."""
    dtype = dtype or dtypes.DEFAULT_FLOAT  # (read now: dg.set_default_dtype)
    op = dtype.legacy_type
    if not args:
        return zeros(0, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Size):
        return zeros(*args[0], dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
        return tensor(args[0], dtype=dtype, device=device)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        raise DTypeError(f"{op}(): data must be a sequence (got {type(args[0]).__name__}) (at "
                         f"{user_frame()})")
    return zeros(*args, dtype=dtype, device=device)


def FloatTensor(*args, device=None) -> Tensor:  # noqa: N802 (PyTorch's name)
    """A float32 tensor from data or of a shape (PyTorch's legacy torch.FloatTensor)."""
    return legacy_tensor(*args, dtype=dtypes.float32, device=device)


def DoubleTensor(*args, device=None) -> Tensor:  # noqa: N802
    """A float64 tensor from data or of a shape (PyTorch's legacy torch.DoubleTensor)."""
    return legacy_tensor(*args, dtype=dtypes.float64, device=device)


def LongTensor(*args, device=None) -> Tensor:  # noqa: N802
    """An int64 tensor from data or of a shape (PyTorch's legacy torch.LongTensor)."""
    return legacy_tensor(*args, dtype=dtypes.int64, device=device)


# -- Tensor.new_*: PyTorch's creation methods, which inherit the tensor's dtype and device ------
def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A copy of `data` with `self`'s dtype and device unless given (never inferred from `data`)."""
    d = dtype_arg(dtype, "new_tensor") or self.dtype
    device = self.device if device is None else device
    return tensor(data, dtype=d, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of `fill_value` with this tensor's dtype and device (Tensor.new_full)."""
    return _filled("new_full", fill_value, (size,), dtype, requires_grad,
                   self.device if device is None else device, self.dtype)


def _new_filled(op: str, fill):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _filled(op, fill, size, dtype, requires_grad, self.device if device is None else device,
                       self.dtype)

    method.__name__ = op
    method.__doc__ = f"`{op}(*size)` with this tensor's dtype and device unless given."
    return method


new_zeros = _new_filled("new_zeros", 0)
new_ones = _new_filled("new_ones", 1)
new_empty = _new_filled("new_empty", 0)


# every public function: a raw numpy/Python error from a bad argument becomes the dualgrad error
# of its type, naming the function, its arguments and the user's line (errors.refusing)
for _name, _fn in list(globals().items()):
    if not _name.startswith("_") and callable(_fn) and getattr(_fn, "__module__", None) == __name__ \
            and not isinstance(_fn, type):
        globals()[_name] = refusing(_fn, _name)
