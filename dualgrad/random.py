"""`dg.Generator`: PyTorch's explicit random generator (a seeded numpy generator), for
`DataLoader(shuffle=True, generator=g)` and the `generator=` argument of `nn.init`."""
from __future__ import annotations

import numpy as np


class Generator:
    """`Generator().manual_seed(n)`: draws independent of `dg.manual_seed`'s global stream."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reseeds this generator and returns it (torch.Generator.manual_seed)."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseeds from fresh entropy and returns the seed (torch.Generator.seed)."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        """The seed last set (torch.Generator.initial_seed)."""
        return self._seed

    def get_state(self):
        """This generator's state as a uint8 tensor (torch.Generator.get_state), to restore
        its draws with `set_state`."""
        from .eager.rng_state import state_of

        return state_of(self._rng, "Generator.get_state")

    def set_state(self, new_state) -> Generator:
        """Restores a state from `get_state` (torch.Generator.set_state); returns the generator."""
        from .eager.rng_state import rng_from

        self._rng = rng_from(new_state, "Generator.set_state")
        return self


def numpy_rng(generator: Generator | None) -> np.random.Generator:
    """The numpy generator to draw from: the given one's, else dualgrad's global stream."""
    if generator is not None:
        return generator._rng
    from .eager import creation

    return creation._rng
