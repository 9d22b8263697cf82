"""Every in-place Tensor method agrees with its out-of-place twin under PyTorch's in-place rule:
where the out-of-place result's dtype casts to the tensor's own (numpy's "same_kind", which is
PyTorch's `canCast`), the method writes exactly that result, cast; where it does not (a float
result into an integer or bool tensor), the method refuses ("result type Float can't be cast to
the desired output type Long") and leaves the tensor as it was. `logit_`, `xlogy_` and
`polygamma_` wrote the float result through `copy_`, which casts: `dg.tensor([1, 2]).logit_()`
became [-9223372036854775808, ...] without an error. The random fills (`normal_`, `uniform_`,
nn.init's) of integer tensors wrote truncated draws (zeros for N(0, 0.01)); PyTorch's kernels
refuse integer dtypes, and so do these now."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg

pytestmark = pytest.mark.cpu_only

# In-place methods whose twin is not the same computation (fills, shape and autograd methods).
NOT_TWINS = {"normal_", "uniform_", "random_", "bernoulli_", "exponential_", "geometric_", "cauchy_",
             "log_normal_", "fill_", "zero_", "copy_", "set_", "resize_", "resize_as_", "requires_grad_",
             "share_memory_", "fill_diagonal_", "apply_", "map_", "detach_", "as_strided_", "squeeze_",
             "unsqueeze_", "t_", "transpose_", "swapaxes_", "swapdims_",
             "float_power_"}  # (float64 tensors only, as PyTorch: test_math_api_more.py checks it)
ARGUMENTS = [
    lambda: (), lambda: (2,), lambda: (2.5,), lambda: (dg.tensor([2, 3]),), lambda: (dg.tensor([2.5, 0.5]),),
    lambda: (dg.tensor([2, 3]), 2.5), lambda: (dg.tensor([True, False]), 2.5),
    lambda: (dg.tensor([2.5, 0.5]), dg.tensor([2.5, 0.5])),
]
BASES = ([1, 2], [True, False], [0.25, 0.5])
METHODS = sorted(n for n in dir(dg.Tensor) if n.endswith("_") and not n.startswith("_")
                 and n not in NOT_TWINS and hasattr(dg.Tensor, n[:-1]))


def _same(a, b) -> bool:
    return all(isinstance(x, dg.Tensor) == isinstance(y, dg.Tensor)
               and (not isinstance(x, dg.Tensor) or np.array_equal(x.numpy(), y.numpy(), equal_nan=True))
               for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", METHODS)
def test_in_place_method_follows_its_out_of_place_twin(name):
    checked = 0
    for base in BASES:
        for make in ARGUMENTS:
            x, args = dg.tensor(base), make()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out = getattr(x, name[:-1])(*args)
                except Exception:
                    continue  # arguments the twin does not take
            if (not isinstance(out, dg.Tensor) or tuple(out.shape) != tuple(x.shape)
                    or not _same(args, make())):
                continue  # another shape, or the twin wrote into an argument (its `out`)
            y, fits = x.clone(), np.can_cast(out.numpy().dtype, x.numpy().dtype, "same_kind")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if fits:
                    getattr(y, name)(*args)
                    np.testing.assert_array_equal(y.numpy(), out.numpy().astype(x.numpy().dtype))
                else:
                    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
                        getattr(y, name)(*args)
                    np.testing.assert_array_equal(y.numpy(), x.numpy())
            checked += 1
    if name in ("logit_", "xlogy_", "polygamma_", "add_", "mul_", "exp_"):
        assert checked, f"no arguments reached {name}"


@pytest.mark.parametrize("fill", [
    lambda t: t.normal_(), lambda t: t.uniform_(), lambda t: dg.nn.init.normal_(t, std=0.01),
    lambda t: dg.nn.init.uniform_(t), lambda t: dg.nn.init.xavier_uniform_(t),
    lambda t: dg.nn.init.kaiming_normal_(t), lambda t: dg.nn.init.orthogonal_(t),
    lambda t: dg.nn.init.trunc_normal_(t),
])
@pytest.mark.parametrize("dtype", [dg.int64, dg.int32, dg.bool])
def test_random_fills_of_integer_tensors_are_refused(fill, dtype):
    t = dg.ones(3, 4, dtype=dtype)
    with pytest.raises(NotImplementedError, match="not implemented for"):
        fill(t)
    np.testing.assert_array_equal(t.numpy(), np.ones((3, 4), dtype=dtype.np))


def test_polygamma_logit_xlogy_in_place_on_floats_write_the_twin():
    x = dg.tensor([0.25, 0.5], dtype=dg.float64)
    for name, args, expect in (("logit_", (), np.log([0.25 / 0.75, 1.0])),
                               ("xlogy_", (2.0,), np.array([0.25, 0.5]) * np.log(2.0))):
        y = x.clone()
        getattr(y, name)(*args)
        np.testing.assert_allclose(y.numpy(), expect, rtol=1e-15)
