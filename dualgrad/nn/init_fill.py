"""Writing drawn values into a parameter in place, for every random `nn.init` function."""
from __future__ import annotations

from ..eager.convert import require_floating
from ..eager.creation import tensor as as_tensor
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor


def fill_drawn(tensor: Tensor, values, kernel: str, op: str) -> Tensor:
    """Write drawn `values` (a numpy array of tensor's size) into tensor in place, keeping its
    dtype; a random fill of an integer or bool tensor is refused, as PyTorch's `kernel` refuses
    it (a cast would write truncated draws: zeros for N(0, 0.01))."""
    require_floating(tensor.dtype, op, kernel)
    with no_grad():
        tensor.copy_(as_tensor(values.reshape(tuple(tensor.shape)), dtype=tensor.dtype, device=tensor.device))
    return tensor
