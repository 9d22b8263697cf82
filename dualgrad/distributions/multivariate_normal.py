"""`MultivariateNormal(loc, covariance_matrix=None, precision_matrix=None, scale_tril=None)`,
PyTorch's torch.distributions.MultivariateNormal over registry ops: everything is read from the
lower Cholesky factor L (given, or `dg.linalg.cholesky` of the covariance, or PyTorch's flipped
factorisation of the precision), and solves go through `dg.linalg.solve_triangular`, so
gradients reach loc and the matrix."""
from __future__ import annotations

import math

import numpy as np

from ..eager.creation import eye
from ..eager.random_more import randn
from ..eager.tensor import Size, Tensor
from ..errors import DualgradValueError, user_line
from ..linalg import cholesky, solve_triangular
from . import constraints
from .distribution import Distribution

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """L with L L^T = P^-1: the Cholesky factor of P with its rows and columns reversed gives
    an upper factor of P whose inverse is lower (PyTorch's `_precision_to_scale_tril`)."""
    flipped = cholesky(precision.flip((-2, -1)))
    l_inv = flipped.flip((-2, -1)).mT
    identity = eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    return solve_triangular(l_inv, identity, upper=False)


def batch_mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 diff|^2 over the last dim, L broadcast against diff's batch dims."""
    n = diff.shape[-1]
    batch = tuple(np.broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(diff.shape[:-1])))
    rhs = diff.expand(*batch, n).unsqueeze(-1)
    solved = solve_triangular(scale_tril.expand(*batch, n, n), rhs, upper=False)
    return solved.squeeze(-1).pow(2).sum(-1)


def half_log_det(scale_tril: Tensor) -> Tensor:
    """log |det L| = sum log diag(L) (half the log-determinant of the covariance)."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of the last dim of `loc`, Sigma given by exactly one of
    covariance_matrix, precision_matrix and scale_tril; `rsample` is `loc + L eps`."""

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise DualgradValueError(f"loc must be at least one-dimensional. {user_line()}")
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                 "scale_tril": scale_tril}
        names = [name for name, value in given.items() if value is not None]
        if len(names) != 1:
            raise DualgradValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may "
                                     f"be specified. {user_line()}")
        name = names[0]
        matrix = given[name]
        if not isinstance(matrix, Tensor) or matrix.ndim < 2:
            raise DualgradValueError(f"{name} must be at least two-dimensional, with optional leading batch "
                                     f"dimensions {user_line()}")
        batch_shape = tuple(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        self._given = ("loc", name)
        self._unbroadcasted = matrix
        setattr(self, name, matrix.expand(*batch_shape, -1, -1))
        self.loc = loc.expand(*batch_shape, -1)
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        self._set_up(Size(batch_shape))  # (after validation: a Cholesky of a bad matrix would raise first)

    def _set_up(self, batch_shape: Size) -> None:
        name = self._given[1]
        matrix = self.__dict__.pop("_unbroadcasted", None)
        matrix = getattr(self, name) if matrix is None else matrix
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _matrix_shape(self) -> tuple:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

    def __getattr__(self, name: str):
        if name not in _MATRICES or "_unbroadcasted_scale_tril" not in self.__dict__:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        tril = self._unbroadcasted_scale_tril
        if name == "scale_tril":
            return tril.expand(*self._matrix_shape())
        if name == "covariance_matrix":
            return (tril @ tril.mT).expand(*self._matrix_shape())
        identity = eye(tril.shape[-1], dtype=tril.dtype, device=tril.device)
        inverse = solve_triangular(tril, identity, upper=False)
        return (inverse.mT @ inverse).expand(*self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal: the squared rows of L summed."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*self._batch_shape, *self._event_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """`loc + L eps`, eps standard normal: gradients reach loc and L."""
        shape = self._extended_shape(sample_shape)
        eps = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(k log(2 pi) + |L^-1 (value - loc)|^2) / 2 - log |det L|."""
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + mahalanobis) - half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        """k (1 + log(2 pi)) / 2 + log |det L|."""
        k = self._event_shape[0]
        h = 0.5 * k * (1.0 + math.log(2 * math.pi)) + half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(*self._batch_shape) if len(self._batch_shape) else h
