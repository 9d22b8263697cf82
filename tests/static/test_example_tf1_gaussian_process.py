"""examples/tf1_gaussian_process.py runs as written (numpy backend: the jax one compiles the
same graph, which tests/static/test_tf_linalg.py covers), and every number it prints is that of
the same fit in numpy float64: the negative log marginal likelihood through numpy's Cholesky
factor, its gradient written out, 0.5 tr((K^-1 - a a^T) dK/dtheta) with a = K^-1 y, and the
posterior K*^T K^-1 y, 1 - diag(K*^T K^-1 K*)."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def numpy_fit(x, y, x_test, steps=40, lr=0.01):
    theta = np.array([np.log(0.5), np.log(0.3)])  # log lengthscale, log noise
    sq = (x - x.T) ** 2
    n = len(x)

    def nll_and_grad(theta):
        ell2, noise2 = np.exp(2 * theta)
        rbf = np.exp(-0.5 * sq / ell2)
        k = rbf + noise2 * np.eye(n)
        low = np.linalg.cholesky(k)
        alpha = np.linalg.solve(k, y)
        nll = 0.5 * float((y.T @ alpha)[0, 0]) + np.log(np.diag(low)).sum() + 0.5 * n * np.log(2 * np.pi)
        inner = np.linalg.inv(k) - alpha @ alpha.T
        grads = [0.5 * np.sum(inner * (rbf * sq / ell2)), 0.5 * np.sum(inner * (2 * noise2 * np.eye(n)))]
        return nll, np.array(grads), k

    trace = {}
    for step in range(steps):
        nll, grad, _ = nll_and_grad(theta)
        trace[step] = nll
        theta = theta - lr * grad
    nll, _, k = nll_and_grad(theta)
    k_star = np.exp(-0.5 * (x_test - x.T) ** 2 / np.exp(2 * theta[0]))
    mean = k_star @ np.linalg.solve(k, y)
    var = 1.0 - np.einsum("ij,ji->i", k_star, np.linalg.solve(k, k_star.T))
    return trace, nll, np.exp(theta), mean[:, 0], var


def test_tf1_gaussian_process_example_matches_numpy(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_gaussian_process.py", "--backend", "numpy"])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_gaussian_process.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_gaussian_process: ok" in out
    trace, nll, (ell, noise), mean, var = numpy_fit(names["x_train"], names["y_train"], names["x_test"])
    steps = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"step (\d+) nll (\S+)", out)}
    assert sorted(steps) == [0, 10, 20, 30]
    for step, value in steps.items():
        np.testing.assert_allclose(value, trace[step], rtol=1e-9, err_msg=f"step {step}")
    final = re.search(r"final nll (\S+) lengthscale (\S+) noise (\S+)", out)
    np.testing.assert_allclose([float(v) for v in final.groups()], [nll, ell, noise], rtol=1e-9)
    rows = re.findall(r"x \S+ mean (\S+) variance (\S+)", out)
    np.testing.assert_allclose([float(m) for m, _ in rows], mean, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose([float(v) for _, v in rows], var, rtol=1e-8)
