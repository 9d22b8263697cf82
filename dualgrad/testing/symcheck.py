"""An op's sympy form against its kernel (the value) and against its VJP rule (`sympy.diff`).

Every float input becomes an array of real element symbols (`x0[i, j]`, Indexed so that the
`Sum`s of index notation expand onto them); the form is evaluated on those, expanded with
`.doit()`, and its value and derivatives are evaluated at the sample point. The form and the
VJP are written independently, so a wrong one of the two shows up here.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ops.symarray import as_sympy
from .asserts import assert_close
from .subjects import Subject, is_float_array

SYM_RTOL, SYM_ATOL = 1e-7, 1e-9


def element_array(index: int, shape: tuple):
    """A SymArray of real element symbols `x<index>[i, j, ...]` (a plain symbol when 0-d)."""
    import sympy

    from ..ops.symarray import SymArray

    if not shape:
        sym = sympy.Symbol(f"x{index}", real=True)
        return SymArray((), lambda: sym)
    base = sympy.IndexedBase(f"x{index}", real=True)
    return SymArray(shape, lambda *idx: base[idx])


def _number(expr):
    import sympy

    if isinstance(expr, (bool, np.bool_)) or expr in (sympy.true, sympy.false):
        return bool(expr)
    value = as_sympy(expr).evalf()
    if not value.is_number:
        raise AssertionError(f"sympy form did not evaluate to a number: {expr}")
    return complex(value).real


def symbolic_inputs(args: Sequence) -> tuple[list, dict]:
    """Element-symbol arrays for the float inputs (others stay numeric) and the values map."""
    import sympy

    sym_args, values = [], {}
    for i, a in enumerate(args):
        if not is_float_array(a):
            sym_args.append(a)
            continue
        arr = element_array(i, a.shape)
        sym_args.append(arr)
        for idx in np.ndindex(*a.shape):
            values[arr.at(*idx)] = sympy.Float(float(a[idx]), 30)
    return sym_args, values


def check_symbolic(subject: Subject, args: Sequence, attrs: dict, rng: np.random.Generator | None = None,
                   *, gradients: bool = True) -> bool:
    """The form's value equals the kernel's; with `gradients`, `sympy.diff` of the form equals
    the VJP for a random cotangent. Returns False when the subject has no sympy form."""
    import sympy

    sym_args, values = symbolic_inputs(args)
    form = subject.symbolic(sym_args, attrs)
    if form is None:
        return False
    expected = subject.forward(args, attrs)
    if tuple(form.shape) != expected.shape:
        raise AssertionError(f"{subject.name}: the sympy form has shape {tuple(form.shape)}, "
                             f"the kernel's result {expected.shape}")
    elements = [as_sympy(form.at(*idx)).doit() for idx in np.ndindex(*form.shape)]
    got = np.array([_number(e.xreplace(values)) for e in elements]).reshape(expected.shape)
    if expected.dtype.kind == "b":
        assert_close(got.astype(bool), expected, msg=f"{subject.name}: sympy form vs kernel")
    else:
        assert_close(got, expected.astype(np.float64), rtol=1e-6, atol=1e-9,
                     msg=f"{subject.name}: sympy form vs kernel")
    if not gradients or expected.dtype != np.float64:
        return True
    wanted = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and subject.differentiable(i, a)]
    if not wanted:
        return True
    rng = rng or np.random.default_rng(0)
    g = rng.standard_normal(expected.shape)
    loss = sum((sympy.Float(float(gk)) * e for gk, e in zip(g.reshape(-1), elements, strict=True)),
               sympy.Integer(0))
    grads = subject.vjp(args, attrs, g)
    for i in wanted:
        arr = sym_args[i]
        diffs = np.array([_number(sympy.diff(loss, arr.at(*idx)).xreplace(values))
                          for idx in np.ndindex(*args[i].shape)]).reshape(args[i].shape)
        assert_close(np.asarray(grads[i]), diffs, rtol=SYM_RTOL, atol=SYM_ATOL,
                     msg=f"{subject.name}: VJP of input {i} vs sympy.diff of the sympy form")
    return True


def check_symbolic_vjp(op, args: Sequence, attrs: dict, rng: np.random.Generator | None = None) -> bool:
    """The op's VJP rule, run on symbolic arrays (what `symbolic.ad_grad` and every non-numpy
    front end do), gives the same numbers as on numpy arrays. A rule that reaches for raw
    numpy, or for a registry op without a sympy form, fails here. Returns False when a form
    on the way needs concrete indices (`SymbolicUnsupported`, the documented fallback)."""
    import sympy

    from .. import ops
    from ..ops.symarray import SymbolicUnsupported, apply_form
    from .subjects import rule_vjp

    out = np.asarray(op.compute(list(args), attrs))
    if not op.differentiable or out.dtype != np.float64:
        return False
    rng = rng or np.random.default_rng(0)
    g = rng.standard_normal(out.shape)
    expected = rule_vjp(op, args, attrs, g)
    sym_args, values = symbolic_inputs(args)
    g_sym = element_array(len(args), out.shape)
    for idx in np.ndindex(*out.shape):
        values[g_sym.at(*idx)] = sympy.Float(float(g[idx]), 30)
    try:
        out_sym = apply_form(op, sym_args, attrs)
        sym_grads = op.vjp([want is not None for want in expected], g_sym, out_sym, sym_args, attrs)
        for i, (want, gi) in enumerate(zip(expected, sym_grads, strict=True)):
            if want is None:
                continue
            if tuple(gi.shape) != args[i].shape:
                gi = ops.sum_to_like(gi, sym_args[i])
            # (the values go in before `doit` too: a Max or Eq of numbers is a number, where
            # `doit` of the symbolic one grew large; the Sums that `doit` expands still need the
            # second pass for the elements they index)
            got = np.array([_number(as_sympy(gi.at(*idx)).xreplace(values).doit().xreplace(values))
                            for idx in np.ndindex(*args[i].shape)]).reshape(args[i].shape)
            assert_close(got, want, rtol=SYM_RTOL, atol=SYM_ATOL,
                         msg=f"{op.name}: VJP rule of input {i} on symbolic arrays vs on numpy arrays")
    except SymbolicUnsupported:
        return False
    except (TypeError, AttributeError, ValueError) as e:
        raise AssertionError(f"{op.name}: the VJP rule fails on symbolic arrays ({type(e).__name__}: {e}); "
                             "VJP rules must be written in registry ops") from e
    return True
