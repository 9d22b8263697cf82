"""Every public function of two tensors gives, for a float64 and a float32 operand, exactly what
it gives for the float64 one and the float32 one widened to float64: a result in float64 must
have float64's digits. `addcmul(float64, float32, float32)` multiplied in float32 (1/3 * 3 read
1.0 for 1.0000000298), `trapezoid`'s spacings and `cosine_similarity`'s norm of the float32
operand too (PyTorch 2.13 keeps the last two in float32). The oracle is the function itself fed
operands promoted by numpy first, so each new function is held to it without being listed."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import dualgrad as dg

# state-changing, random or file functions: not functions of their operands' values
NOT_PURE = {"manual_seed", "set_default_dtype", "set_default_device", "set_printoptions", "save", "load",
            "set_lazy_enabled", "use_deterministic_algorithms", "set_rng_state", "compile", "from_dlpack"}
RNG = np.random.default_rng(0)
A64 = RNG.uniform(0.1, 2.0, (3, 3))
B32 = RNG.uniform(0.1, 2.0, (3, 3)).astype(np.float32)


def _public_functions() -> list[str]:
    return sorted(n for n in dir(dg) if not n.startswith("_") and n not in NOT_PURE
                  and inspect.isroutine(getattr(dg, n)))


def _call(name: str, operands: list):
    dg.manual_seed(0)  # (a random function draws the same numbers both times)
    try:
        out = getattr(dg, name)(*(dg.tensor(x) for x in operands))
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
    for name in _public_functions():
        mixed, promoted = _call(name, mixed_operands), _call(name, wide_operands)
        if mixed is None or promoted is None or mixed.dtype != np.float64 or promoted.dtype != np.float64:
            continue
        checked += 1
        if mixed.shape != promoted.shape or not np.array_equal(mixed, promoted, equal_nan=True):
            lost.append(name)
    assert lost == []
    assert checked >= (35 if arity == 2 else 5)  # (the sweep reaches the functions it is meant for)
