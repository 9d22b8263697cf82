"""Gaussian-process regression with a posterior: fit the kernel's hyperparameters by the log
marginal likelihood, then predict with the posterior mean and variance, all through the
Cholesky factor (`cholesky_solve`, `cholesky_inverse`), the kernel a TorchScript function as
GP code often writes it. Written as a PyTorch user writes it (swap `dualgrad as dg` for
`torch`).
Run: python examples/gp_posterior.py"""
import math

import dualgrad as dg

N, STEPS, LR = 20, 25, 0.05


@dg.jit.script
def rbf(a, b, log_ls, log_sf):
    d2 = (a.unsqueeze(1) - b.unsqueeze(0)) ** 2
    return dg.exp(2 * log_sf) * dg.exp(-0.5 * d2 / dg.exp(2 * log_ls))


def make_data():
    dg.manual_seed(0)
    x = dg.linspace(-1.0, 1.0, N, dtype=dg.float64)
    y = dg.cos(2.0 * x) + 0.1 * dg.randn(N, dtype=dg.float64)
    return x, y


def factor(x, log_ls, log_sf, log_sn):
    k = rbf(x, x, log_ls, log_sf) + dg.exp(2 * log_sn) * dg.eye(len(x), dtype=dg.float64)
    return dg.linalg.cholesky(k)


def negative_log_likelihood(x, y, log_ls, log_sf, log_sn):
    L = factor(x, log_ls, log_sf, log_sn)
    alpha = dg.cholesky_solve(y.unsqueeze(1), L)  # K^-1 y
    return 0.5 * (y.unsqueeze(1) * alpha).sum() + L.diagonal().log().sum() + 0.5 * len(x) * math.log(2 * math.pi)


def posterior(x, y, x_new, log_ls, log_sf, log_sn):
    """The predictive mean and variance of f at x_new."""
    L = factor(x, log_ls, log_sf, log_sn)
    k_new = rbf(x_new, x, log_ls, log_sf)
    mean = (k_new @ dg.cholesky_solve(y.unsqueeze(1), L)).squeeze(1)
    k_inv = dg.cholesky_inverse(L)
    var = dg.exp(2 * log_sf) - ((k_new @ k_inv) * k_new).sum(dim=1)
    return mean, var


def main() -> None:
    x, y = make_data()
    params = [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in (0.0, 0.0, -1.0)]
    opt = dg.optim.Adam(params, lr=LR)
    for step in range(STEPS):
        opt.zero_grad()
        loss = negative_log_likelihood(x, y, *params)
        loss.backward()
        opt.step()
        print(f"step {step}: loss {loss.item():.12f}")
    with dg.no_grad():
        mean, var = posterior(x, y, dg.tensor([0.0, 0.5], dtype=dg.float64), *params)
    print(f"posterior mean {mean.tolist()} var {var.tolist()}")
    assert (var > 0).all()
    print("gp_posterior: ok")


if __name__ == "__main__":
    main()
