"""Samples of torch.special's scaled, Bessel and polynomial functions and the float-bit functions
(ops.special_scaled, ops.special_bessel, ops.float_bits), merged into `samples.OPS` by the package."""
from __future__ import annotations

from .samples import FLOAT, INDEX, Samples, _s

POLYNOMIALS = ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
               "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
               "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p")
# one case each: every sample shape compiles its own jax programs in each registry-wide test
# (jax's gammainc and zeta are large ones); these are elementwise, and the registry's generic
# tests draw broadcast and 0-d shapes for elementwise ops on the numpy kernels
_UNARY = (_s((2, 3)),)
_BINARY = (_s((2, 3), (3,)),)

OPS: dict[str, Samples] = {
    **{name: Samples(_UNARY, broadcast=True) for name in ("entr", "erfcx", "log_ndtr", "ndtri")},
    # exp(-|x|) scaling: a kink at 0 (in the slope for i0e, in the second derivative for i1e)
    **{name: Samples(_UNARY, broadcast=True, avoid=(0.0,)) for name in ("i0e", "i1e")},
    **{name: Samples(_BINARY, broadcast=True) for name in ("gammainc", "gammaincc", "zeta")},
    **{name: Samples(_UNARY, broadcast=True) for name in (
        "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
        "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai",
        "airy_ai_prime")},
    # frexp's mantissa jumps where |x| crosses a power of 2: drawn values keep away from them
    **{name: Samples(_UNARY, broadcast=True, avoid=(0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0))
       for name in ("frexp_mantissa", "frexp_exponent")},
    # nextafter: no gradient in other (PyTorch's zeros), x == other is where it is the identity
    "nextafter": Samples(_BINARY, broadcast=True, interleave=True),
    # the polynomials of (x, n): n an int64 degree in [0, 6)
    **{name: Samples((_s((2, 3), (3,), kinds=(FLOAT, INDEX)), _s((4,), (), kinds=(FLOAT, INDEX))))
       for name in POLYNOMIALS},
}
