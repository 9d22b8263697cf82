"""PyTorch itself as an extra oracle for a Tensor lr under a scheduler (collected only where
torch is installed, conftest.py)."""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad.optim import lr_scheduler

from .test_tensor_lr import LR0, SCALE, STEPS, TARGET, W0, run


def test_torch_with_a_tensor_lr_and_a_scheduler_agrees():
    """PyTorch itself as an extra oracle: float64 parameters and a float64 Tensor lr under
    CosineAnnealingLR (PyTorch computes Adam's step size lr / (1 - beta1^t) as a tensor, in
    the lr's dtype; here it is float64 either way)."""
    import torch

    for name, kw in (("SGD", dict(momentum=0.9)), ("Adam", {}), ("RMSprop", dict(centered=True))):
        w = torch.tensor(W0, requires_grad=True)
        lr = torch.tensor(LR0, dtype=torch.float64)
        opt = getattr(torch.optim, name)([w], lr=lr, **kw)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 4, eta_min=0.01)
        want = []
        for _ in range(STEPS):
            opt.zero_grad()
            (torch.tensor(SCALE) * (w - torch.tensor(TARGET)) ** 2).sum().backward()
            opt.step()
            sched.step()
            want.append(w.detach().numpy().copy())
        got, _ = run(name, kw, dg.tensor(LR0, dtype=dg.float64),
                     lambda o: lr_scheduler.CosineAnnealingLR(o, 4, eta_min=0.01))
        np.testing.assert_allclose(got, np.stack(want), rtol=1e-12, atol=1e-14)
