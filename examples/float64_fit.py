"""A float64 scientific fit written as a PyTorch user writes it: `set_default_dtype(float64)`
first, then no `dtype=` anywhere (swap `dualgrad as dg` for `torch`).

1. A cubic least-squares fit: the loss is quadratic in the coefficients, so one Newton step
   with autograd's gradient and Hessian lands on the minimiser, which must equal numpy's
   float64 `lstsq` to 1e-12 (float32 anywhere on the way would be ~1e-7 off).
2. An exponential decay y = a exp(-k t) fitted by Gauss-Newton with autograd's Jacobian,
   recovering the a and k that made the noise-free data to 1e-12.
Run: python examples/float64_fit.py"""
import numpy as np

import dualgrad as dg

dg.set_default_dtype(dg.float64)


def cubic_design(t):
    return dg.stack([t ** 0, t, t ** 2, t ** 3], dim=1)


def cubic_fit():
    """(the Newton-step coefficients, the design matrix, the data) of a noisy cubic."""
    dg.manual_seed(0)
    t = dg.linspace(-1.0, 2.0, 40)
    y = 0.3 - 1.1 * t + 0.7 * t ** 2 + 0.05 * t ** 3 + 0.01 * dg.randn(40)
    X = cubic_design(t)

    def loss(w):
        return ((X @ w - y) ** 2).sum()

    w0 = dg.zeros(4)
    g = dg.autograd.functional.jacobian(loss, w0)
    H = dg.autograd.functional.hessian(loss, w0)
    w = w0 - dg.linalg.solve(H, g)  # exact for a quadratic loss
    return w, X, y


def decay_fit(steps: int = 30):
    """(a, k) fitted to y = 2.5 exp(-0.8 t) by Gauss-Newton from (1, 0.1)."""
    t = dg.linspace(0.0, 5.0, 25)
    y = 2.5 * dg.exp(-0.8 * t)
    p = dg.tensor([1.0, 0.1])

    def residual(p):
        return p[0] * dg.exp(-p[1] * t) - y

    for _ in range(steps):
        J = dg.autograd.functional.jacobian(residual, p)
        r = residual(p)
        p = p - dg.linalg.solve(J.T @ J, J.T @ r)
    return p


def main() -> None:
    w, X, y = cubic_fit()
    want = np.linalg.lstsq(X.numpy(), y.numpy(), rcond=None)[0]
    assert w.dtype == dg.float64 and X.dtype == dg.float64
    print("cubic coefficients:", w.tolist())
    print("max |w - numpy lstsq|:", float(np.max(np.abs(w.numpy() - want))))
    assert np.allclose(w.numpy(), want, rtol=1e-12, atol=1e-12)

    a, k = decay_fit().tolist()
    print(f"decay fit: a = {a!r}, k = {k!r}")
    assert abs(a - 2.5) < 1e-12 and abs(k - 0.8) < 1e-12
    print("float64_fit: ok")


if __name__ == "__main__":
    main()
