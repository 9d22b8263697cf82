"""`expr`: a recorded computation as a sympy expression, by running each op's sympy form.

Three modes, tried in order of readability:
- *elementwise*: every op is elementwise, so every input is one scalar symbol and the result is
  a scalar formula (`x*sin(x)`), whatever the arrays' shapes;
- *index*: inputs are `IndexedBase`s (size-1 inputs plain symbols, unknown sizes symbols
  `N`, `M`, ...) and reductions/matmul become `Sum`s with their true bounds;
- *concrete*: forms that need concrete indices (advanced indexing, a max over elements) get
  them: unknown sizes become small numbers and sums are written out term by term.
"""
from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ops.registry import holds_text
from ..ops.symarray import (
    SymArray,
    SymbolicUnsupported,
    apply_form,
    as_symarray,
    as_sympy,
    expanded_sums,
)
from . import program as P
from .budget import Budget, DepthExceeded, check_depth
from .canonical import tidy, tidy_indices
from .materialize import materialize
from .sizes import sizes_of
from .sympy_fixes import sym

DIM_NAMES = ("N", "M", "K", "L")
FREE_NAMES = ("j", "k", "l", "m", "n", "o")
CONCRETE_SIZE = 3
EXPAND_LIMIT = 512
DERIVATIVE_LEVELS = 16  # how much deeper than y's expression its derivatives may nest


def dim_symbol(axis: int, taken=frozenset()):
    """The size symbol of an unknown dimension: `N`, `M`, ..., skipping names of inputs
    (`taken`), and an integer symbol, so it never equals a (real) input's symbol."""
    return sym().Symbol(_nth_free(DIM_NAMES, "N", axis, taken), integer=True, positive=True)


def index_symbol(k: int, taken=frozenset()):
    """The k-th free index `j`, `k`, ..., skipping names of inputs (`taken`)."""
    return sym().Symbol(_nth_free(FREE_NAMES, "j", k, taken), integer=True, nonnegative=True)


def _nth_free(names: Sequence[str], stem: str, n: int, taken) -> str:
    """The n-th name of `names`, then `stem4`, `stem5`, ..., leaving out names in `taken`."""
    seen = 0
    for candidate in itertools.chain(names, (f"{stem}{i}" for i in itertools.count(len(names)))):
        if candidate not in taken:
            if seen == n:
                return candidate
            seen += 1
    raise AssertionError("unreachable: the candidates are endless")


def number(v):
    """A scalar constant as a sympy number, built by construction from the number (see
    `as_sympy`): a well-known constant exactly (`sqrt(2)/2`), a whole number as an Integer,
    else a Float that prints as its shortest decimal (float32 0.2 -> `0.2`), or inside
    `exact_numbers()` (the proofs of `check`) that decimal as a Rational (1/5). A value that
    is not a number is a TypeError."""
    arr = np.asarray(v)
    if arr.size != 1 or arr.dtype.kind not in "biufc":
        raise TypeError(f"symbolic: a constant of dtype {arr.dtype} is not a number")
    return as_sympy(arr.reshape(())[()])


@dataclass
class Leaf:
    """The symbol of one named input: a scalar Symbol, or an IndexedBase over its non-unit dims."""

    name: str
    shape: tuple            # full shape, unknown dims as symbols
    base: object            # sympy Symbol or IndexedBase
    kept: tuple             # axes with size != 1 (the IndexedBase's axes)
    value: object = None    # numeric value when known (constants, eager leaves)
    constant: bool = False
    taken: frozenset = frozenset()  # every input name of the program (index names avoid them)

    @property
    def scalar(self) -> bool:
        return not self.kept

    def element(self, idx: Sequence):
        if not self.kept:
            return self.base
        sub = tuple(idx[a] for a in self.kept)
        return self.base[sub if len(sub) > 1 else sub[0]]

    def array(self) -> SymArray:
        return SymArray(self.shape, lambda *idx: self.element(idx))

    @property
    def index_shape(self) -> tuple:
        return tuple(self.shape[a] for a in self.kept)


@dataclass
class Symbolized:
    """A program evaluated with symbolic values: one SymArray (or tuple of them) per step."""

    program: P.Program
    mode: str
    values: list
    leaves: dict = field(default_factory=dict)     # step index -> Leaf
    constants: dict = field(default_factory=dict)  # name -> numeric value of constant symbols
    sizes: dict = field(default_factory=dict)      # dim symbol -> concrete size (concrete mode)
    notes: list = field(default_factory=list)
    root_expr: object = None
    operands: dict = field(default_factory=dict)   # step index -> the values its op was given
    taken: frozenset = frozenset()  # every input/constant name: size, index and generated
    #                                 constant names avoid them, so no two symbols share a name

    def value(self, ref):
        if isinstance(ref, P.Raw):
            return ref.value
        k, o = ref
        v = self.values[k]
        return v[o] if isinstance(v, tuple) else v

    @property
    def root(self) -> SymArray:
        return self.value(self.program.root)

    def leaf(self, x) -> Leaf:
        k = self.program.leaf_of(x)
        if k not in self.leaves:
            raise SymbolicUnsupported(f"{self.program.steps[k].name} is a constant here")
        return self.leaves[k]

    def dims(self) -> dict:
        """Every unknown-size symbol, with the concrete size to use for numbers."""
        out = dict(self.sizes)
        for leaf in self.leaves.values():
            for d in leaf.shape:
                if not isinstance(d, int):
                    out.setdefault(d, CONCRETE_SIZE)
        return out


def elementwise_program(program: P.Program) -> bool:
    for s in program.steps:
        if s.kind == P.OP and not s.op.elementwise:
            return False
        if s.kind == P.FUNCTION and not getattr(s.function, "elementwise", False) \
                and getattr(s.function, "sympy", None) is not None:
            return False
    return True


def symbolize(program: P.Program, mode: str, budget: Budget | None = None) -> Symbolized:
    """Run every step's sympy form in the given mode."""
    budget = budget or Budget()
    result = Symbolized(program, mode, [None] * len(program.steps),
                        taken=frozenset(s.name for s in program.steps if s.name is not None))
    counter = [0]
    for k, step in enumerate(program.steps):
        budget.check()
        if step.kind in (P.LEAF, P.CONST):
            result.values[k] = _input_array(result, k, step, counter)
        elif step.kind == P.OP:
            args = result.operands[k] = [_operand(result, ref, counter) for ref in step.inputs]
            result.values[k] = materialize(apply_form(step.op, args, step.attrs))
        else:
            args = result.operands[k] = [_operand(result, r, counter) for r in step.inputs]
            out = _function_form(result, step, args)
            result.values[k] = tuple(map(materialize, out)) if isinstance(out, tuple) else materialize(out)
    return result


def _shape(step: P.Step, mode: str, result: Symbolized) -> tuple:
    shape = []
    for axis, d in enumerate(step.shape or ()):
        if d is None:
            s = dim_symbol(axis, result.taken)
            if mode == "concrete":  # the size the graph's shapes force (symbolic/sizes.py)
                d = result.sizes[s] = sizes_of(result.program).get(axis, CONCRETE_SIZE)
            else:
                d = s
        shape.append(d)
    return tuple(shape)


def _input_array(result: Symbolized, k: int, step: P.Step, counter) -> SymArray:
    sp = sym()
    value = step.value
    if step.kind == P.CONST:
        if value is None:
            raise SymbolicUnsupported(f"constant {step.name} has no value")
        return _constant(result, value, step.name, counter)
    shape = _shape(step, result.mode, result)
    if result.mode == "elementwise":
        leaf = Leaf(step.name, (), sp.Symbol(step.name, real=True), (), value, taken=result.taken)
        result.leaves[k] = leaf
        return SymArray((), lambda: leaf.base)
    kept = tuple(a for a, d in enumerate(shape) if d != 1)
    base = sp.Symbol(step.name, real=True) if not kept else \
        sp.IndexedBase(step.name, real=True)
    leaf = Leaf(step.name, shape, base, kept, value, taken=result.taken)
    result.leaves[k] = leaf
    return leaf.array()


def _constant(result: Symbolized, value, name, counter) -> SymArray:
    """Size-1 constants are inlined; float arrays become named symbols; bool/int arrays are
    tables read at concrete indices."""
    sp = sym()
    arr = np.asarray(value)
    if arr.size == 1:
        n = number(arr)
        return SymArray(arr.shape, lambda *idx: n)
    if arr.dtype.kind not in "fc":
        return as_symarray(arr)
    if name is None or name in result.constants:
        while f"c{counter[0]}" in result.constants or f"c{counter[0]}" in result.taken:
            counter[0] += 1
        name = f"c{counter[0]}"
    result.constants[name] = arr
    if result.mode == "elementwise":
        s = sp.Symbol(name, real=True)
        return SymArray((), lambda: s)
    kept = tuple(a for a, d in enumerate(arr.shape) if d != 1)
    leaf = Leaf(name, arr.shape, sp.IndexedBase(name, real=True), kept, arr, constant=True,
                taken=result.taken)
    return leaf.array()


def _operand(result: Symbolized, ref, counter):
    if isinstance(ref, P.Raw):
        v = ref.value
        if holds_text(v):  # refused when the op was called; a graph built otherwise stops here
            raise TypeError(f"symbolic: an operand of step {ref} is text, not a number")
        if isinstance(v, (int, float, bool, np.number, np.ndarray)) or hasattr(v, "__array__"):
            return _constant(result, v, None, counter)
        return v
    return result.value(ref)


def _function_form(result: Symbolized, step: P.Step, args: list):
    """A custom autograd.Function: its declared `sympy(*arrays)` form, else an opaque sympy
    function of scalar inputs (`Square(x)`), differentiable only numerically."""
    sp = sym()
    cls = step.function
    form = getattr(cls, "sympy", None)
    if form is not None:
        out = form(*args)
        if isinstance(out, (tuple, list)):
            return tuple(_as_array(o) for o in out)
        return _as_array(out)
    name = cls.__name__ if cls is not None else "F"
    scalars = []
    for a in args:
        if isinstance(a, SymArray):
            if any(d != 1 for d in a.shape):
                raise SymbolicUnsupported(f"custom Function {name} has no sympy form and array "
                                          "inputs; declare a staticmethod `sympy(*arrays)`")
            scalars.append(a.scalar())
    if step.num_outputs == 1:
        f = sp.Function(name)(*scalars)
        return SymArray((), lambda: f)
    return tuple(_as_array(sp.Function(f"{name}_{i}")(*scalars)) for i in range(step.num_outputs))


def _as_array(value) -> SymArray:
    """A user form may return a SymArray or a plain sympy scalar."""
    if isinstance(value, SymArray):
        return value
    return SymArray((), lambda: value)


def symbolized(program: P.Program, budget: Budget | None = None, mode: str | None = None) -> Symbolized:
    """The most readable mode that works within the budget (see the module docstring)."""
    budget = budget or Budget()
    modes = [mode] if mode else \
        (["elementwise"] if elementwise_program(program) else []) + ["index", "concrete"]
    notes, last = [], None
    for m in modes:
        try:
            with budget.limit():
                s = _symbolize_root(program, m, budget)
            s.notes = notes + s.notes
            return s
        except DepthExceeded:
            raise
        except SymbolicUnsupported as e:
            if last is not None and str(e) == str(last):
                notes[-1] = notes[-1].replace(" form unavailable", f" and {m} forms unavailable", 1)
            else:
                notes.append(f"{m} form unavailable ({e})")
            last = e
        except RecursionError as e:
            if isinstance(e, DepthExceeded):
                raise
            raise DepthExceeded(
                f"the expression nests too deeply for sympy ({program.describe()} in a chain, "
                f"recursion limit {sys.getrecursionlimit()}); compare numbers instead "
                "(symbolic.check does)") from None
    raise SymbolicUnsupported("; ".join(notes) or str(last))


def _symbolize_root(program: P.Program, m: str, budget: Budget) -> Symbolized:
    s = symbolize(program, m, budget)
    # no reset of index names here: the VJP rules build sums over the forward values, and an
    # index reused inside them would capture the forward's (printing renames them anyway)
    s.root_expr = root_element(s, s.root)  # unsupported forms raise here
    # refuse what `str()` could not print, leaving room for a derivative's few extra levels
    check_depth(s.root_expr, f"symbolic ({program.describe()})", DERIVATIVE_LEVELS)
    if m == "index":
        s.root_expr = tidy(s.root_expr)
    return s


def root_element(s: Symbolized, array: SymArray):
    """The sympy value of an array: a scalar, the element at free indices `j, k, ...`, or (in
    concrete mode) a sympy Array of every element."""
    sp = sym()
    if s.mode == "concrete":
        with expanded_sums(EXPAND_LIMIT):
            if all(d == 1 for d in array.shape):
                return array.at(*([0] * array.ndim))
            kept = [d for d in array.shape if d != 1]
            entries = [array.at(*idx) for idx in np.ndindex(*array.shape)]
        return sp.ImmutableDenseNDimArray(entries, kept)
    if s.mode == "elementwise" or all(d == 1 for d in array.shape):
        return array.at(*([0] * array.ndim))
    idx, n = [], 0
    for d in array.shape:
        if d == 1:
            idx.append(0)
        else:
            idx.append(index_symbol(n, s.taken))
            n += 1
    return array.at(*idx)


def expr(t, *, budget: float | None = None) -> Any:
    """The sympy expression of `t`'s recorded computation (eager) or graph (static).

    Inputs are named by their `name` (unnamed eager leaves get `t0`, `t1`, ... and keep it);
    a non-scalar result is its element at free indices `j, k, ...` (a sympy Array when only
    concrete indices work)."""
    return tidy_indices(symbolized(P.build(t), Budget(budget)).root_expr)
