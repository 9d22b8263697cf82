"""PCA of a dataset with the randomized low-rank SVD: `pca_lowrank` finds the principal
directions of 5-feature points that vary mostly in a 2-d plane, the data is projected onto
them and reconstructed; `svd_lowrank` then compresses a rank-3 matrix. Written as a PyTorch
user writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/lowrank_pca.py"""
import dualgrad as dg

N, FEATURES, K = 300, 5, 2


def make_data():
    """N points near a 2-d plane of R^5, shifted off the origin."""
    dg.manual_seed(0)
    latent = dg.randn(N, K, dtype=dg.float64) * dg.tensor([3.0, 1.5], dtype=dg.float64)
    mixing = dg.tensor([[0.6, 0.2, -0.5, 0.4, 0.4],
                        [0.1, 0.7, 0.3, -0.4, 0.5]], dtype=dg.float64)
    noise = 0.05 * dg.randn(N, FEATURES, dtype=dg.float64)
    return latent @ mixing + noise + dg.tensor([1.0, -2.0, 0.5, 3.0, 0.0], dtype=dg.float64)


def principal_components(X, q: int = 3):
    """(directions, variances, projected data, reconstruction) of X's top K components."""
    U, S, V = dg.pca_lowrank(X, q=q, center=True, niter=4)
    variances = S ** 2 / (X.shape[0] - 1)
    mean = X.mean(dim=0, keepdim=True)
    Z = dg.matmul(X - mean, V[:, :K])
    reconstruction = Z @ V[:, :K].T + mean
    return V[:, :K], variances[:K], Z, reconstruction


def compress(seed: int = 1):
    """A 40 x 30 matrix of rank 3 and its rank-3 factors from svd_lowrank."""
    dg.manual_seed(seed)
    A = dg.randn(40, 3, dtype=dg.float64) @ dg.randn(3, 30, dtype=dg.float64)
    U, S, V = dg.svd_lowrank(A, q=5)
    return A, U[:, :3], S[:3], V[:, :3]


def main() -> None:
    X = make_data()
    directions, variances, Z, reconstruction = principal_components(X)
    total = X.var(dim=0).sum()
    explained = variances.sum() / total
    error = ((X - reconstruction) ** 2).mean()
    print(f"variances {variances.tolist()}")
    print(f"explained {explained.item():.6f}")
    print(f"reconstruction mse {error.item():.3e}")
    assert explained.item() > 0.99 and Z.shape == (N, K)

    A, U, S, V = compress()
    rebuilt = U @ dg.diag(S) @ V.T
    print(f"singular values {S.tolist()}, rank-3 error {(A - rebuilt).abs().max().item():.1e}")
    assert dg.allclose(rebuilt, A, atol=1e-9)
    print("lowrank_pca: ok")


if __name__ == "__main__":
    main()
