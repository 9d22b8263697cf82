"""Input dtypes PyTorch refuses, refused here too (dualgrad computed from them: uint8
`l1_loss([1, 0, 2], [2, 1, 0])` was 170.7, `lerp` of uint8 wrapped to 129, a bool `floor` was a
bool, `float32 @ float64` promoted). The tables below are PyTorch 2.13's outcome for each
(input dtype, other dtype) pair, checked against torch when they were written; a computed entry
is also checked against numpy float64 (the wrapped integer ones in their own dtype)."""
import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import DualgradError

DTYPES = ("bool", "uint8", "int32", "int64", "float32", "float64")
CODES = {"b": "bool", "u": "uint8", "i": "int32", "l": "int64", "f": "float32", "d": "float64"}

# rows: input's dtype, columns: the other operand's, in DTYPES' order.
# N: NotImplementedError (PyTorch's "... not implemented for 'Long'"), R: RuntimeError
# (a dtype mismatch, a bool subtraction, an integer mean), a letter: the result's dtype
BINARY = {
    "mse_loss": ("N N N N f d", "N N N N f d", "N N N N f d",
                 "N N N N f d", "f f f f f d", "d d d d d d"),
    "l1_loss": ("R R R R R R", "R R R R f d", "R R R R f d",
                "R R R R f d", "R f f f f d", "R d d d d d"),
    "l1_loss_sum": ("R R R R R R", "R l l l f d", "R l l l f d",
                    "R l l l f d", "R f f f f d", "R d d d d d"),
    "l1_loss_none": ("R R R R R R", "R u i l f d", "R i i l f d",
                     "R l l l f d", "R f f f f d", "R d d d d d"),
    "smooth_l1_loss": ("N N N N f d", "N N N N f d", "N N N N f d",
                       "N N N N f d", "f f f f f d", "d d d d d d"),
    "huber_loss": ("N R R R R R", "N N N N R R", "N N N N R R",
                   "N N N N R R", "f f f f f f", "d d d d d d"),
    "lerp": ("N R R R R R", "R N R R R R", "R R N R R R",
             "R R R N R R", "R R R R f R", "R R R R R d"),
    "hypot": ("N N N N f d", "N N N N f d", "N N N N f d",
              "N N N N f d", "f f f f f d", "d d d d d d"),
    "matmul": ("N R R R R R", "R u R R R R", "R R i R R R",
               "R R R l R R", "R R R R f R", "R R R R R d"),
    "mm": ("N R R R R R", "R u R R R R", "R R i R R R",
           "R R R l R R", "R R R R f R", "R R R R R d"),
    "bmm": ("N N N N N N", "R u R R R R", "R R i R R R",
            "R R R l R R", "R R R R f R", "R R R R R d"),
    "mv": ("N R R R R R", "R u R R R R", "R R i R R R",
           "R R R l R R", "R R R R f R", "R R R R R d"),
    "dot": ("N R R R R R", "R u R R R R", "R R i R R R",
            "R R R l R R", "R R R R f R", "R R R R R d"),
}
BINARY["@"] = BINARY["matmul"]

A, B = [1, 0, 2], [2, 1, 0]  # (bool: [True, False, True] and [True, True, False])

CALLS = {
    "mse_loss": lambda a, b: F.mse_loss(a, b),
    "l1_loss": lambda a, b: F.l1_loss(a, b),
    "l1_loss_sum": lambda a, b: F.l1_loss(a, b, reduction="sum"),
    "l1_loss_none": lambda a, b: F.l1_loss(a, b, reduction="none"),
    "smooth_l1_loss": lambda a, b: F.smooth_l1_loss(a, b),
    "huber_loss": lambda a, b: F.huber_loss(a, b),
    "lerp": lambda a, b: dg.lerp(a, b, 0.5),
    "hypot": lambda a, b: dg.hypot(a, b),
    "matmul": lambda a, b: dg.matmul(a.unsqueeze(0).expand(2, 3), b.unsqueeze(1)),
    "@": lambda a, b: a.unsqueeze(0).expand(2, 3) @ b.unsqueeze(1),
    "mm": lambda a, b: dg.mm(a.unsqueeze(0), b.unsqueeze(1)),
    "bmm": lambda a, b: a.unsqueeze(0).unsqueeze(0).bmm(b.unsqueeze(0).unsqueeze(2)),
    "mv": lambda a, b: a.unsqueeze(0).mv(b),
    "dot": lambda a, b: dg.dot(a, b),
}


def _smooth(d):
    return np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5)


REFERENCE = {  # numpy float64 (the integer l1 losses in their own dtype, as PyTorch)
    "mse_loss": lambda a, b: np.mean((a - b) ** 2),
    "l1_loss": lambda a, b: np.mean(np.abs(a - b)),
    "l1_loss_sum": lambda a, b: np.sum(np.abs(a - b)),
    "l1_loss_none": lambda a, b: np.abs(a - b),
    "smooth_l1_loss": lambda a, b: np.mean(_smooth(a - b)),
    "huber_loss": lambda a, b: np.mean(_smooth(a - b)),
    "lerp": lambda a, b: a + 0.5 * (b - a),
    "hypot": np.hypot,
    "matmul": lambda a, b: np.full((2, 1), a @ b), "@": lambda a, b: np.full((2, 1), a @ b),
    "mm": lambda a, b: np.full((1, 1), a @ b), "bmm": lambda a, b: np.full((1, 1, 1), a @ b),
    "mv": lambda a, b: np.full((1,), a @ b), "dot": lambda a, b: a @ b,
}


def _values(data, name):
    return np.array(data).astype(name)


@pytest.mark.cpu_only  # (the checks come before any kernel; jax compiles each pair: 20 s)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_dtype_table(op):
    wrong = []
    for r, row in enumerate(BINARY[op]):
        for c, want in enumerate(row.split()):
            first, second = DTYPES[r], DTYPES[c]
            a = dg.tensor(_values(A, first))
            b = dg.tensor(_values(B if second != "bool" else [1, 1, 0], second))
            try:
                got = CALLS[op](a, b)
            except DualgradError as e:  # N: NotImplementedError, R: RuntimeError
                kind = "N" if isinstance(e, NotImplementedError) else "R" * isinstance(e, RuntimeError)
                named = op.strip("@").split("_")[0] in str(e) or op == "@"
                if "not implemented for 'Bool'" in str(e):  # (the matmul op's own refusal: a TypeError)
                    kind, named = "N", True
                if kind != want or not named:
                    wrong.append((first, second, want, type(e).__name__, str(e)[:80]))
                continue
            if want in "NR" or got.dtype.name != CODES[want]:
                wrong.append((first, second, want, got.dtype.name))
                continue
            x, y = _values(A, first), _values(B if second != "bool" else [1, 1, 0], second)
            integer = CODES[want] not in ("float32", "float64")
            ref = REFERENCE[op](x, y) if integer else REFERENCE[op](x.astype(float), y.astype(float))
            np.testing.assert_allclose(got.numpy(), ref, rtol=1e-6, err_msg=f"{op} {first} {second}")
    assert not wrong, f"{op}: {len(wrong)} entries differ from PyTorch's: {wrong}"


# ceil/floor/round/trunc and their in-place forms: a bool input is refused, an integer one is
# itself (its dtype kept), as PyTorch's; round with decimals refuses integers too
ROUNDING = ("floor", "ceil", "round", "trunc", "fix", "floor_", "ceil_", "round_", "trunc_", "fix_")


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", ROUNDING)
def test_rounding_refuses_bool_only(name):
    for dtype in DTYPES:
        x = dg.tensor(_values([1, 0, 2], dtype))
        call = (lambda t: getattr(t, name)()) if name.endswith("_") else getattr(dg, name)
        if dtype == "bool":
            with pytest.raises(NotImplementedError, match=rf"{name}: not implemented for bool input .*"
                                                          r"test_trust_dtype_table\.py:\d+"):
                call(x)
            assert x.tolist() == [True, False, True]  # (unchanged)
            continue
        got = call(x)
        assert got.dtype.name == dtype and got.tolist() == [1, 0, 2], (name, dtype)


@pytest.mark.cpu_only
def test_round_with_decimals_refuses_integers():
    for dtype in ("uint8", "int32", "int64"):
        with pytest.raises(NotImplementedError, match="round"):
            dg.round(dg.tensor(_values([1, 2], dtype)), decimals=1)
    assert dg.round(dg.tensor([1.26, 2.0]), decimals=1).tolist() == pytest.approx([1.3, 2.0])


def test_errors_name_the_op_the_dtypes_and_the_line():
    a, b = dg.tensor([1.0, 2.0]), dg.tensor([1.0, 2.0], dtype=dg.float64)
    with pytest.raises(RuntimeError, match=r"^matmul: .*float32 and float64.*test_trust_dtype_table\.py:\d+"):
        a @ b
    with pytest.raises(NotImplementedError, match=r"^mse_loss: .*int64, int64.*test_trust_dtype_table\.py"):
        F.mse_loss(dg.tensor([1, 2]), dg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"^huber_loss: input is int64 and target float32"):
        F.huber_loss(dg.tensor([1, 2]), dg.tensor([1.0, 2.0]))


@pytest.mark.cpu_only
def test_huber_loss_is_written_in_inputs_dtype_with_its_gradient():
    x = dg.tensor([0.25, 3.0], requires_grad=True)
    loss = F.huber_loss(x, dg.tensor([0.0, 0.0], dtype=dg.float64))
    assert loss.dtype == dg.float32  # (PyTorch's: the float64 target does not promote it)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.125, 0.5])


@pytest.mark.cpu_only
def test_the_other_products_refuse_two_dtypes_too():
    a, b = dg.ones(2, 2), dg.ones(2, 2, dtype=dg.float64)
    products = {"einsum": lambda x, y: dg.einsum("ij,jk->ik", x, y),
                "tensordot": lambda x, y: dg.tensordot(x, y, 1), "inner": dg.inner,
                "linalg.multi_dot": lambda x, y: dg.linalg.multi_dot([x, y, x])}
    for name, call in products.items():
        with pytest.raises(RuntimeError, match=rf"^{name}: .*float32 and float64"):
            call(a, b)
        assert call(b, b).dtype == dg.float64
