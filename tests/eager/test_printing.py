"""Printing follows PyTorch's format. Expected strings were produced by torch 2.x's own repr
(with 'torch.' read as 'dualgrad.'), so these tests need no torch at run time."""
from __future__ import annotations

import re

import numpy as np
import pytest

import dualgrad as dg

pytestmark = pytest.mark.cpu_only  # exact CPU reprs (device suffixes are tested in tests/devices)

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("data, expected", [
    ([[1.0, 1.0], [1.0, 1.0]], "tensor([[1., 1.],\n        [1., 1.]])"),
    ([0.1, 2.5], "tensor([0.1000, 2.5000])"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
    ([1e9, 1.0], "tensor([1.0000e+09, 1.0000e+00])"),
    ([1.0, 2000.0], "tensor([1.0000e+00, 2.0000e+03])"),
    ([1.0, 1001.0], "tensor([1.0000e+00, 1.0010e+03])"),
    (3.0, "tensor(3.)"),
    (0.5, "tensor(0.5000)"),
    ([NAN, 1.0], "tensor([nan, 1.])"),
    ([INF, -2.0], "tensor([inf, -2.])"),
    ([-0.5, 2.25], "tensor([-0.5000,  2.2500])"),
    ([0.0, 0.0], "tensor([0., 0.])"),
    ([1e-10], "tensor([1.0000e-10])"),
    (list(range(1001)), "tensor([   0,    1,    2,  ...,  998,  999, 1000])"),
    ([[0.5] * 40], "tensor([[" + ", ".join(["0.5000"] * 9) + ",\n         "
     + ",\n         ".join([", ".join(["0.5000"] * 9)] * 3) + ",\n         "
     + ", ".join(["0.5000"] * 4) + "]])"),
    ([True, False], "tensor([ True, False])"),
    ([], "tensor([])"),
])
def test_values_print_like_pytorch(data, expected: str) -> None:
    assert repr(dg.tensor(data)) == expected


def test_dtype_suffix_only_for_non_default_dtypes() -> None:
    assert repr(dg.tensor([1.0, 2.0], dtype=dg.float64)) == "tensor([1., 2.], dtype=dualgrad.float64)"
    assert repr(dg.tensor([1, 2], dtype=dg.int32)) == "tensor([1, 2], dtype=dualgrad.int32)"
    assert repr(dg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(dg.zeros(0, dtype=dg.int64)) == "tensor([], dtype=dualgrad.int64)"
    assert repr(dg.zeros(0, 3)) == "tensor([], size=(0, 3))"


def test_autograd_suffixes() -> None:
    x = dg.ones(2, 2, requires_grad=True)
    assert repr(x) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    y = x + 2
    assert repr(y) == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert repr((y * y * 3).mean()) == "tensor(27., grad_fn=<MeanBackward0>)"
    d = dg.ones(2, dtype=dg.float64, requires_grad=True) * 2
    assert repr(d) == "tensor([2., 2.], dtype=dualgrad.float64, grad_fn=<MulBackward0>)"
    assert repr(y.detach()) == "tensor([[3., 3.],\n        [3., 3.]])"


@pytest.mark.parametrize("make, name", [
    (lambda x: x * 2, "MulBackward0"), (lambda x: x - 1, "SubBackward0"), (lambda x: x / 2, "DivBackward0"),
    (lambda x: x.sum(), "SumBackward0"), (lambda x: x ** 2, "PowBackward0"),
    (lambda x: x.exp(), "ExpBackward0"),
    (lambda x: x.view(4), "ViewBackward0"), (lambda x: -x, "NegBackward0"), (lambda x: x @ x, "MmBackward0"),
    (lambda x: x[[0, 1]], "IndexBackward0"), (lambda x: x.tanh(), "TanhBackward0"),
])
def test_grad_fn_class_names(make, name: str) -> None:
    out = make(dg.ones(2, 2, requires_grad=True))
    assert type(out.grad_fn).__name__ == name
    assert re.fullmatch(rf"<{name} object at 0x[0-9a-f]+>", repr(out.grad_fn))


#: Spellings whose grad_fn name PyTorch picks by the call, not by the op: (expression, name).
#: `lib` is dualgrad (or torch, in test_torch_oracle.py); x is 3x4, a is 3, B 2x3x4, C 2x4x5.
SPELLED_GRAD_FN_NAMES = [
    ("x[0]", "SelectBackward0"), ("x[:, 1]", "SelectBackward0"), ("x[1:3]", "SliceBackward0"),
    ("x[0, 1:3]", "SliceBackward0"), ("x[:]", "SliceBackward0"), ("x[None]", "UnsqueezeBackward0"),
    ("x[...]", "AliasBackward0"), ("x[:, :]", "AliasBackward0"), ("x[[0, 2]]", "IndexBackward0"),
    ("x[x > 0]", "IndexBackward0"),
    ("x.T", "PermuteBackward0"), ("x.permute(1, 0)", "PermuteBackward0"), ("x.t()", "TBackward0"),
    ("x.transpose(0, 1)", "TransposeBackward0"), ("x.mT", "TransposeBackward0"),
    ("x @ x.T", "MmBackward0"), ("a @ a", "DotBackward0"), ("x.T @ a", "MvBackward0"),
    ("a @ x", "SqueezeBackward4"), ("B @ C", "UnsafeViewBackward0"), ("lib.bmm(B, C)", "BmmBackward0"),
    ("x.sum()", "SumBackward0"), ("x.sum(0)", "SumBackward1"), ("x.mean(1)", "MeanBackward1"),
    ("x.prod(0)", "ProdBackward1"), ("x.max()", "MaxBackward1"), ("x.amax(0)", "AmaxBackward0"),
    ("x.min()", "MinBackward1"), ("x.amin(0)", "AminBackward0"), ("x.max(0)[0]", "MaxBackward0"),
    ("x.clamp(0, 1)", "ClampBackward1"), ("x[None].squeeze(0)", "SqueezeBackward1"),
    ("x[None].squeeze()", "SqueezeBackward0"), ("lib.square(x)", "PowBackward0"),
]


def grad_fn_operands(lib) -> dict:
    rng = np.random.default_rng(0)
    shapes = {"x": (3, 4), "a": (3,), "B": (2, 3, 4), "C": (2, 4, 5)}
    values = {k: lib.tensor(rng.standard_normal(s), requires_grad=True) for k, s in shapes.items()}
    return {"lib": lib, **values}


@pytest.mark.parametrize("expression, name", SPELLED_GRAD_FN_NAMES)
def test_grad_fn_names_follow_pytorchs_spelling(expression: str, name: str) -> None:
    out = eval(expression, grad_fn_operands(dg))  # noqa: S307 (a fixed table of expressions)
    assert type(out.grad_fn).__name__ == name
    out.sum().backward()  # a renamed node still differentiates


def test_long_suffixes_wrap_like_pytorch() -> None:
    t = dg.tensor([0.5] * 11, dtype=dg.float64, requires_grad=True)
    assert repr(t) == ("tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
                       "        0.5000, 0.5000], dtype=dualgrad.float64, requires_grad=True)")


def test_size_repr_and_str_equal_repr() -> None:
    t = dg.zeros(2, 3)
    assert repr(t.shape) == "dualgrad.Size([2, 3])" and t.shape == (2, 3)
    assert str(t) == repr(t)
    assert f"{dg.tensor(2.5):.1f}" == "2.5"
