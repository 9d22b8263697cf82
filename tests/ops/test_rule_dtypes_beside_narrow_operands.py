"""A graph's declared dtype is the dtype its kernel computes, also beside a narrower operand:
for every registry op, one float operand of a sample call is narrowed to float32, float16,
int8 or bool, and where both the shape rule and the numpy kernel accept the call, they must
name the same dtype. `square` of a bool declared bool and ran int64 (a graph's next op read
the wrong type), `relu` of a bool declared bool, ran int64, and PyTorch and TF1 refuse it."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import DualgradError
from dualgrad.ops import REGISTRY
from dualgrad.testing.backends import spec_of
from dualgrad.testing.strategies import op_calls

# gradient-only ops: the engine calls them with float gradients, never a narrowed one
GRADIENT_ONLY = {"sum_to_like", "relu_grad", "where_grad", "rms_update"}
NAMES = sorted(n for n, op in REGISTRY.items() if op.shape_rule is not None and n not in GRADIENT_ONLY)


def _rule_dtype(op, args, attrs):
    try:
        return op.infer([spec_of(a) for a in args], attrs).dtype.np
    except DualgradError:
        return None  # refused


def _kernel_dtype(op, args, attrs):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.dtype(np.asarray(op.compute(list(args), attrs)).dtype)
    except (DualgradError, TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None  # refused (the front ends phrase numpy's refusals as the op's)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_rule_names_the_kernels_dtype_beside_a_narrow_operand(name, data):
    op = REGISTRY[name]
    args, attrs = data.draw(op_calls(name, draw_shapes=False), label="call")
    for i, a in enumerate(args):
        if not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            continue
        for dtype in (np.float32, np.float16, np.int8, np.bool_):
            narrowed = list(args)
            narrowed[i] = a > 0 if dtype is np.bool_ else a.astype(dtype)
            rule, kernel = _rule_dtype(op, narrowed, attrs), _kernel_dtype(op, narrowed, attrs)
            if rule is not None and kernel is not None:
                where = f"{name}: input {i} as {np.dtype(dtype).name}"
                assert rule == kernel, f"{where}: the graph declares {rule}, the kernel gives {kernel}"


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_relu_refuses_bools_and_square_gives_int64_on_every_front_end(device):
    mask = dg.tensor([True, False], device=device)
    with pytest.raises(dg.errors.DTypeError, match="Boolean inputs not supported for relu"):
        dg.relu(mask)
    with pytest.raises(dg.errors.DTypeError, match="Boolean inputs not supported for relu"):
        dg.nn.functional.relu(mask)
    assert dg.square(mask).dtype == dg.int64 and dg.square(mask).tolist() == [1, 0]
    p = ds.placeholder(ds.bool, (2,))
    with pytest.raises(dg.errors.DTypeError, match="Boolean inputs not supported for relu"):
        ds.nn.relu(p)
    y = ds.square(p)
    assert y.dtype == ds.int64
    with ds.Session(backend="numpy" if device == "cpu" else "jax") as sess:
        out = sess.run(y, {p: np.array([True, False])})
    assert out.dtype == np.int64 and out.tolist() == [1, 0]
