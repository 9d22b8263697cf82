"""PyTorch's random API beyond `dg.manual_seed`: `generator=` on every random creation
function, `bernoulli`, `multinomial`, `poisson`, `randint_like`, `get_rng_state` /
`set_rng_state`, and the in-place fills `random_`, `bernoulli_`, `exponential_`, `geometric_`,
`cauchy_`, `log_normal_`.

Every draw comes from dualgrad's global numpy stream (`dg.manual_seed`) or the `dg.Generator`
passed in, on the host, and lands on the tensor's device: the streams are reproducible under a
seed but are not PyTorch's bits. Samples are not differentiable (PyTorch's sampling ops give
zero gradients); `dg.distributions` reparameterises through registry ops where a gradient
exists.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import (
    DTypeError,
    DualgradRuntimeError,
    NotImplementedForDType,
    refusing,
    user_frame,
    user_line,
)
from ..random import Generator, numpy_rng
from . import api, convert, creation
from .attach import install
from .rng_state import rng_from, state_of
from .tensor import Tensor


def _refuse(op: str, text: str) -> DualgradRuntimeError:
    """PyTorch's RuntimeError text, naming the op and the user's line."""
    return DualgradRuntimeError(f"{op}: {text} {user_line()}")


def _uniform(rng: np.random.Generator, shape: tuple, d: dtypes.DType) -> np.ndarray:
    """Uniform on [0, 1) drawn in `d` itself (rounding a float64 draw to float32 could give 1.0);
    the same draws as the global stream's `dg.rand`."""
    if d is dtypes.float16:
        return (rng.integers(0, 2**11, shape) * 2.0**-11).astype(np.float16)
    return rng.random(shape, dtype=d.np)


def rand(*size, generator: Generator | None = None, dtype=None, requires_grad: bool = False,
         device=None) -> Tensor:
    """Uniform on [0, 1) (torch.rand), from the global stream or `generator`."""
    rng = numpy_rng(generator)
    return creation._random("rand", "check_uniform_bounds", lambda s, d: _uniform(rng, s, d), size, dtype,
                            requires_grad, device)


def randn(*size, generator: Generator | None = None, dtype=None, requires_grad: bool = False,
          device=None) -> Tensor:
    """Standard normal (torch.randn), from the global stream or `generator`."""
    rng = numpy_rng(generator)
    return creation._random("randn", "normal_kernel_cpu", lambda s, d: rng.standard_normal(s), size, dtype,
                            requires_grad, device)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None, requires_grad: bool = False,
              device=None) -> Tensor:
    """Uniform samples in [0, 1) in `input`'s shape, dtype and device (torch.rand_like)."""
    t = creation._base(input, "rand_like")
    rng = numpy_rng(generator)
    return creation._random("rand_like", "check_uniform_bounds", lambda s, d: _uniform(rng, s, d),
                            (tuple(t.shape),), dtype or t.dtype, requires_grad,
                            t.device if device is None else device)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None, requires_grad: bool = False,
               device=None) -> Tensor:
    """Standard normal samples in `input`'s shape, dtype and device (torch.randn_like)."""
    t = creation._base(input, "randn_like")
    rng = numpy_rng(generator)
    return creation._random("randn_like", "normal_kernel_cpu", lambda s, d: rng.standard_normal(s),
                            (tuple(t.shape),), dtype or t.dtype, requires_grad,
                            t.device if device is None else device)


def normal(mean=0.0, std=1.0, size=None, *, generator: Generator | None = None, dtype=None,
           requires_grad: bool = False, device=None) -> Tensor:
    """Normal with `mean` and `std` (numbers, or tensors that broadcast together; then the
    result has their float dtype and device, as torch.normal's), of shape `size` for numbers."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if dtype is None and tensors:
        floats = [t.dtype for t in tensors if t.dtype.is_floating_point]
        dtype = max(floats, key=lambda d: d.np.itemsize) if floats else None
    if device is None and tensors:
        device = tensors[0].device
    mean, std = (_host(v, "normal") if isinstance(v, Tensor) else
                 convert.array_from_data(v, dtypes.float64, "normal") for v in (mean, std))
    if not (std >= 0.0).all():
        raise _refuse("normal", f"normal expects std >= 0.0, but found std {std.min()}")
    shape = None if size is None else creation._sizes((size,), "normal")
    rng = numpy_rng(generator)
    return creation._random("normal", "normal_kernel_cpu", lambda s, d: rng.normal(mean, std, shape), (),
                            dtype, requires_grad, device)


def _host(t: Tensor, op: str) -> np.ndarray:
    """A tensor's values as a float64 numpy array (host copy, outside the graph)."""
    creation._base(t, op)
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def _sampled(values: np.ndarray, like: Tensor, dtype: dtypes.DType | None = None) -> Tensor:
    """Drawn values as a new tensor with `like`'s device and (unless given) dtype."""
    return creation.tensor(values, dtype=dtype or like.dtype, device=like.device)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 draws with probability `input` (or the number `p`, in `input`'s shape), in
    `input`'s float dtype (torch.bernoulli). Probabilities outside [0, 1] or NaN raise."""
    t = creation._base(input, "bernoulli")
    convert.require_floating(t.dtype, "bernoulli", "bernoulli_tensor_cpu_p_")
    probs = np.full(tuple(t.shape), float(p)) if p is not None else _host(t, "bernoulli")
    _check_probs(probs, "bernoulli")
    return _sampled(_bernoulli_draw(numpy_rng(generator), probs), t)


def _check_probs(probs: np.ndarray, op: str) -> None:
    if not ((probs >= 0) & (probs <= 1)).all():  # (NaN fails both)
        raise DualgradRuntimeError(f"{op}: Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                                   f"(probabilities {probs[~((probs >= 0) & (probs <= 1))][:3].tolist()}; "
                                   f"at {user_frame()})")


def _bernoulli_draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """1 where a uniform draw falls below p: exactly 0 for p = 0 and 1 for p = 1."""
    return (rng.random(probs.shape) < probs).astype(np.float64)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Category indices (int64) drawn from the rows of `input` (non-negative weights, not
    necessarily summing to 1), `num_samples` per row (torch.multinomial). Without replacement
    each row must have at least `num_samples` categories of nonzero weight (PyTorch's
    documented requirement; its CPU kernel then returns zero-weight categories)."""
    t = creation._base(input, "multinomial")
    if not t.dtype.is_floating_point:
        raise NotImplementedForDType(f"multinomial: multinomial only supports floating-point dtypes for "
                                     f"input, got: {convert.torch_type_name(t.dtype)} {user_line()}")
    if t.ndim not in (1, 2):
        raise DualgradRuntimeError(f"multinomial: prob_dist must be 1 or 2 dim (got shape {tuple(t.shape)}) "
                                   f"{user_line()}")
    n = convert.size_value(num_samples, "multinomial", "num_samples")
    if n <= 0:
        raise DualgradRuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (num_samples={n}) "
                                   f"{user_line()}")
    weights = _host(t, "multinomial").reshape(-1, t.shape[-1])
    k = weights.shape[1]
    if not replacement and n > k:
        raise _refuse("multinomial", f"cannot sample n_sample > prob_dist.size(-1) samples without "
                                     f"replacement (num_samples={n}, {k} categories)")
    if not (np.isfinite(weights) & (weights >= 0)).all():
        raise _refuse("multinomial", "probability tensor contains either `inf`, `nan` or element < 0")
    if not (weights.sum(axis=1) > 0).all():
        raise _refuse("multinomial", "invalid multinomial distribution (sum of probabilities <= 0)")
    nonzero = (weights > 0).sum(axis=1).min()
    if not replacement and n > nonzero:
        raise _refuse("multinomial", f"cannot sample {n} samples without replacement from a row with only "
                                     f"{nonzero} categories of nonzero probability")
    rng = numpy_rng(generator)
    draw = _with_replacement(rng, weights, n) if replacement else _without_replacement(rng, weights, n)
    return _sampled(draw.reshape(tuple(t.shape[:-1]) + (n,)), t, dtypes.int64)


def _with_replacement(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """Inverse CDF per row; searching right of the draw never lands on a zero-weight category."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random((weights.shape[0], n)) * cdf[:, -1:]
    last = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)  # (u rounded up to the total)
    idx = np.stack([np.searchsorted(c, row, side="right") for c, row in zip(cdf, u, strict=True)])
    return np.minimum(idx, last[:, None])


def _without_replacement(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """The `n` smallest of E_i / w_i (E_i standard exponential): the order in which categories
    are drawn one by one, each with probability proportional to its weight among those left."""
    with np.errstate(divide="ignore"):
        keys = rng.standard_exponential(weights.shape) / weights
    return np.argsort(keys, axis=1, kind="stable")[:, :n]


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson counts with rates `input`, in `input`'s float dtype (torch.poisson)."""
    t = creation._base(input, "poisson")
    convert.require_floating(t.dtype, "poisson", "poisson_cpu")
    rates = _host(t, "poisson")
    if not (rates >= 0).all():
        raise _refuse("poisson", "invalid Poisson rate, expected rate to be non-negative")
    return _sampled(numpy_rng(generator).poisson(rates).astype(np.float64), t)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """Integers uniform in [low, high) in `input`'s shape, dtype and device:
    `randint_like(input, high)` or `randint_like(input, low, high)` (torch.randint_like)."""
    t = creation._base(input, "randint_like")
    if high is None:
        low, high = 0, low
    d = creation.dtype_arg(dtype, "randint_like") or t.dtype
    _check_range("randint_like", int(low), int(high), d)
    draw = numpy_rng(generator).integers(int(low), int(high), tuple(t.shape))
    return creation.tensor(draw, dtype=d, device=t.device if device is None else device,
                           requires_grad=requires_grad)


def _check_range(op: str, low: int, high: int, d: dtypes.DType) -> None:
    """PyTorch's checks of [from, to): ordered, and (integer dtypes) both ends representable."""
    if not low < high:
        raise _refuse(op, f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if d.is_integer or d.is_bool:
        lo, hi = (0, 1) if d.is_bool else (int(np.iinfo(d.np).min), int(np.iinfo(d.np).max))
        name = convert.torch_type_name(d).lower()
        if not lo <= low <= hi:
            raise DualgradRuntimeError(f"{op}: from is out of bounds for {name} (from={low}) {user_line()}")
        if not lo <= high - 1 <= hi:
            raise DualgradRuntimeError(f"{op}: to - 1 is out of bounds for {name} (to={high}) {user_line()}")


# -- the global stream's state ---------------------------------------------------------------------


def get_rng_state() -> Tensor:
    """The global stream's state as a uint8 tensor (torch.get_rng_state), for `set_rng_state`."""
    return state_of(creation._rng, "get_rng_state")


def set_rng_state(new_state: Tensor) -> None:
    """Restores the global stream to a state from `get_rng_state` (torch.set_rng_state)."""
    creation._rng = rng_from(new_state, "set_rng_state")


# -- in-place fills (Tensor methods) -----------------------------------------------------------------
def _fill(input: Tensor, values: np.ndarray) -> Tensor:
    """Writes drawn values into `input` with `copy_` (in-place rules, version counter, device)."""
    return api.copy_(input, creation.tensor(values, dtype=input.dtype, device=input.device))


def _float_only(input: Tensor, op: str, kernel: str) -> None:
    convert.require_floating(input.dtype, op, kernel)


def random_(input: Tensor, *args, generator: Generator | None = None, **bounds) -> Tensor:
    """Fills with integers uniform in [from, to): `random_()` (0 to the dtype's largest value,
    2**mantissa for floats, inclusive), `random_(to)` or `random_(from, to)` (Tensor.random_)."""
    names = ("from", "to")
    given = dict(zip(names, args, strict=False)) if len(args) != 1 else {"to": args[0]}
    if len(args) > 2 or set(bounds) - set(names) or set(given) & set(bounds):
        raise DTypeError(f"random_(): expected (to) or (from, to), got {len(args)} positional and "
                                 f"{sorted(bounds)} keyword arguments {user_line()}")
    given.update(bounds)
    d = input.dtype
    low = int(given.get("from", 0))
    if given.get("to") is not None:
        high = int(given["to"])
    elif d.is_bool:
        high = 2
    elif d.is_floating_point:
        high = 2 ** (np.finfo(d.np).nmant + 1) + 1
    else:
        high = int(np.iinfo(d.np).max) + 1
    _check_range("random_", low, high, d)
    draw = numpy_rng(generator).integers(low, high, tuple(input.shape), dtype=np.int64)
    return _fill(input, draw.astype(np.float64) if d.is_floating_point else draw)


def bernoulli_(input: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    """Fills with 0/1 draws of probability `p` (a number, or a tensor that broadcasts to this
    one), in this tensor's dtype (Tensor.bernoulli_)."""
    if isinstance(p, Tensor):
        probs = np.broadcast_to(_host(p, "bernoulli_"), tuple(input.shape))
        _check_probs(probs, "bernoulli_")
    else:
        if not 0 <= p <= 1:
            raise DualgradRuntimeError(f"bernoulli_: bernoulli_ expects p to be in [0, 1], but got p={p} "
                                       f"{user_line()}")
        probs = np.full(tuple(input.shape), float(p))
    return _fill(input, _bernoulli_draw(numpy_rng(generator), probs))


def exponential_(input: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fills with exponential draws of rate `lambd` (Tensor.exponential_)."""
    if not input.dtype.is_floating_point:
        raise DualgradRuntimeError(f"exponential_: Exponential distribution is a continuous probability "
                                   f"distribution. dtype must be a floating point but you specified "
                                   f"{convert.torch_type_name(input.dtype)} {user_line()}")
    if not lambd > 0:
        raise _refuse("exponential_", f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(input, numpy_rng(generator).standard_exponential(tuple(input.shape)) / float(lambd))


def geometric_(input: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fills with the number of Bernoulli(p) trials up to the first success, 1, 2, ...
    (Tensor.geometric_)."""
    if not 0 < p < 1:
        raise DualgradRuntimeError(f"geometric_: geometric_ expects p to be in (0, 1), but got p={p} "
                                   f"{user_line()}")
    return _fill(input, numpy_rng(generator).geometric(float(p), tuple(input.shape)))


def cauchy_(input: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fills with Cauchy draws `median + sigma * tan(pi * (u - 1/2))` (Tensor.cauchy_)."""
    _float_only(input, "cauchy_", "cauchy_cpu")
    if not sigma > 0:
        raise _refuse("cauchy_", f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = numpy_rng(generator).random(tuple(input.shape))
    return _fill(input, float(median) + float(sigma) * np.tan(math.pi * (u - 0.5)))


def log_normal_(input: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fills with `exp(N(mean, std))` draws (Tensor.log_normal_)."""
    _float_only(input, "log_normal_", "log_normal_cpu")
    if not std > 0:
        raise _refuse("log_normal_", f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(input, np.exp(numpy_rng(generator).normal(float(mean), float(std), tuple(input.shape))))


def _bernoulli_method(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 draws with this tensor's probabilities (Tensor.bernoulli; see dg.bernoulli)."""
    return bernoulli(input, p, generator=generator)


def _multinomial_method(input: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: Generator | None = None) -> Tensor:
    """Category indices drawn from this tensor's rows of weights (Tensor.multinomial; see
    dg.multinomial)."""
    return multinomial(input, num_samples, replacement, generator=generator)


FUNCTIONS = {"rand": rand, "randn": randn, "rand_like": rand_like, "randn_like": randn_like, "normal": normal,
             "bernoulli": bernoulli, "multinomial": multinomial, "poisson": poisson,
             "randint_like": randint_like, "get_rng_state": get_rng_state, "set_rng_state": set_rng_state}
for _name, _fn in FUNCTIONS.items():
    globals()[_name] = FUNCTIONS[_name] = refusing(_fn, _name)

METHODS = install(globals(), {"random_": random_, "bernoulli_": bernoulli_, "exponential_": exponential_,
                              "geometric_": geometric_, "cauchy_": cauchy_, "log_normal_": log_normal_})
_bernoulli_method.__name__, _multinomial_method.__name__ = "bernoulli", "multinomial"
Tensor.bernoulli = refusing(_bernoulli_method, "bernoulli")
Tensor.multinomial = refusing(_multinomial_method, "multinomial")
