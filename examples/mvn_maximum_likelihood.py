"""Fitting a MultivariateNormal's mean and Cholesky factor by maximum likelihood with Adam,
written as a PyTorch user writes it with torch.distributions; the port is the import lines
(`import torch` -> `import dualgrad as torch`, `torch.distributions` -> `dualgrad.distributions`).

The scale_tril is kept valid by construction: the strictly lower triangle of a free matrix plus
the exponential of its diagonal. The maximum-likelihood answer has a closed form (the sample
mean and the biased sample covariance), which tests/eager/test_mvn_example.py checks the fit
against with numpy."""
import dualgrad as torch
from dualgrad.distributions import MultivariateNormal, kl_divergence


def make_data(n=500, seed=0):
    torch.manual_seed(seed)
    true_tril = torch.tensor([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [-0.5, 0.3, 0.4]])
    truth = MultivariateNormal(torch.tensor([1.0, -2.0, 0.5]), scale_tril=true_tril)
    return truth.sample((n,))


def scale_tril_of(raw):
    return torch.tril(raw, diagonal=-1) + torch.diag_embed(torch.exp(torch.diagonal(raw)))


def fit(data, steps=500, lr=0.05):
    dim = data.shape[-1]
    loc = torch.zeros(dim, requires_grad=True)
    raw = torch.zeros(dim, dim, requires_grad=True)
    optimizer = torch.optim.Adam([loc, raw], lr=lr)
    for step in range(steps):
        dist = MultivariateNormal(loc, scale_tril=scale_tril_of(raw))
        loss = -dist.log_prob(data).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step:4d}  negative log-likelihood {loss.item():.4f}")
    fitted = MultivariateNormal(loc.detach(), scale_tril=scale_tril_of(raw.detach()))
    return fitted, -fitted.log_prob(data).mean().item()


if __name__ == "__main__":
    data = make_data()
    fitted, nll = fit(data)
    print("mean:", [round(v, 3) for v in fitted.mean.tolist()])
    print("covariance:", [[round(v, 3) for v in row] for row in fitted.covariance_matrix.tolist()])
    prior = MultivariateNormal(torch.zeros(3), torch.eye(3))
    print(f"final NLL {nll:.4f}, KL(fit || N(0, I)) {kl_divergence(fitted, prior).item():.4f}")
    print("mvn_maximum_likelihood: ok")
