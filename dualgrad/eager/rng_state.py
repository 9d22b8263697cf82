"""A numpy generator's PCG64 state as PyTorch's 40-byte uint8 tensor, and back: what
`dg.get_rng_state` / `set_rng_state` and `dg.Generator.get_state` / `set_state` exchange."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import DualgradNotImplementedError, DualgradRuntimeError, user_line
from . import creation
from .tensor import Tensor

_STATE_BYTES = 40  # PCG64: 128-bit state, 128-bit increment, has_uint32 and uinteger as 32 bits each


def state_of(rng: np.random.Generator, op: str) -> Tensor:
    """A numpy generator's PCG64 state as 40 uint8 bytes (the global stream's and a
    `dg.Generator`'s alike)."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":  # (manual_seed and default_rng make PCG64)
        raise DualgradNotImplementedError(f"{op}: a {state['bit_generator']} stream {user_line()}")
    words = (state["state"]["state"].to_bytes(16, "little") + state["state"]["inc"].to_bytes(16, "little")
             + int(state["has_uint32"]).to_bytes(4, "little") + int(state["uinteger"]).to_bytes(4, "little"))
    return creation.tensor(np.frombuffer(words, dtype=np.uint8).copy(), dtype=dtypes.uint8, device="cpu")


def rng_from(new_state: Tensor, op: str) -> np.random.Generator:
    """A fresh numpy generator in a state `state_of` gave; anything else is refused."""
    if not isinstance(new_state, Tensor) or new_state.dtype is not dtypes.uint8 \
            or tuple(new_state.shape) != (_STATE_BYTES,):
        got = (f"a {new_state.dtype.name} tensor of shape {tuple(new_state.shape)}"
               if isinstance(new_state, Tensor) else type(new_state).__name__)
        raise DualgradRuntimeError(f"{op}: expected a uint8 tensor of {_STATE_BYTES} bytes from "
                                   f"get_rng_state() / get_state(), got {got} {user_line()}")
    words = np.asarray(new_state.detach().numpy(), dtype=np.uint8).tobytes()
    rng = np.random.default_rng()
    state, inc, has_uint32, uinteger = (int.from_bytes(words[a:b], "little")
                                        for a, b in ((0, 16), (16, 32), (32, 36), (36, 40)))
    rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                               "has_uint32": has_uint32, "uinteger": uinteger}
    return rng
