"""A graph's declared dtype is the dtype its kernel computes, also beside a narrower operand:
for every registry op, one float operand of a sample call is narrowed to float32, float16,
int8 or bool, and where both the shape rule and the numpy kernel accept the call, they must
name the same dtype. `square` of a bool declared bool and ran int64 (a graph's next op read
the wrong type), `relu` of a bool declared bool, ran int64, and PyTorch and TF1 refuse it.
Where the kernel refuses the operands' types, the rule must refuse them too, so that a graph
refuses them when it is built, not when it runs: `-mask`, the segment max of bools and
float16 matrices in LAPACK's ops (inv, det, cholesky, qr, svd, ...) built and failed at run."""
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


TYPES_REFUSED = "refused for its operands' types"


def _kernel_dtype(op, args, attrs):
    """The numpy kernel's result dtype; TYPES_REFUSED for a TypeError, None for another
    refusal (a value: the front ends phrase numpy's refusals as the op's)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.dtype(np.asarray(op.compute(list(args), attrs)).dtype)
    except TypeError:
        return TYPES_REFUSED
    except (DualgradError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None


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
            where = f"{name}: input {i} as {np.dtype(dtype).name}"
            if kernel is TYPES_REFUSED:
                assert rule is None, f"{where}: the graph is built with it, the kernel refuses it when run"
            elif rule is not None and kernel is not None:
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


HALF_REFUSED = [dg.linalg.inv, dg.linalg.det, dg.linalg.slogdet, dg.linalg.cholesky, dg.linalg.eigh,
                dg.linalg.qr, dg.linalg.svd, dg.linalg.pinv, lambda a: dg.linalg.solve(a, a)]


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_bool_negation_and_float16_lapack_are_refused_when_a_graph_is_built(device):
    """Eager refuses them as PyTorch does (XLA's det of float16 computed); a graph refuses them
    when it is built, on either backend, where it failed when run."""
    mask = dg.tensor([True, False], device=device)
    with pytest.raises(dg.errors.DTypeError, match="Negation, the `-` operator, on a bool tensor"):
        dg.neg(mask)
    with pytest.raises(dg.errors.DTypeError, match="Negation, the `-` operator, on a bool tensor"):
        mask.__neg__()
    with pytest.raises(dg.errors.DTypeError, match="with two bool tensors is not supported"):
        mask.__sub__(mask)
    assert (mask - 1).tolist() == [0, -1]  # one bool beside a number: numpy's int64 on every front end
    half = dg.eye(2, dtype=dg.float16, device=device)
    for fn in HALF_REFUSED:
        with pytest.raises(dg.errors.DTypeError, match="Low precision dtypes not supported. Got Half"):
            fn(half)
    assert dg.linalg.solve(half, half.float()).dtype == dg.float32  # promoted past float16: solved
    p, h = ds.placeholder(ds.bool, (3,)), ds.placeholder(ds.float16, (2, 2))
    segments = dict(segment_ids=[0, 1, 0], num_segments=2)
    builds = [(lambda: -p, "Negation"), (lambda: p - p, "two bool tensors"),
              (lambda: ds.math.unsorted_segment_max(p, **segments), "bool data is not supported"),
              (lambda: ds.math.unsorted_segment_sum(p, **segments), "bool data is not supported"),
              (lambda: ds.matrix_inverse(h), "Low precision"), (lambda: ds.linalg.det(h), "Low precision"),
              (lambda: ds.linalg.svd(h), "Low precision")]
    for build, words in builds:
        with pytest.raises(dg.errors.DTypeError, match=words):
            build()
    y = p - 1  # one bool beside a number, as eager
    with ds.Session(backend="numpy" if device == "cpu" else "jax") as sess:
        assert sess.run(y, {p: np.array([True, False, True])}).tolist() == [0, -1, 0]
