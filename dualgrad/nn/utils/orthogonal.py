"""`nn.utils.parametrizations.orthogonal`: PyTorch's orthogonal parametrization of a matrix (or
batch of matrices), through the matrix exponential, the Cayley map or Householder reflectors of
the lower triangle, composed of registry ops (`linalg.matrix_exp`, `linalg.solve`, matmuls),
so gradients reach the original. With `use_trivialization=True` (the default) the registered
weight's orthogonalization (QR with R's diagonal made positive) is kept as the buffer `base`
and the original starts at -I, as PyTorch's. Real tensors only; `use_trivialization=False`
with the Householder map is refused (it needs `geqrf`)."""
from __future__ import annotations

from enum import Enum, auto

from ... import linalg
from ...eager import api
from ...eager.creation import eye
from ...eager.dtype_info import finfo
from ...eager.grad_mode import no_grad
from ...eager.methods_more import allclose
from ...eager.random_more import randn
from ...eager.tensor import Tensor
from ...errors import DualgradNotImplementedError, DualgradValueError, user_line
from ..module import Module
from . import parametrize


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i the i-th column of
    `a` below the diagonal and 1 on it (torch.linalg.householder_product), for an (..., n, k) a."""
    n, k = a.shape[-2], a.shape[-1]
    identity = eye(n, k, dtype=a.dtype, device=a.device)
    vs = api.add(a.tril(-1), identity)
    q = api.add(api.mul(a, 0), identity)  # the batch shape of a
    for i in reversed(range(k)):
        v = vs[..., :, i:i + 1]
        q = api.sub(q, api.mul(tau[..., i:i + 1].unsqueeze(-1), api.matmul(v, api.matmul(v.mT, q))))
    return q


def _make_orthogonal(a: Tensor) -> Tensor:
    """Q of a = QR with R's diagonal made nonnegative (PyTorch's geqrf / householder_product)."""
    q, r = linalg.qr(a)
    return api.mul(q, r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2))


def _is_orthogonal(q: Tensor) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    identity = eye(k, dtype=q.dtype, device=q.device)
    return bool(allclose(api.matmul(q.mT, q), identity, atol=10.0 * n * finfo(q.dtype).eps))


class _Orthogonal(Module):
    """X -> an orthogonal matrix (base @ map(X) with the trivialization), as PyTorch's."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        """The orthogonal matrix of x (columns orthonormal; rows for a wide x)."""
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x, n, k = x.mT, k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            x = x.tril()
            if n != k:
                x = api.cat([x, api.mul(x[..., :1], 0).expand(*x.shape[:-1], n - k)], dim=-1)
            a = api.sub(x, x.mT)
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                q = linalg.matrix_exp(a)
            else:
                half = api.mul(a, 0.5)
                identity = eye(n, dtype=a.dtype, device=a.device)
                q = linalg.solve(api.sub(identity, half), api.add(identity, half))
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(-1)
            tau = api.div(2.0, api.add(api.sum(api.mul(a, a), dim=-2), 1.0))
            q = householder_product(a, tau)
            q = api.mul(q, x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2))
        if "base" in self._buffers and self.base is not None:
            q = api.matmul(self.base, q)
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        """Stores q's orthogonalization as `base` and returns -I (with the trivialization)."""
        with no_grad():
            if tuple(q.shape) != tuple(self.shape):
                raise DualgradValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                         f"Got a tensor of shape {q.shape}. {user_line()}")
            q_init = q
            n, k = q.shape[-2], q.shape[-1]
            if n < k:
                q, n, k = q.mT, k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise DualgradNotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        f"parametrizations when use_trivialization=False. {user_line()}")
                raise DualgradNotImplementedError(_NO_GEQRF)
            if n == k:
                q = q.clone() if _is_orthogonal(q) else _make_orthogonal(q)
            else:
                noise = randn(*q.shape[:-2], n, n - k, dtype=q.dtype, device=q.device)
                q = _make_orthogonal(api.cat([q, noise], dim=-1))
            self.base = q
            identity = eye(q_init.shape[-2], q_init.shape[-1], dtype=q_init.dtype, device=q_init.device)
            return api.sub(api.mul(q_init, 0), identity)


_NO_GEQRF = ("orthogonal: the Householder map with use_trivialization=False needs torch.geqrf, which "
             "dualgrad does not have; keep use_trivialization=True or pick orthogonal_map='matrix_exp' or "
             "'cayley'")


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Parametrizes `name` as an orthogonal matrix (torch.nn.utils.parametrizations.orthogonal)."""
    weight = parametrize._named_tensor(module, name)
    if weight.ndim < 2:
        raise DualgradValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} "
                                 f"dimensions. {user_line()}")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None) if isinstance(orthogonal_map, str) else None
    if orth_enum is None:
        raise DualgradValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                                 f"Got: {orthogonal_map} {user_line()}")
    if weight.is_complex():
        raise DualgradNotImplementedError(f"orthogonal: complex weights are not supported {user_line()}")
    if orth_enum == _OrthMaps.householder and not use_trivialization:
        raise DualgradNotImplementedError(f"{_NO_GEQRF} {user_line()}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
