"""A tiny GAN in 2-D: an affine generator learns to move Gaussian noise onto a blob of real
points, against a critic whose two linear layers are wrapped in `nn.utils.spectral_norm`
(Miyato et al. 2018) and trained with the hinge loss. Each critic call in training mode runs
one power-iteration step per layer, so the printed spectral norms of the critic's weights stay
near 1 while the generator's samples move toward the real ones. Written as a PyTorch user
writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/spectral_norm_gan.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim

N, NOISE, HIDDEN, STEPS, LR = 64, 2, 16, 30, 0.02
REAL_CENTRE = (2.0, -1.0)


def make_data():
    """Real points around REAL_CENTRE and the fixed noise the generator maps."""
    dg.manual_seed(3)
    real = dg.randn(N, 2) * 0.3 + dg.tensor(REAL_CENTRE)
    z = dg.randn(N, NOISE)
    return real, z


def build_models():
    dg.manual_seed(0)
    generator = nn.Linear(NOISE, 2)
    critic = nn.Sequential(
        nn.utils.spectral_norm(nn.Linear(2, HIDDEN)),
        nn.LeakyReLU(0.2),
        nn.utils.spectral_norm(nn.Linear(HIDDEN, 1)),
    )
    return generator, critic


def main() -> tuple:
    real, z = make_data()
    generator, critic = build_models()
    opt_g = optim.Adam(generator.parameters(), lr=LR, betas=(0.5, 0.999))
    opt_d = optim.Adam(critic.parameters(), lr=LR, betas=(0.5, 0.999))
    start = (generator(z).mean(0) - dg.tensor(REAL_CENTRE)).norm().item()
    for step in range(STEPS):
        opt_d.zero_grad()
        fake = generator(z).detach()
        loss_d = F.relu(1.0 - critic(real)).mean() + F.relu(1.0 + critic(fake)).mean()
        loss_d.backward()
        opt_d.step()

        opt_g.zero_grad()
        loss_g = -critic(generator(z)).mean()
        loss_g.backward()
        opt_g.step()
        print(f"step {step}: loss {loss_d.item()!r} generator {loss_g.item()!r}")
    with dg.no_grad():
        end = (generator(z).mean(0) - dg.tensor(REAL_CENTRE)).norm().item()
        sigmas = [dg.linalg.matrix_norm(critic[i].weight, ord=2).item() for i in (0, 2)]
    print(f"distance of the generated mean to the real centre: {start:.3f} -> {end:.3f}")
    print("largest singular values of the critic's weights:", ", ".join(f"{s:.3f}" for s in sigmas))
    return start, end


if __name__ == "__main__":
    start, end = main()
    assert end < start
    print("spectral_norm_gan: ok")
