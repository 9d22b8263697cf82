"""Calls PyTorch 2.13 refuses, which dualgrad accepted and answered with a number that was not
what the user meant (torch is an optional extra oracle; each test checks its own refusal).

* `clamp()` / `clamp_()` / `clip()` with neither `min` nor `max`: a silent copy, where PyTorch
  raises "torch.clamp: At least one of 'min' or 'max' must not be None" (a forgotten bound).
* A mask or condition that is not bool: `masked_fill`, `masked_fill_`, `masked_select` and
  `where` read an int or float mask as "nonzero"; PyTorch requires bool (a uint8 `where`
  condition is still read as a mask, with a deprecation warning, as PyTorch reads it).
* A fill value with dimensions: `fill_(tensor([1., 2.]))` and `masked_fill(m, tensor([5.]))`
  wrote a broadcast array; PyTorch takes a number or a 0-dimensional tensor only.
* A float or bool class target of `nll_loss` / `cross_entropy`: `nll_loss(x, [0.5, 1.])` read
  the floats as classes and returned -4.0; PyTorch: "expected target dtype to be Long or Byte".
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

F = dg.nn.functional
X = [[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]]

# -- clamp with neither bound ---------------------------------------------------------------------

CLAMPS = {
    "Tensor.clamp()": lambda t: t.clamp(),
    "Tensor.clamp(None, None)": lambda t: t.clamp(None, None),
    "Tensor.clip()": lambda t: t.clip(),
    "dg.clamp": lambda t: dg.clamp(t),
    "dg.clip": lambda t: dg.clip(t, min=None, max=None),
    "Tensor.clamp_()": lambda t: t.clamp_(),
    "Tensor.clamp_(min=None)": lambda t: t.clamp_(min=None),
}


@pytest.mark.parametrize("spell", sorted(CLAMPS))
def test_clamp_with_neither_bound_is_refused(spell):
    t = dg.tensor(X)
    with pytest.raises(RuntimeError, match=r"clamp: At least one of 'min' or 'max' must not be None"):
        CLAMPS[spell](t)
    np.testing.assert_array_equal(t.numpy(), np.array(X, dtype=np.float32))  # (changes nothing)


def test_clamp_with_one_bound_still_clamps():
    t = dg.tensor(X)
    np.testing.assert_array_equal(t.clamp(min=0).numpy(), np.clip(np.float32(X), 0, None))
    np.testing.assert_array_equal(t.clip(max=1.0).numpy(), np.clip(np.float32(X), None, 1.0))
    np.testing.assert_array_equal(t.clamp_(None, 2.0).numpy(), np.clip(np.float32(X), None, 2.0))


# -- masks and conditions that are not bool -------------------------------------------------------

MASKED = {
    "masked_fill": lambda x, m: x.masked_fill(m, 0.0),
    "masked_fill_": lambda x, m: x.masked_fill_(m, 0.0),
    "dg.masked_fill": lambda x, m: dg.masked_fill(x, m, 0.0),
    "masked_select": lambda x, m: x.masked_select(m),
    "dg.masked_select": lambda x, m: dg.masked_select(x, m),
    "where": lambda x, m: dg.where(m, x, 0.0),
    "Tensor.where": lambda x, m: x.where(m, dg.zeros_like(x)),
}
ORACLE = {"masked_fill": lambda x, m: np.where(m, 0, x), "masked_select": lambda x, m: x[m],
          "where": lambda x, m: np.where(m, x, 0)}
MASK_DTYPES = [dg.int64, dg.int32, dg.float32, dg.float64, dg.int8]


def _oracle(name: str):
    return ORACLE[name.split(".")[-1].rstrip("_")]


@settings(max_examples=10, deadline=None)
@given(hnp.arrays(np.int8, (2, 3), elements=st.integers(0, 2)), st.sampled_from(sorted(MASKED)),
       st.sampled_from(MASK_DTYPES + [dg.bool]))
def test_a_mask_must_be_bool(values, name, dtype):
    x = dg.tensor(X)
    mask = dg.tensor(values).to(dtype)
    if dtype is not dg.bool:
        with pytest.raises(RuntimeError, match=r"boolean|BoolTensor") as info:
            MASKED[name](x, mask)
        assert isinstance(info.value, TypeError)  # (a dtype error, also RuntimeError as PyTorch's)
        np.testing.assert_array_equal(x.numpy(), np.float32(X))
        return
    got = MASKED[name](x, mask).numpy()
    np.testing.assert_array_equal(got, _oracle(name)(np.float32(X), values != 0))


def test_a_numpy_mask_must_be_bool_too():
    with pytest.raises(TypeError, match=r"masked_fill: only supports boolean masks, but got mask with "
                                        r"dtype int64"):
        dg.tensor(X).masked_fill(np.array([[1, 0, 1], [0, 0, 1]], dtype=np.int64), 0.0)
    got = dg.where(np.array([[True, False, True], [False, False, True]]), dg.tensor(X), 0.0)
    np.testing.assert_array_equal(got.numpy(), [[1.5, 0, 3.0], [0, 0, -1.0]])


def test_a_uint8_condition_is_a_mask_with_a_warning():
    cond = dg.tensor([[2, 0, 1], [0, 0, 7]], dtype=dg.uint8)
    with pytest.warns(UserWarning, match="uint8 condition"):
        got = dg.where(cond, dg.tensor(X), 0.0)
    np.testing.assert_array_equal(got.numpy(), [[1.5, 0, 3.0], [0, 0, -1.0]])
    with pytest.raises(TypeError, match="masked_fill"):  # (PyTorch refuses uint8 there)
        dg.tensor(X).masked_fill(cond, 0.0)


# -- fill values with dimensions ------------------------------------------------------------------

FILLS = {
    "fill_ 1-D": lambda t: t.fill_(dg.tensor([1.0, 2.0, 3.0])),
    "fill_ one element 1-D": lambda t: t.fill_(dg.tensor([1.0])),
    "fill_ numpy 1-D": lambda t: t.fill_(np.ones(3)),
    "masked_fill 1-D": lambda t: t.masked_fill(dg.tensor([True, False, True]), dg.tensor([5.0])),
    "masked_fill_ 2-D": lambda t: t.masked_fill_(dg.tensor([True, False, True]), dg.ones(1, 1)),
}


@pytest.mark.parametrize("spell", sorted(FILLS))
def test_a_fill_value_must_have_no_dimensions(spell):
    t = dg.tensor(X)
    with pytest.raises(RuntimeError, match=r"only supports (a )?0-dim"):
        FILLS[spell](t)
    np.testing.assert_array_equal(t.numpy(), np.float32(X))


def test_a_list_fill_value_is_a_type_error():
    t = dg.tensor(X)
    for fill in (lambda: t.fill_([1.0, 2.0, 3.0]), lambda: t.masked_fill_(t > 0, [5.0])):
        with pytest.raises(TypeError, match=r"a number or a 0-dimensional tensor, not list"):
            fill()
    np.testing.assert_array_equal(t.numpy(), np.float32(X))


def test_numbers_and_0_dimensional_values_still_fill():
    for value in (2, 2.0, np.float32(2.0), dg.tensor(2.0), dg.tensor(2), np.array(2.0)):
        np.testing.assert_array_equal(dg.tensor(X).fill_(value).numpy(), np.full((2, 3), 2.0))
    got = dg.tensor(X).masked_fill(dg.tensor([True, False, True]), dg.tensor(5.0))
    np.testing.assert_array_equal(got.numpy(), [[5.0, -2.0, 5.0], [5.0, 4.0, 5.0]])


# -- class targets that are not integers ---------------------------------------------------------

_NLL_MODULE = lambda x, t: dg.nn.NLLLoss()(x, t)  # noqa: E731
_FLOAT_TARGETS = [dg.tensor([0.5, 1.0]), dg.tensor([0.0, 1.0], dtype=dg.float64)]


# (a float target of cross_entropy is class probabilities, shaped like the input: not refused)
@pytest.mark.parametrize(("loss", "target"), [
    *((loss, t) for loss in (F.nll_loss, _NLL_MODULE) for t in _FLOAT_TARGETS),
    *((loss, dg.tensor([True, False])) for loss in (F.nll_loss, F.cross_entropy, _NLL_MODULE))])
def test_a_class_target_must_be_an_integer(loss, target):
    x = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        loss(x, target)


@pytest.mark.parametrize("dtype", [dg.int64, dg.uint8, dg.int32])
def test_integer_class_targets_still_give_the_loss(dtype):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = F.nll_loss(dg.tensor(x, dtype=dg.float64), dg.tensor([0, 1], dtype=dtype))
    assert float(got) == -(x[0, 0] + x[1, 1]) / 2


def test_torch_refuses_what_dualgrad_refuses(torch):
    x = torch.tensor(X)
    for call in (lambda: x.clamp(), lambda: x.clone().clamp_(), lambda: x.masked_fill(x > 0 * 1, x[0]),
                 lambda: x.masked_fill((x > 0).long(), 0.0), lambda: x.masked_select((x > 0).float()),
                 lambda: torch.where((x > 0).int(), x, 0.0), lambda: x.clone().fill_(torch.tensor([1.0])),
                 lambda: torch.nn.functional.nll_loss(x[:, :2], torch.tensor([0.5, 1.0]))):
        with pytest.raises(RuntimeError):
            call()
