"""PyTorch's BLAS-style functions with beta == 0 ignore `input`: NaN and inf in it do not
propagate (torch.addmm's documented rule). The differential hunt against torch 2.13 found
`addmm` computing 0 * input, so a NaN input element gave NaN where torch gives the product;
the table checks the whole family, values and gradients, against numpy float64."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

rng = np.random.default_rng(0)
A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
BA, BB = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
v = rng.standard_normal(5)

# name: (function, input shape, operands, the product in numpy)
FAMILY = {
    "addmm": (dg.addmm, (3, 5), (A, B), lambda: A @ B),
    "Tensor.addmm": (lambda x, a, b, **kw: x.addmm(a, b, **kw), (3, 5), (A, B), lambda: A @ B),
    "addmv": (dg.addmv, (3,), (A[:, :4], B[:, 0]), lambda: A @ B[:, 0]),
    "addr": (dg.addr, (3, 5), (A[:, 0], v), lambda: np.outer(A[:, 0], v)),
    "baddbmm": (dg.baddbmm, (2, 3, 5), (BA, BB), lambda: BA @ BB),
    "addbmm": (dg.addbmm, (3, 5), (BA, BB), lambda: (BA @ BB).sum(0)),
}


def _poisoned(shape) -> np.ndarray:
    x = np.random.default_rng(1).standard_normal(shape)
    x.flat[0], x.flat[-1] = np.nan, np.inf
    return x


def _check_beta(name, beta, alpha) -> None:
    fn, shape, operands, product = FAMILY[name]
    x = _poisoned(shape) if beta == 0 else np.random.default_rng(2).standard_normal(shape)
    ts = [dg.tensor(o, requires_grad=True) for o in operands]
    xt = dg.tensor(x, requires_grad=True)
    out = fn(xt, *ts, beta=beta, alpha=alpha)
    want = alpha * product() + (0 if beta == 0 else beta * x)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    out.sum().backward()
    grad = np.zeros(shape) if xt.grad is None else xt.grad.numpy()  # (beta == 0: not read at all)
    np.testing.assert_allclose(grad, np.full(shape, float(beta)), atol=0)
    assert all(np.isfinite(t.grad.numpy()).all() for t in ts)


_PAIRS = [(0, 1), (0.0, -2.0), (2.5, 0.5)]


@pytest.mark.cpu_only  # the family is compositions of the same registry ops on both devices
@pytest.mark.parametrize("name", sorted(FAMILY))
@pytest.mark.parametrize("beta, alpha", _PAIRS)
def test_beta_zero_reads_no_input(name, beta, alpha) -> None:
    _check_beta(name, beta, alpha)


@pytest.mark.parametrize("beta, alpha", _PAIRS)
def test_addmm_beta_zero_on_each_device(beta, alpha) -> None:
    _check_beta("addmm", beta, alpha)


@pytest.mark.parametrize("bad", [(np.ones(4), np.ones((4, 5))), (np.ones((3, 4)), np.ones((3, 5)))])
def test_addmm_refuses_what_torch_refuses(bad) -> None:
    """A vector operand or mismatched inner sizes raise (matmul broadcast a vector silently)."""
    with pytest.raises(dg.errors.ShapeError, match="addmm"):
        dg.addmm(dg.zeros(3, 5), *[dg.tensor(b) for b in bad])
    with pytest.raises(dg.errors.DTypeError, match="beta"):
        dg.addmm(dg.zeros(3, 5, dtype=dg.int64), dg.ones(3, 4, dtype=dg.int64),
                 dg.ones(4, 5, dtype=dg.int64), beta=0.5)
