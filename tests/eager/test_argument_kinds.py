"""Arguments of the wrong kind get PyTorch's TypeError naming the function and the argument
(found by tests/reliability/test_fuzz_public_api.py with a larger budget: a list, a dict or a
complex reached `.dtype` / `.ndim` reads as raw AttributeErrors, a tensor alpha raised
"Boolean value of Tensor ... is ambiguous", dg.compile(1j) a bare TypeError)."""
from __future__ import annotations

import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import DualgradError

CASES = [
    (lambda: dg.celu([1.0, 2.0]), "celu(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda: dg.celu(dg.ones(3), dg.ones(2)),
     "celu(): argument 'alpha' (position 2) must be Number, not Tensor"),
    (lambda: F.elu({1: 2}), "elu(): argument 'input' (position 1) must be Tensor, not dict"),
    (lambda: dg.threshold(1.5, 0.0, 0.0),
     "threshold(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: dg.threshold(dg.ones(2), dg.ones(2), 0.0),
     "threshold(): argument 'threshold' (position 2) must be Number, not Tensor"),
    (lambda: dg.conv2d(1j, dg.ones(1, 1, 1, 1)),
     "conv2d(): argument 'input' (position 1) must be Tensor, not complex"),
    (lambda: dg.conv2d(dg.ones(1, 1, 2, 2), {1: 2}),
     "conv2d(): argument 'weight' (position 2) must be Tensor, not dict"),
    (lambda: dg.bilinear(dg.ones(2), 5, dg.ones(1, 2, 2)),
     "bilinear(): argument 'input2' (position 2) must be Tensor, not int"),
    (lambda: dg.promote_types(dg.ones(2), dg.int8), "promote_types(): argument 'type1' (position 1)"),
    (lambda: dg.compile(1j), "dg.compile: expected a function, got complex"),
]


@pytest.mark.cpu_only
@pytest.mark.parametrize("call, message", CASES)
def test_a_wrong_kind_of_argument_is_a_type_error_naming_it(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert isinstance(info.value, DualgradError)
    assert message in str(info.value) and "test_argument_kinds.py" in str(info.value)
