"""Statistics that PyTorch 2.13 defines only in floating point refuse integer and bool tensors,
as PyTorch refuses them; dualgrad computed them in the default float. `x.mean()` of an int64
tensor was a float32 mean (PyTorch: "mean(): could not infer output dtype. Input dtype must
be either a floating point or complex dtype. Got: Long"), and so were `std`, `var`,
`std_mean`, `var_mean`, the norms (`Tensor.norm`, `linalg.vector_norm` / `matrix_norm` /
`norm`, `dist`, `F.normalize`), `cdist`, and `softmax` / `log_softmax` / `softmin` on every
spelling. Where PyTorch takes a `dtype=` that casts first (`mean`, `softmax`, `log_softmax`,
`F.softmin`), it still works, and is checked against float64 numpy. An integer or bool
target or input of `binary_cross_entropy` (and `_with_logits`, and their modules) and `kl_div`,
and an integer input of `layer_norm` / `nn.LayerNorm`, are refused too, as PyTorch refuses
them (`F.binary_cross_entropy(p, labels_int64)` computed the loss)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

F = dg.nn.functional
REFUSED = {
    "Tensor.mean": lambda x: x.mean(), "dg.mean(dim)": lambda x: dg.mean(x, 1),
    "Tensor.mean(dim, keepdim)": lambda x: x.mean(0, True), "dg.nanmean": lambda x: dg.nanmean(x),
    "nanmean(dtype=)": lambda x: dg.nanmean(x, dtype=dg.float32),
    "Tensor.std": lambda x: x.std(), "dg.std(dim)": lambda x: dg.std(x, 0), "Tensor.var": lambda x: x.var(),
    "var(correction=0)": lambda x: x.var(1, correction=0), "dg.std_mean": lambda x: dg.std_mean(x),
    "dg.var_mean": lambda x: dg.var_mean(x, 1),
    "Tensor.norm": lambda x: x.norm(), "Tensor.norm(p=1)": lambda x: x.norm(p=1),
    "dg.norm": lambda x: dg.norm(x),
    "linalg.norm": lambda x: dg.linalg.norm(x), "linalg.vector_norm": lambda x: dg.linalg.vector_norm(x),
    "vector_norm(dtype=)": lambda x: dg.linalg.vector_norm(x, dtype=dg.float64),
    "linalg.matrix_norm": lambda x: dg.linalg.matrix_norm(x), "dg.dist": lambda x: dg.dist(x, x),
    "F.normalize": lambda x: F.normalize(x), "dg.cdist": lambda x: dg.cdist(x, x),
    "Tensor.softmax": lambda x: x.softmax(1), "dg.softmax": lambda x: dg.softmax(x, -1),
    "F.softmax": lambda x: F.softmax(x, 1), "special.softmax": lambda x: dg.special.softmax(x, 1),
    "nn.Softmax": lambda x: dg.nn.Softmax(1)(x), "F.softmin": lambda x: F.softmin(x, 1),
    "Tensor.log_softmax": lambda x: x.log_softmax(1), "dg.log_softmax": lambda x: dg.log_softmax(x, 1),
    "F.log_softmax": lambda x: F.log_softmax(x, 1),
    "special.log_softmax": lambda x: dg.special.log_softmax(x, 1),
    "nn.LogSoftmax": lambda x: dg.nn.LogSoftmax(1)(x),
}
DATA = [[1, 2, 3], [4, 5, 7]]


@pytest.mark.parametrize("dtype", [dg.int64, dg.int32, dg.uint8, dg.bool])
def test_integer_and_bool_inputs_are_refused(dtype):
    x = dg.tensor(DATA).to(dtype)
    for name, call in REFUSED.items():
        if dtype is dg.bool and name in ("dg.dist", "F.softmin"):  # (refused sooner: `-` of bools,
            with pytest.raises(TypeError):  # as PyTorch refuses it)
                call(x)
            continue
        with pytest.raises(NotImplementedError if "softm" in name.lower() else RuntimeError) as info:
            call(x)
        assert isinstance(info.value, TypeError), name  # (a dualgrad dtype error, catchable as both)
        assert dtype.name in str(info.value), (name, str(info.value))


@pytest.mark.cpu_only  # (the jax device compiles each op per dtype: the refusal is the jax check)
@pytest.mark.parametrize("dtype", [dg.float16, dg.float32, dg.float64])
def test_floating_inputs_still_work(dtype):
    x = dg.tensor(DATA, dtype=dtype)
    for name, call in REFUSED.items():
        out = call(x)
        out = out[0] if isinstance(out, tuple) else out
        assert out.dtype == dtype or "(dtype=)" in name, name


def _softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.cpu_only  # (the cast is the device's `to`; each op compiles per dtype on jax)
@settings(max_examples=10, deadline=None)
@given(hnp.arrays(np.int64, (2, 3), elements=st.integers(-30, 30)), st.sampled_from([dg.float32, dg.float64]))
def test_dtype_casts_an_integer_input_first(a, dtype):
    x = dg.tensor(a)
    tol = 1e-6 if dtype is dg.float32 else 1e-12
    a = a.astype(np.float64)
    checks = [(x.mean(dtype=dtype), a.mean()), (dg.mean(x, 1, dtype=dtype), a.mean(1)),
              (x.softmax(1, dtype=dtype), _softmax(a, 1)), (dg.softmax(x, 0, dtype=dtype), _softmax(a, 0)),
              (F.softmax(x, 1, dtype=dtype), _softmax(a, 1)),
              (x.log_softmax(1, dtype=dtype), np.log(_softmax(a, 1))),
              (F.log_softmax(x, 0, dtype=dtype), np.log(_softmax(a, 0))), (F.softmin(x, 1, dtype=dtype),
                                                                          _softmax(-a, 1))]
    for got, want in checks:
        assert got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


PROBS = [[0.2, 0.8], [0.5, 0.5]]
LOSSES = {  # (a 0/1 label tensor of int64 is the usual slip)
    "F.binary_cross_entropy": lambda p, y: F.binary_cross_entropy(p, y),
    "nn.BCELoss": lambda p, y: dg.nn.BCELoss()(p, y),
    "F.binary_cross_entropy_with_logits": lambda p, y: F.binary_cross_entropy_with_logits(p, y),
    "nn.BCEWithLogitsLoss": lambda p, y: dg.nn.BCEWithLogitsLoss()(p, y),
    "BCE-with-logits of int logits": lambda p, y: F.binary_cross_entropy_with_logits(y, p),
    "F.kl_div": lambda p, y: F.kl_div(p, y, reduction="batchmean"),
    "F.kl_div of int input": lambda p, y: F.kl_div(y, p, reduction="batchmean"),
    "F.layer_norm": lambda p, y: F.layer_norm(y, (2,)), "nn.LayerNorm": lambda p, y: dg.nn.LayerNorm(2)(y),
}


@pytest.mark.parametrize("dtype", [dg.int64, dg.bool])
def test_losses_and_layer_norm_refuse_integer_operands(dtype):
    p, y = dg.tensor(PROBS), dg.tensor([[1, 0], [0, 1]]).to(dtype)
    for name, call in LOSSES.items():
        error = NotImplementedError if "layer" in name.lower() else RuntimeError
        with pytest.raises(error, match=dtype.name):
            call(p, y)
    y = y.float()
    want = -np.mean(np.log([0.2, 0.2, 0.5, 0.5]))  # float labels still give the loss
    np.testing.assert_allclose(float(F.binary_cross_entropy(p, y)), want, rtol=1e-6)


def test_an_integer_dtype_is_refused_for_mean():
    with pytest.raises(TypeError, match="Optional dtype must be either a floating point"):
        dg.tensor(DATA).mean(dtype=dg.int64)


def test_torch_refuses_the_same(torch):
    x = torch.tensor(DATA)
    for call in (lambda: x.mean(), lambda: x.std(), lambda: torch.var_mean(x), lambda: x.norm(),
                 lambda: torch.linalg.vector_norm(x, dtype=torch.float64), lambda: torch.cdist(x, x),
                 lambda: x.softmax(1), lambda: torch.nn.functional.softmin(x, 1),
                 lambda: torch.nanmean(x, dtype=torch.float32)):
        with pytest.raises((RuntimeError, NotImplementedError)):
            call()
    assert x.softmax(1, dtype=torch.float64).dtype == torch.float64
