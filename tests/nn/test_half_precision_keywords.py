"""Functions computed in float32 for float16 (`ops/half_precision.float32_for_half`) take their
first argument by name as well as by position, as their PyTorch counterparts do
(`F.softplus(input=x)` raised "missing 1 required positional argument"), and an unknown
keyword is named in the error."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import ops

_CALLS = {
    "softplus": (F.softplus, "input", {"beta": 3.0}),
    "standardize": (__import__("dualgrad.nn.normalization", fromlist=["x"]).standardize, "input",
                    {"axes": (1,), "eps": 1e-5}),
    "ops.var": (ops.var, "x", {"axis": 1}),
    "ops.std": (ops.std, "x", {"axis": 0}),
    "ops.norm": (ops.norm, "x", {"p": 2}),
}


@pytest.mark.parametrize("name", sorted(_CALLS))
@pytest.mark.parametrize("dtype", [dg.float16, dg.float32], ids=["float16", "float32"])
def test_the_first_argument_by_name_gives_the_positional_result(name, dtype) -> None:
    fn, first, kwargs = _CALLS[name]
    x = dg.tensor(np.linspace(-2.0, 3.0, 12).reshape(3, 4), dtype=dtype)
    by_position = fn(x, **kwargs)
    by_name = fn(**{first: x}, **kwargs)
    assert by_name.dtype is by_position.dtype is dtype
    np.testing.assert_array_equal(by_name.numpy(), by_position.numpy())


@pytest.mark.parametrize("name", sorted(_CALLS))
def test_an_unknown_keyword_is_named(name) -> None:
    fn = _CALLS[name][0]
    with pytest.raises(TypeError, match="bogus"):
        fn(bogus=1)
