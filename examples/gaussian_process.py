"""Gaussian-process regression: fit an RBF kernel's length scale, signal and noise levels by
maximising the log marginal likelihood, computed through a Cholesky factor (the way GPyTorch
and the textbooks do it), then summarise the inputs with PCA through an SVD. Written as a
PyTorch user writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/gaussian_process.py"""
import math

import dualgrad as dg

N, STEPS, LR = 24, 30, 0.05


def make_data():
    """y = sin(3 x) + noise at N points of [-1, 1]."""
    dg.manual_seed(0)
    x = dg.linspace(-1.0, 1.0, N, dtype=dg.float64)
    y = dg.sin(3.0 * x) + 0.1 * dg.randn(N, dtype=dg.float64)
    return x, y


def initial_parameters() -> list:
    """log length scale, log signal std, log noise std."""
    return [dg.tensor(v, dtype=dg.float64, requires_grad=True) for v in (0.0, 0.0, -1.0)]


def negative_log_likelihood(x, y, log_ls, log_sf, log_sn):
    """-log N(y; 0, K + sn^2 I) with K_ij = sf^2 exp(-(x_i - x_j)^2 / (2 ls^2))."""
    d2 = (x.unsqueeze(1) - x.unsqueeze(0)) ** 2
    k = dg.exp(2 * log_sf) * dg.exp(-0.5 * d2 / dg.exp(2 * log_ls))
    k = k + dg.exp(2 * log_sn) * dg.eye(len(x), dtype=dg.float64)
    L = dg.linalg.cholesky(k)
    alpha = dg.linalg.solve(L, y.unsqueeze(1))  # L^-1 y
    return 0.5 * (alpha ** 2).sum() + dg.log(dg.diagonal(L)).sum() + 0.5 * len(x) * math.log(2 * math.pi)


def fit() -> list:
    x, y = make_data()
    params = initial_parameters()
    opt = dg.optim.Adam(params, lr=LR)
    losses = []
    for step in range(STEPS):
        opt.zero_grad()
        loss = negative_log_likelihood(x, y, *params)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item():.10f}")
    return losses


def pca(points, k: int = 1):
    """The top-k principal directions and the share of the variance each explains."""
    centered = points - points.mean(dim=0, keepdim=True)
    U, S, Vh = dg.linalg.svd(centered, full_matrices=False)
    explained = S ** 2 / (S ** 2).sum()
    return Vh[:k], explained[:k]


def main() -> None:
    losses = fit()
    assert losses[-1] < losses[0]
    dg.manual_seed(1)
    points = dg.randn(50, 2, dtype=dg.float64) * dg.tensor([3.0, 0.5], dtype=dg.float64)
    direction, share = pca(points)
    print(f"pca: direction {direction.abs().tolist()[0]}, explained {share.item():.4f}")
    print("gaussian_process: ok")


if __name__ == "__main__":
    main()
