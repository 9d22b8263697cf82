"""Every public function of two or three tensors (dg, dg.nn.functional, dg.special, dg.linalg)
gives, for float32 operands beside float64 ones, exactly what it gives for all of them widened
to float64: a result in float64 must have float64's digits. `addcmul(float64, float32, float32)`
multiplied in float32 (1/3 * 3 read 1.0 for 1.0000000298); `trapezoid`'s spacings,
`cosine_similarity`'s norm, `kl_div`, `poisson_nll_loss`, `gaussian_nll_loss`, the triplet and
multilabel soft-margin losses computed parts in float32 (PyTorch 2.13 too, for some), and
`F.linear` took a float64 bias beside a float32 product (PyTorch refuses it; now refused). The
oracle is the function itself fed operands widened by numpy first, so each new function is held
to it without being listed."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import dualgrad as dg

# state-changing, random or file functions: not functions of their operands' values
NOT_PURE = {"manual_seed", "set_default_dtype", "set_default_device", "set_printoptions", "save", "load",
            "set_lazy_enabled", "use_deterministic_algorithms", "set_rng_state", "compile", "from_dlpack",
            "gumbel_softmax"}  # (its noise is drawn in the logits' dtype, as PyTorch's; tau is a number)
RNG = np.random.default_rng(0)
A64 = RNG.uniform(0.1, 2.0, (3, 3))
B32 = RNG.uniform(0.1, 2.0, (3, 3)).astype(np.float32)


def _public_functions() -> list:
    """dg's, dg.nn.functional's, dg.special's and dg.linalg's functions, each once."""
    seen, found = set(), []
    for module in (dg, dg.nn.functional, dg.special, dg.linalg):
        for name in sorted(dir(module)):
            fn = getattr(module, name)
            if name.startswith("_") or name in NOT_PURE or not inspect.isroutine(fn) or id(fn) in seen:
                continue
            seen.add(id(fn))
            found.append(fn)
    return found


def _call(fn, operands: list):
    dg.manual_seed(0)  # (a random function draws the same numbers both times)
    try:
        out = fn(*(dg.tensor(x) for x in operands))
        return out.numpy() if isinstance(out, dg.Tensor) else None
    except Exception:  # noqa: BLE001 - a function that does not take these tensors is not this test's
        return None


@pytest.mark.cpu_only
@pytest.mark.parametrize("arity,narrow", [(2, {0}), (2, {1}), (3, {0}), (3, {1}), (3, {2}), (3, {1, 2}),
                                          (3, {0, 1}), (3, {0, 2})])
def test_float64_results_have_float64_digits(arity, narrow) -> None:
    """The operands at `narrow` float32, the others float64, against all float64."""
    mixed_operands = [B32 if k in narrow else A64 for k in range(arity)]
    wide_operands = [x.astype(np.float64) for x in mixed_operands]
    checked, lost = 0, []
    for fn in _public_functions():
        mixed, promoted = _call(fn, mixed_operands), _call(fn, wide_operands)
        if mixed is None or promoted is None or mixed.dtype != np.float64 or promoted.dtype != np.float64:
            continue
        checked += 1
        if mixed.shape != promoted.shape or not np.array_equal(mixed, promoted, equal_nan=True):
            lost.append(f"{fn.__module__}.{fn.__name__}")
    assert lost == []
    assert checked >= (35 if arity == 2 else 5)  # (the sweep reaches the functions it is meant for)
