"""All parameters as one flat vector and back (PyTorch's `parameters_to_vector`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...eager import api
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (nn.utils.parameters_to_vector)."""
    return api.cat([api.reshape(p, -1) for p in parameters])


@no_grad()
def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies slices of `vec` back into the parameters, in order (nn.utils.vector_to_parameters)."""
    offset = 0
    for p in parameters:
        n = p.numel()
        p.copy_(api.reshape(vec[offset:offset + n], tuple(p.shape)))
        offset += n
