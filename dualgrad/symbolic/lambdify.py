"""`lambdify`: evaluate a closed form with numpy or jax (sympy's own lambdify underneath).

The returned function takes its inputs by name (or positionally, in `f.args` order). Arrays for
`IndexedBase` inputs may keep their size-1 axes (a `(N, 1)` placeholder value is fine for an
`x[i]` that dropped them), and unknown sizes (`N`) are read off the arrays' shapes.

Names never reach the generated code: sympy's lambdify writes Python source and `exec`s it, so
every symbol (inputs, sizes, summation indices) is first replaced by a generated name `_dg<n>`
and the user's names live only in the mapping from keyword to position. A leaf named `exp`,
`range`, `builtins` or `__import__('os')` is then just a key; no name can shadow a numpy or
builtin function, and no name is ever run as code.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import ops
from ..backend import x64
from ..ops.symarray import SymbolicUnsupported, as_sympy
from .budget import deep_call
from .expr import expr
from .special_names import special_names
from .sympy_fixes import double_repr, free_symbols, sym

_MODULES = {"numpy": "numpy", "np": "numpy", "jax": "jax"}
SAFE_PREFIX = "_dg"


class Lambdified:
    """A compiled closed form; call it with arrays/numbers, by name or position."""

    def __init__(self, expression, args: Sequence | None = None, backend: str = "numpy"):
        sp = sym()
        if backend not in _MODULES:
            raise ValueError(f"lambdify: backend must be 'numpy' or 'jax', got {backend!r}")
        self.expression = expression
        self.backend = backend
        self.is_array = isinstance(expression, sp.NDimArray)
        # an array's entries in C order (iterating a rank-2 sympy Array yields its rows)
        items = ([as_sympy(expression[i]) for i in np.ndindex(*expression.shape)] if self.is_array
                 else [as_sympy(expression)])
        _refuse_undefined_functions(items)
        atoms = _atoms(items)
        self.bases = {_unique_name(atoms["bases"], lambda b: b.label.name, b): b for b in atoms["bases"]}
        self.dims = {_unique_name(atoms["dims"], _name, d): d for d in atoms["dims"]}
        scalars = {_unique_name(atoms["scalars"], _name, s): s for s in atoms["scalars"]}
        names = list(args) if args is not None else sorted(self.bases) + sorted(scalars)
        names = [a if isinstance(a, str) else _arg_name(a) for a in names]
        self.args = tuple(n for n in names if n not in self.dims)
        clash = set(self.args) & set(self.dims)
        if clash or len(set(self.args)) != len(self.args):
            raise ValueError(f"lambdify: the input name(s) {sorted(clash) or self.args} are not "
                             "unique; sizes and inputs need distinct names")
        symbols = [self.bases.get(n) or scalars.get(n) or sp.Symbol(n) for n in self.args]
        self._real = frozenset(n for n, s in zip(self.args, symbols, strict=True) if not _is_integer(s))
        dims = [self.dims[n] for n in sorted(self.dims)]
        self._dim_order = [_name(d) for d in dims]
        renames = _safe_names(items, symbols + dims)
        safe_args = [_renamed(s, renames) for s in symbols + dims]
        with sp.evaluate(False):  # a renaming enables no new evaluation; skip sympy's
            body = [_printable(e.xreplace(renames)) for e in items]
        self._fn = deep_call(lambda: sp.lambdify(safe_args, body if self.is_array else body[0],
                                                 modules=_modules(backend), dummify=False,
                                                 cse=_split_deep, printer=_printer(backend),
                                                 docstring_limit=0),
                             "lambdify", _depth(items))
        self._ranks = atoms["ranks"]
        self._dim_axes = atoms["dim_axes"]

    def __repr__(self) -> str:
        return f"<lambdified {self.backend} closed form of ({', '.join(self.args)})>"

    def __call__(self, /, *positional, **named):  # `/`: a symbol may be named self
        if self.backend == "jax":  # float64 inputs stay float64; the user's jax setting is untouched
            with x64():
                return self._evaluate(positional, named)
        return self._evaluate(positional, named)

    def _evaluate(self, positional: tuple, named: dict):
        if len(positional) > len(self.args):
            raise TypeError(f"expected at most {len(self.args)} positional inputs {self.args}")
        unknown = [n for n in named if n not in self.args and n not in self._dim_order]
        if unknown:
            raise TypeError(f"got an unexpected keyword argument {unknown[0]!r}: the inputs are "
                            f"{', '.join(self.args)}")
        values = dict(zip(self.args, positional, strict=False))
        values.update(named)
        missing = [n for n in self.args if n not in values]
        if missing:
            indices = [n for n in missing if n not in self._real]
            hint = (f" ({', '.join(indices)}: a free index of the closed form, as in a gradient's "
                    f"index form d y / d x[j], whose value is the gradient's element j; pass one "
                    f"integer, e.g. {indices[0]}=0)") if indices else ""
            raise TypeError(f"missing inputs: {', '.join(missing)}{hint}")
        sizes: dict = {n: values[n] for n in self._dim_order if n in values}
        call = []
        for n in self.args:
            v = values[n]
            if n in self._real:
                v = _as_real(v, self.backend)
            elif np.ndim(v):
                raise TypeError(f"{n} is an index of the closed form (an integer symbol): pass one "
                                f"integer, not an array of shape {np.shape(v)} (evaluate once per index)")
            base = self.bases.get(n)
            if base is not None:
                v = self._as_array(v, base, n, sizes)
            call.append(v)
        for n in self._dim_order:
            if n not in sizes:
                raise TypeError(f"cannot tell the size {n}: pass it, e.g. {n}=3")
            call.append(int(sizes[n]))
        out = deep_call(lambda: self._fn(*call), "a lambdified closed form", None)
        if self.is_array:
            xp = _namespace(self.backend)
            return xp.reshape(xp.asarray(out), self.expression.shape)
        return out

    def _as_array(self, v, base, name: str, sizes: dict):
        xp = _namespace(self.backend)
        a = xp.asarray(v)
        rank = self._ranks.get(base)
        if rank is not None and a.ndim != rank:
            a = xp.reshape(a, tuple(d for d in a.shape if d != 1))
        for dim, axis in self._dim_axes.get(base, ()):
            if axis < a.ndim:
                sizes.setdefault(_name(dim), a.shape[axis])
        return a


def _is_integer(s) -> bool:
    """Whether a symbol (or an IndexedBase's label) is declared integer: an index, whose
    values stay integers."""
    label = getattr(s, "label", s)
    return bool(getattr(s, "is_integer", None) or getattr(label, "is_integer", None))


def _as_real(v, backend: str):
    """An integer or bool array (or numpy number) for a real input, in float64: numpy would
    evaluate the closed form in its dtype, and `x**2` of a uint8 pixel 200 wrapped to 64
    without a word. Python numbers stay (Python's own integers do not wrap)."""
    dt = getattr(v, "dtype", None)
    if dt is None or np.dtype(dt).kind not in "biu":
        return v
    return _namespace(backend).asarray(v, dtype=np.float64)


def _modules(backend: str):
    """What lambdify evaluates in: for numpy, the names sympy's `modules="numpy"` puts in scope
    (numpy's, then numpy.linalg's, then `I` and sympy's one translation) taken from the modules'
    own dicts. sympy runs `from numpy import *`, which first imports every lazy submodule numpy
    lists (f2py, testing, ...): 0.2 s of the first check in a fresh process."""
    common = {"_dg_at": _at, "_dg_prod": _prod}
    if _MODULES[backend] != "numpy":
        import jax.numpy as jnp
        from jax.scipy.special import erf, erfinv, i0, i1, polygamma  # (else math.erf: scalars only)

        bessel = {"besseli": lambda n, v: _besseli(n, v, i0, i1), **special_names(jnp)}
        return [{"erf": erf, "erfinv": erfinv, "polygamma": polygamma, **bessel, **common}, _MODULES[backend]]
    if not _NUMPY_NAMESPACE:
        linalg = {n: getattr(np.linalg, n) for n in np.linalg.__all__}
        _NUMPY_NAMESPACE.update({**vars(np), **linalg, "I": 1j, "Heaviside": np.heaviside,
                                 "erf": lambda v: ops.erf(np.asarray(v)),  # (numpy has none)
                                 "polygamma": lambda n, v: ops.polygamma(np.asarray(v), n=int(n)),
                                 "erfinv": lambda v: ops.erfinv(np.asarray(v)),  # (numpy has none)
                                 "besseli": lambda n, v: _besseli(n, np.asarray(v), ops.i0, ops.i1),
                                 **special_names(np), **common})
    return [_NUMPY_NAMESPACE]


def _besseli(n, v, i0, i1):
    """The modified Bessel function I_n for a whole n >= 0 (sympy writes the derivatives of
    besseli(0) and besseli(1) with I_2, I_3...): upward recurrence I_{k+1} = I_{k-1} - 2k/v I_k."""
    n = int(n)
    low, high = i0(v), i1(v)
    if n == 0:
        return low
    for k in range(1, n):
        low, high = high, low - 2 * k / v * high
    return high


def _at(base, index: tuple):
    """`base[index]` for an Indexed of a closed form. An index can be a whole float (numpy's
    floor and mod of reshape's index arithmetic) and is read as the integer; an index outside
    the array (a negative one too, which Python would wrap) gives NaN: numpy evaluates every
    branch of a Piecewise, including ones whose condition rules that index out (concatenate's
    `a2[i - 3]` where i < 3), and a NaN that were ever selected would show, not hide."""
    shape = np.shape(base)
    if len(index) > len(shape):
        return base[index]  # numpy's own IndexError
    out = []
    for i, n in zip(index, shape, strict=False):
        i = int(i) if float(i).is_integer() else None
        if i is None or not 0 <= i < n:
            return np.nan
        out.append(i)
    return base[tuple(out)]


def _prod(factors):
    out = 1
    for f in factors:
        out = out * f
    return out


_NUMPY_NAMESPACE: dict = {}


def _printer(backend: str):
    """sympy's own printer for the backend, as lambdify would make it, but writing sums in the
    expression's order: sorting the terms asks sympy's assumptions about every term, which
    costs more than the rest of the printing (the order of a sum does not change its value
    beyond rounding), and writing a double-precision Float with every digit it needs (sympy
    writes 15, so 1/3 as a double became 0.333333333333333). (`docstring_limit=0` above
    skips printing the whole expression again, sorted, into the generated function's
    docstring, which nothing reads.)"""
    from sympy.printing.numpy import JaxPrinter, NumPyPrinter

    base = JaxPrinter if backend == "jax" else NumPyPrinter

    class printer(base):
        def _print_Float(self, expr):  # all 17 digits of a double, not sympy's 15
            text = double_repr(expr)
            return super()._print_Float(expr) if text is None else text

        def _print_lowergamma(self, expr):  # plain calls, as besselj's: special_names has them
            return f"{type(expr).__name__}({', '.join(self._print(a) for a in expr.args)})"

        _print_uppergamma = _print_lowergamma

        def _print_Indexed(self, expr):  # through _dg_at: see there
            index = ", ".join(self._print(i) for i in expr.indices)
            return f"_dg_at({self._print(expr.base.label)}, ({index},))"

        def _print_Lambda(self, expr):  # a deep part of a sum's body (`_split_deep`)
            params = ", ".join(self._print(v) for v in expr.variables)
            return f"(lambda {params}: ({self._print(expr.expr)}))"

        def _print_Product(self, expr):  # as sympy prints a Sum, multiplying
            loops = " ".join(f"for {self._print(i)} in range({self._print(a)}, {self._print(b)}+1)"
                             for i, a, b in expr.limits[::-1])
            return f"(_dg_prod({self._print(expr.function)} {loops}))"

    return printer({"fully_qualified_modules": False, "inline": True,
                    "allow_unknown_functions": True, "order": "none"})


def _name(s) -> str:
    return s.name


def _arg_name(a) -> str:
    """The keyword of an `args` entry given as a symbol or an IndexedBase."""
    label = getattr(a, "label", None)
    return label.name if label is not None else a.name


def _unique_name(group, name_of, item) -> str:
    name = name_of(item)
    if sum(name_of(other) == name for other in group) > 1:
        raise ValueError(f"lambdify: two different symbols are both named {name!r}; call "
                         "lambdify with expressions whose inputs have distinct names")
    return name


def _refuse_undefined_functions(items) -> None:
    """An opaque function (a custom autograd.Function without a sympy form) has no numeric
    definition, and its name would be written into the generated code."""
    sp = sym()
    from sympy.core.function import AppliedUndef

    for e in items:
        undefined = e.atoms(AppliedUndef)
        if undefined:
            names = ", ".join(sorted({type(f).__name__ for f in undefined}))
            raise SymbolicUnsupported(f"lambdify: {names} has no numeric form (a custom Function "
                                      "without a `sympy` form); compare numbers instead")
        if e.has(sp.Derivative):
            raise SymbolicUnsupported("lambdify: the expression holds an unevaluated Derivative")


def _safe_names(items, args) -> dict:
    """Every symbol of the expression (inputs, sizes, bound indices, dummies) -> a fresh
    `_dg<n>` symbol with the same assumptions; IndexedBases get relabelled copies."""
    sp = sym()
    symbols: list = []
    seen: set = set()

    def add(s):
        if s not in seen:
            seen.add(s)
            symbols.append(s)

    for a in args:
        add(a.label if isinstance(a, sp.IndexedBase) else a)
    for e in items:
        for node in sp.preorder_traversal(e):
            if isinstance(node, sp.Symbol):  # Dummy is a Symbol
                add(node)
            elif isinstance(node, sp.IndexedBase):
                add(node.label)
    out = {}
    for n, s in enumerate(symbols):
        out[s] = sp.Symbol(f"{SAFE_PREFIX}{n}", **s.assumptions0)
    for e in items:
        for b in e.atoms(sp.IndexedBase):
            out[b] = sp.IndexedBase(out[b.label])
    for a in args:
        if isinstance(a, sp.IndexedBase) and a not in out:
            out[a] = sp.IndexedBase(out[a.label])
    return out


def _renamed(s, renames: dict):
    sp = sym()
    if isinstance(s, sp.IndexedBase):
        return renames.get(s) or sp.IndexedBase(renames[s.label])
    return renames[s]


def _printable(e):
    """Heaviside(z) as (sign(z) + 1)/2 (the same values, H(0) = 1/2): sympy's numpy printer
    would rewrite it to a Piecewise and run simplify_logic on it, which takes seconds."""
    sp = sym()
    if not e.has(sp.Heaviside):
        return e
    return e.replace(sp.Heaviside, lambda z, *h0: (sp.sign(z) + 1) / 2)


SPLIT_LEVELS = 40  # deeper trees are written as several assignments of at most this depth


def _split_deep(body):
    """A `cse` for sympy's lambdify that cuts a deep tree into assignments `_dgc<n> = ...` of
    at most SPLIT_LEVELS levels each: Python's parser refuses more than 200 nested parentheses
    and the printer recurses once per level. A part that mentions indices bound by an
    enclosing Sum or Product becomes a function of them (`_dgc<n> = lambda i: ...`, called as
    `_dgc<n>(i)` inside the sum). Iterative, so any depth is fine."""
    sp = sym()
    exprs = body if isinstance(body, list) else [body]
    bound = set()
    for e in exprs:
        for s in e.atoms(sp.Sum, sp.Product):
            bound |= {lim[0] for lim in s.limits}
    assignments: list = []
    rebuilt: dict = {}   # node -> (replacement, height, the bound indices free in it)
    for e in exprs:
        stack = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if node in rebuilt:
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in rebuilt)
                continue
            args = [rebuilt[a] for a in node.args]
            height = 1 + max((h for _, h, _ in args), default=0)
            free = frozenset({node}) if node in bound else frozenset().union(*(f for *_, f in args))
            if isinstance(node, (sp.Sum, sp.Product)):
                free = free - {lim[0] for lim in node.limits}
            if any(r is not a for (r, _, _), a in zip(args, node.args, strict=True)):
                with sp.evaluate(False):  # the same node over names: nothing to re-evaluate
                    new = node.func(*(r for r, _, _ in args))
            else:
                new = node
            if height >= SPLIT_LEVELS and isinstance(node, sp.Expr) and not isinstance(node, sp.Indexed):
                name = f"{SAFE_PREFIX}c{len(assignments)}"
                if free:
                    params = sorted(free, key=str)
                    assignments.append((sp.Symbol(name), sp.Lambda(tuple(params), new)))
                    new = sp.Function(name)(*params)
                else:
                    assignments.append((sp.Symbol(name), new))
                    new = sp.Symbol(name)
                height = 1
            rebuilt[node] = (new, height, free)
    out = [rebuilt[e][0] for e in exprs]
    return assignments, out if isinstance(body, list) else out[0]


def _depth(items) -> int:
    """The nesting depth of the expressions (iteratively: a deep tree must not recurse here)."""
    best = 0
    stack = [(e, 1) for e in items]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        stack.extend((a, d + 1) for a in getattr(node, "args", ()))
    return best


def _namespace(backend: str):
    if backend == "jax":
        import jax.numpy as jnp

        return jnp
    return np


def _atoms(items) -> dict:
    sp = sym()
    bases, scalars, dims, bound = set(), set(), set(), set()
    ranks: dict = {}
    dim_axes: dict = {}   # base -> [(dim symbol, axis)]: where a size can be read off
    for e in items:
        for ind in e.atoms(sp.Indexed):
            bases.add(ind.base)
            ranks[ind.base] = len(ind.indices)
        for s in e.atoms(sp.Sum, sp.Product):
            bound |= {lim[0] for lim in s.limits}
            for var, _, hi in s.limits:
                sizes = {x for x in free_symbols(hi) if x.is_positive and x.is_integer}
                dims |= sizes
                if len(sizes) == 1 and hi == next(iter(sizes)) - 1:
                    (d,) = sizes
                    for ind in s.function.atoms(sp.Indexed):
                        for axis, index in enumerate(ind.indices):
                            if index == var:
                                dim_axes.setdefault(ind.base, []).append((d, axis))
        scalars |= free_symbols(e)
    labels = {b.label for b in bases}
    scalars -= labels | dims | bound
    return {"bases": bases, "scalars": scalars, "dims": dims, "ranks": ranks, "dim_axes": dim_axes}


def lambdify(expression, args: Sequence | None = None, backend: str = "numpy") -> Lambdified:
    """A numpy (or jax: `backend="jax"`) function of a closed form; a tensor is turned into its
    `expr` first. Call it with inputs by name: `f(x=xs, w=0.5)`."""
    if not isinstance(expression, sym().Basic) and not isinstance(expression, sym().NDimArray):
        expression = expr(expression)
    return Lambdified(expression, args, backend)
