"""The op registry: every differentiable operation is declared here once.

An `Op` carries its forward kernel (one function for numpy and jax.numpy), one VJP rule per
input written in registry ops, its sympy form, its shape/dtype rule and the input domain the
tests draw from. Calling an op dispatches on its arguments (HIPS autograd's `primitive`, JAX's
`bind` without trace levels): a front end that registered its tensor type builds its own kind
of value (an eager tensor with a node, a static graph node, a symbolic array); plain arrays and
Python numbers run the kernel directly. What an operand may be, and the errors naming the op,
live in `operands`; `Spec` in `spec` (both re-exported here).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import backend as _backend
from ..backend import namespace_of
from ..dtypes import from_numpy_dtype
from ..errors import REFUSED, DualgradError, refusal, user_frame
from . import reads as _reads
from .jit import is_tracer, run_jitted
from .operands import (  # noqa: F401 - re-exported: `from .registry import shape_error` etc.
    _FRONTENDS,
    _NUMBERS,
    _OPERAND_ADAPTERS,
    _PLAIN_ATTRS,
    _ndarray,
    _plain,
    dtype_error,
    holds_text,
    is_operand,
    mixing_error,
    operand_error,
    register_frontend,
    shape_error,
    text_operand_error,
)
from .promotion import as_computed, promote_args
from .spec import Spec

Rule = Callable[..., Any]

REGISTRY: dict[str, Op] = {}
_BY_UFUNC: dict[np.ufunc, Op] = {}  # numpy ufunc -> the op declared with it (`declare(..., ufunc=)`)
_BOOL = np.dtype(np.bool_)


class Op:
    """One registry entry. Call it like a function: `ops.multiply(a, b)`."""

    __slots__ = (
        "name", "kernel", "vjps", "vjp_each", "sympy", "elementwise", "shape_rule", "domain",
        "differentiable", "nin", "grad_name", "grad_names", "promotes", "floating", "saves_inputs",
        "saves_out", "doc", "check", "vjp_checks", "ufunc", "reads", "plans",
        "checks_all", "direct", "direct_arity", "weak",
    )

    def __init__(self, name, kernel, *, vjp, sympy, shape, domain, differentiable, nin,
                 grad_name, promotes, floating, elementwise, doc, saves_inputs, saves_out,
                 check=None, vjp_checks=False, ufunc=None, reads=None, kernel_is_ufunc=True, weak=()):
        self.name = name
        self.kernel = kernel
        self.vjps = vjp if isinstance(vjp, tuple) else None
        self.vjp_each = vjp if callable(vjp) else None
        self.sympy = sympy
        self.elementwise = elementwise
        self.shape_rule = shape
        self.domain = domain
        self.differentiable = differentiable
        self.nin = nin
        if callable(grad_name):  # the name depends on the call: `grad_name(arrays, attrs)`
            self.grad_name, self.grad_names = name.title().replace("_", ""), grad_name
        else:
            self.grad_name, self.grad_names = grad_name, None
        self.promotes = promotes
        self.floating = floating
        self.saves_inputs = saves_inputs
        self.saves_out = saves_out
        self.reads = reads  # per input: (positions, reads out) its rule reads; None: all saved
        # bit mask of the inputs whose gradient is not needed -> (inputs, output) to save;
        # `checks_all`: no `reads`, so every tensor input's version is checked when any is read
        self.plans = None if reads is None else _reads.table(reads)
        self.checks_all = saves_inputs and reads is None
        self.doc = doc
        # a jitted jax kernel cannot raise: `check` flags bad results (a singular matrix) for
        # the front ends to raise on; `vjp_checks`: the VJP rules call checked ops, so they
        # run op by op on jax rather than as one fused program
        self.check = check
        self.vjp_checks = vjp_checks
        self.ufunc = ufunc  # the numpy ufunc the kernel is, or None (see `declare`)
        # what the numpy fast paths (`bind`, `__call__` below) call on float arrays of one dtype
        # and Python numbers: the ufunc itself, without the kernel's Python frame (~0.1 us of a
        # 0.3 us call on small arrays), where the kernel is nothing but it
        self.direct = ufunc if kernel_is_ufunc else None
        # its operand count: a ufunc takes one more positional array as its `out`, so a call
        # with another count goes to the kernel, which refuses it (`dg.exp(x, t)` wrote into t)
        self.direct_arity = ufunc.nin if self.direct is not None else -1
        self.weak = weak  # inputs promotion reads as Python numbers (see `declare`)

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __call__(self, *args, **attrs):
        if _backend._jnp is None:  # a VJP rule in a plain backward: the hot path
            common = None  # numpy arrays of one float dtype and Python numbers need no checks
            masks = False  # bool arrays besides them: no checks either where nothing promotes
            for a in args:  # (relu's gradient: `where_grad(out <= 0, g, out)`)
                kind = type(a)
                if kind is _ndarray:
                    dt = a.dtype
                    if dt is _BOOL:
                        masks = True
                    elif common is None:
                        common = dt
                    elif dt is not common:
                        break
                elif kind is not float and kind is not int:
                    break
            else:
                if common is not None and common.kind == "f" and (not attrs or _plain(attrs)) \
                        and not (masks and (self.promotes or self.floating)):
                    try:
                        if attrs:
                            return self.kernel(np, *args, **attrs)
                        direct = self.direct
                        if direct is not None and len(args) == self.direct_arity:
                            return direct(*args)
                        return self.kernel(np, *args)
                    except DualgradError:
                        raise
                    except (*REFUSED, MemoryError) as e:
                        raise refusal(self.name, args, e) from None
        frontend = None
        for a in args:
            bind = _FRONTENDS.get(type(a))
            if bind is None:
                if type(a) is np.ndarray and a.dtype.kind in "biuf":  # VJP rules on arrays: the hot path
                    continue
                if type(a) not in _NUMBERS:
                    if holds_text(a):
                        raise text_operand_error(self, a)
                    if not is_operand(a):
                        adapt = _OPERAND_ADAPTERS.get(type(a))
                        if adapt is None:
                            raise operand_error(self, a)
                        return self(*(adapt(v) if type(v) is type(a) else v for v in args), **attrs)
                elif type(a) is complex:
                    raise operand_error(self, a)
            elif bind is not frontend:
                if frontend is not None:
                    raise mixing_error(self, args)
                frontend = bind
        if attrs:
            for v in attrs.values():  # (most attrs are numbers, None or tuples of ints)
                if type(v) not in _PLAIN_ATTRS and holds_text(v):
                    raise text_operand_error(self, v)
        try:
            if frontend is not None:
                return frontend(self, args, attrs)
            # plain arrays (e.g. a VJP rule inside a plain backward): `compute`, inlined
            if _backend._jnp is None:
                if self.promotes or self.floating:
                    args = promote_args(np, args, self.floating, self.weak)
                return self.kernel(np, *args, **attrs)
            return self.compute(args, attrs)
        except DualgradError:
            raise
        except (*REFUSED, MemoryError) as e:  # numpy/jax/Python's words, as our error of its type
            raise refusal(self.name, args, e) from None

    # -- the three things every front end asks of an op ---------------------------------
    def compute(self, args: Sequence, attrs: dict):
        """Run the kernel on arrays/scalars, with PyTorch's dtype promotion."""
        xp = np if _backend._jnp is None else namespace_of(*args)  # no jax loaded: numpy
        if xp is not np:
            return self.compute_jax(args, attrs)
        return self.run_kernel(xp, args, attrs)

    def compute_jax(self, args: Sequence, attrs: dict):
        """`compute` on jax arrays: the kernel jitted once per (op, attrs), then the op's
        `check` on the concrete result (a jitted kernel cannot raise itself)."""
        out = run_jitted(self, args, attrs)
        if out is NotImplemented:  # index arrays, a scalar that keeps changing
            out = self.run_kernel(_backend._jnp, [_backend.host_snapshot(a) for a in args], attrs)
        if self.check is not None:
            self.verify(out, args, user_frame, attrs)
        return out

    def verify(self, out, args: Sequence, where: Callable[[], str], attrs: dict | None = None) -> None:
        """Raise the op's `check` error on a concrete jax result (numpy kernels raise
        themselves; inside an outer trace there is nothing concrete to look at)."""
        if not is_tracer(out):
            self.check.verify(self.name, out, args, where, attrs or {})

    def run_kernel(self, xp, args: Sequence, attrs: dict):
        """The kernel itself (no jit), after PyTorch's dtype promotion; jax kernels run with
        jax's 64-bit types on for this call only (`backend.x64`)."""
        if xp is not np:
            with _backend.x64():
                return self._promoted_kernel(xp, args, attrs)
        return self._promoted_kernel(xp, args, attrs)

    def _promoted_kernel(self, xp, args: Sequence, attrs: dict):
        if self.promotes or self.floating:
            args = promote_args(xp, args, self.floating, self.weak)
        return self.kernel(xp, *args, **attrs)

    def vjp(self, needed: Sequence, g, out, inputs: Sequence, attrs: dict, promote: bool = True) -> list:
        """The one way every walker runs an op's rules: the VJP of each input that `needed`
        asks for (None for the others), built with registry ops on whatever values it is
        given (arrays, eager or graph tensors, SymArrays, jax tracers), read as the kernel
        computed with them (`rule_inputs`). The eager node, which `bind` marked when its
        kernel promoted, passes `promote` False for the others (the backward's hot path)."""
        if promote and (self.promotes or self.floating):
            inputs = as_computed(inputs, self.floating, self.weak, _cast_value)
        vjps = self.vjps
        result = []
        i = 0
        for need in needed:  # (a plain loop: cheaper than a comprehension for one or two inputs)
            if not need:
                result.append(None)
            elif vjps is None:
                result.append(self.vjp_each(i, g, out, *inputs, **attrs))
            else:
                rule = vjps[i]
                if rule is None:
                    result.append(None)
                elif attrs:
                    result.append(rule(g, out, *inputs, **attrs))
                else:  # (no empty ** to unpack: most calls)
                    result.append(rule(g, out, *inputs))
            i += 1
        return result

    def rule_inputs(self, inputs: Sequence) -> Sequence:
        """`inputs` as the kernel computed with them, for the VJP rules: an op that promotes
        its arguments (int8 and float64, float16 and float32) has rules read them promoted
        too, or atan2(int8 y, x)'s `y * y` wraps (`promotion.as_computed`); a front end's
        tensor is converted with a `cast` op. `vjp` applies it; the eager node's inlined
        rules call it themselves."""
        if not (self.promotes or self.floating):
            return inputs
        return as_computed(inputs, self.floating, self.weak, _cast_value)

    def reads_of(self, index: int) -> tuple[frozenset | None, bool]:
        """(the input positions, None for all, and whether the output) input `index`'s rule
        may read the values of."""
        if self.reads is not None:
            return self.reads[index]
        return (None if self.saves_inputs else frozenset()), self.saves_out

    def infer(self, specs: Sequence[Spec], attrs: dict) -> Spec:
        """Output shape and dtype; raises a ShapeError/DTypeError naming the op and shapes.
        The `weak` inputs lend their shape only (promotion passes them by, see `declare`)."""
        if self.weak:
            specs = [Spec(s.shape, None, True) if i in self.weak else s for i, s in enumerate(specs)]
        return self.shape_rule(self, *specs, **attrs)

    def input_differentiable(self, index: int) -> bool:
        if not self.differentiable:
            return False
        return self.vjp_each is not None or (index < len(self.vjps) and self.vjps[index] is not None)


def promoted(*operands, floating: bool = False) -> list:
    """A composite's float operands in their PyTorch result dtype before its math, as one
    kernel promotes its arguments: `xlogy(float64, int8)` took log of the int8 y in float32
    (the default float) and `cross_entropy(int8 logits, float64 target)` a float32
    log_softmax, both returning float64 numbers with float32's digits. None passes as is."""
    present = [x for x in operands if x is not None]
    cast = iter(as_computed(present, floating, (), _cast_value))
    return [None if x is None else next(cast) for x in operands]


def _cast_value(value, dtype: np.dtype):
    """A front end's tensor (eager, graph, traced) converted by the registry's `cast` op."""
    return REGISTRY["cast"](value, dtype=from_numpy_dtype(dtype))


class _OpDoc:
    """`Op.__doc__` is the class's text; `ops.exp.__doc__` (so `help(dg.exp)`) is that op's `doc`."""

    def __init__(self, text: str):
        self.text = text

    def __get__(self, op, cls=None):
        return self.text if op is None else op.doc or None


Op.__doc__ = _OpDoc(Op.__doc__)


def declare(name: str, kernel: Callable, *, vjp=(), sympy=None, shape, domain=None,
            differentiable: bool = True, nin: int | None = 1, grad_name: str | Callable | None = None,
            promotes: bool = False, floating: bool = False, elementwise: bool = False,
            saves_inputs: bool = True, saves_out: bool = False, doc: str = "", check=None,
            vjp_checks: bool = False, ufunc: np.ufunc | None = None, reads: Sequence | None = None,
            kernel_is_ufunc: bool = True, weak: tuple[int, ...] = ()) -> Op:
    """Add an op to the registry and return it (so modules can bind it to a name).

    `saves_inputs`/`saves_out` say whether the VJP reads the input values / the output: only
    then does an in-place change of them make a later backward raise. `reads` says it per
    input (`reads=((1,), (0,))`: x's rule reads y, y's reads x; "out" for the output; see
    `ops.reads`), and then sets both flags. `grad_name` is the stem
    of the eager `grad_fn` class (`"Mul"` -> `MulBackward0`), a whole name (`"ClampBackward1"`),
    or a function of (arrays, attrs) giving the whole name where PyTorch's depends on the call
    (`x[0]` is `SelectBackward0`, `x[1:]` `SliceBackward0`). `check` (an object with
    `flags(xp, out, *inputs)` and `verify(name, out, inputs, where)`, as
    linalg_solve.SingularCheck) finds errors a jitted jax kernel cannot raise; `vjp_checks`
    says the VJP rules call such checked ops. `ufunc` is the numpy ufunc the kernel is, on its
    arguments as given (`kernel = lambda xp, x, y: xp.subtract(x, y)`: `ufunc=np.subtract`);
    only ufuncs whose float loops return their inputs' float dtype, so writing the result into
    a float operand (`out=`, eager in-place updates) casts nothing. The registry test checks
    the kernel against it bit for bit. The numpy fast paths call the ufunc instead of the
    kernel on float arrays of one dtype and Python numbers; `kernel_is_ufunc=False` says the
    kernel does more there (power: a one-element 0.5 exponent runs C's pow, not numpy's sqrt).
    `weak` lists the inputs that promotion reads as it reads Python numbers, whatever they
    are (an array, a graph value): they never decide the result dtype and are never cast, so
    the kernel sees them as given (an optimizer update's learning rate: the step is in the
    parameter's dtype, and a float64 lr keeps its digits for the step size)."""
    if name in REGISTRY:
        raise DualgradError(f"op {name!r} is declared twice")
    if ufunc is not None and not keeps_float(ufunc):
        raise DualgradError(f"op {name!r}: ufunc {ufunc.__name__} does not keep its operands' float dtype")
    if reads is not None:
        reads = _reads.normalize(name, reads, nin)
        saves_inputs, saves_out = _reads.derived_flags(reads)
    op = Op(name, kernel, vjp=vjp, sympy=sympy, shape=shape, domain=domain,
            differentiable=differentiable, nin=nin,
            grad_name=grad_name or name.title().replace("_", ""), promotes=promotes,
            floating=floating, elementwise=elementwise, doc=doc, saves_inputs=saves_inputs,
            saves_out=saves_out, check=check, vjp_checks=vjp_checks, ufunc=ufunc,
            reads=reads, kernel_is_ufunc=kernel_is_ufunc, weak=tuple(weak))
    REGISTRY[name] = op
    if ufunc is not None:
        _BY_UFUNC[ufunc] = op
    return op


def keeps_float(fn: np.ufunc) -> bool:
    """A one-output ufunc whose float loops (e.g. "ff->f") all return their inputs' dtype: not a
    comparison ("ff->?"), and no loop mixing types ("dm->m") among the float ones."""
    if not isinstance(fn, np.ufunc) or fn.nout != 1:
        return False
    loops = [t.split("->") for t in fn.types]
    return all(out == ins[0] for ins, out in loops if ins[0] in "efdg" and ins == ins[0] * len(ins))


def named_by_axis(whole: str, along: str) -> Callable[[Sequence, dict], str]:
    """A `grad_name` for ops PyTorch names by whether a dim was given (`x.sum()` is
    SumBackward0, `x.sum(0)` SumBackward1; `x.max()` MaxBackward1, `x.amax(0)` AmaxBackward0;
    `squeeze()` / `squeeze(0)`)."""
    return lambda arrays, attrs: whole if attrs.get("axis") is None else along


def array_ufunc(tensor, ufunc, method: str, *inputs, **kwargs):
    """`__array_ufunc__` for tensor types: numpy ufuncs on a tensor become registry ops, so
    `np.power(x, 2) * w` and `np.exp(t)` build graph ops (HIPS autograd's numpy boxes). An op
    declared with the ufunc answers first (`np.true_divide` is `divide`, `np.absolute` is
    `abs`); other ufuncs (comparisons, logical ops, isnan) go to the op of the same name.
    `array @ tensor` (np.matmul) is the tensor's own `@`, as Python would call it had numpy
    deferred (PyTorch's tensors, which numpy defers to, give a tensor there)."""
    if ufunc is np.matmul and method == "__call__" and not kwargs and len(inputs) == 2:
        a, b = inputs
        return b.__rmatmul__(a) if b is tensor else a.__matmul__(b)
    op = _BY_UFUNC.get(ufunc) or REGISTRY.get(ufunc.__name__)
    if method != "__call__" or kwargs or op is None or not op.elementwise:
        return NotImplemented
    return op(*inputs)
