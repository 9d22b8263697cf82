"""`nn.functional`'s activations beyond relu/tanh/sigmoid/softplus, with PyTorch's signatures.

The math is `ops.activations` (composites of registry ops, gradients at the kinks PyTorch's);
here are PyTorch's argument checks, its float-only kernels, and `inplace=True`, which writes
the result into the input's storage through the eager in-place machinery (`copy_`), so the
input moves in the graph one version later, as PyTorch's in-place activations do.

float16 input is computed in float32 and rounded once (`_in_float32`), as PyTorch computes its
float16 activations (its opmath type): step by step in float16, gelu's 1 + erf(x / sqrt 2)
cancelled (gelu(-4) gave -0.0, PyTorch -1.267e-4; gelu(-3) was 8% off) and silu's and mish's
gradients were hundreds of float16 steps off.
"""
from __future__ import annotations

from .. import ops
from ..eager import api
from ..eager.arguments import require_number, require_tensor
from ..eager.bind import as_eager_error
from ..eager.inplace import check_leaf_inplace, shadow, view_chain
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, NotImplementedForDType, ShapeError, user_line
from ..ops.half_precision import float32_for_half as _in_float32

# the composites, float16 computed in float32 and rounded once (PyTorch's opmath)
_silu, _elu, _celu, _selu, _mish, _logsigmoid, _hardsigmoid, _hardswish, _softsign, _tanhshrink = (
    _in_float32(f) for f in (ops.silu, ops.elu, ops.celu, ops.selu, ops.mish, ops.logsigmoid,
                             ops.hardsigmoid, ops.hardswish, ops.softsign, ops.tanhshrink))
_gelu, _glu = _in_float32(ops.gelu), _in_float32(ops.glu)


def _floating(name: str, input: Tensor) -> None:
    """PyTorch's kernels for these activations take floating-point tensors only (and tensors:
    a list raised a raw AttributeError)."""
    require_tensor(name, input)
    if not input.dtype.is_floating_point:
        raise NotImplementedForDType(f"{name}: not implemented for {input.dtype.name} input (PyTorch's "
                                     f"kernel is floating-point only; convert with .float()) {user_line()}")


def _run(name: str, fn, input: Tensor, inplace: bool, *args) -> Tensor:
    """fn(input, *args), or written into input when `inplace`: computed from a copy of the old
    values that keeps their history, so the gradient reaches what input was before. `name`, the
    activation's, names it in a refusal."""
    if not inplace:
        return fn(input, *args)
    check_leaf_inplace(input, view_chain(input), name)  # before anything is computed
    return api.copy_(input, fn(shadow(input, copy=True), *args))


def _as_runtime(fn, *args):
    """The composite's refusal as the RuntimeError PyTorch raises for it."""
    try:
        return fn(*args)
    except (ShapeError, DualgradValueError) as e:
        raise as_eager_error(e) from None


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with the normal CDF Phi by erf, or PyTorch's tanh form (approximate='tanh')."""
    _floating("gelu", input)
    return _as_runtime(lambda x: _gelu(x, approximate=approximate), input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (torch.nn.functional.silu)."""
    _floating("silu", input)
    return _run("silu", _silu, input, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x; gradient negative_slope at 0 (PyTorch's)."""
    _floating("leaky_relu", input)
    return _run("leaky_relu", ops.leaky_relu, input, inplace, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x) - 1); gradient alpha at 0 (PyTorch's)."""
    _floating("elu", input)
    return _run("elu", _elu, input, inplace, alpha)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); gradient 1 at 0 (PyTorch's)."""
    _floating("celu", input)
    require_number("celu", alpha, "alpha", 2)
    return _as_runtime(_run, "celu", _celu, input, inplace, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants; gradient scale * alpha at 0."""
    _floating("selu", input)
    return _run("selu", _selu, input, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val], the gradient passing strictly inside only (PyTorch's).
    Integer input is clamped as PyTorch does (no gradient to pass)."""
    if input.dtype.is_floating_point:
        return _run("hardtanh", ops.hardtanh, input, inplace, min_val, max_val)
    if min_val > max_val:
        raise DualgradValueError(f"hardtanh: min_val cannot be greater than max_val {user_line()}")
    return _run("hardtanh", lambda x: ops.clip(x, min=min_val, max=max_val), input, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """hardtanh(x, 0, 6): gradient 0 at 0 and at 6 (PyTorch's)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (torch.nn.functional.mish)."""
    _floating("mish", input)
    return _run("mish", _mish, input, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), finite for every finite x (torch.nn.functional.logsigmoid)."""
    _floating("logsigmoid", input)
    return _logsigmoid(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3) only (PyTorch's)."""
    _floating("hardsigmoid", input)
    return _run("hardsigmoid", _hardsigmoid, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6; gradient 0 at -3 and 1 at 3 (PyTorch 2's hardswish_backward)."""
    _floating("hardswish", input)
    return _run("hardswish", _hardswish, input, inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|) (torch.nn.functional.softsign)."""
    return _softsign(input)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x) (torch.nn.functional.tanhshrink)."""
    return _tanhshrink(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), a and b the halves of input along dim (torch.nn.functional.glu)."""
    _floating("glu", input)
    return _as_runtime(lambda x: _glu(x, axis=dim), input)


__all__ = ["celu", "elu", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu", "logsigmoid",
           "mish", "relu6", "selu", "silu", "softsign", "tanhshrink"]
