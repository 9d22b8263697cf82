"""`lambdify`: evaluate a closed form with numpy or jax (sympy's own lambdify underneath).

The returned function takes its inputs by name (or positionally, in `f.args` order). Arrays for
`IndexedBase` inputs may keep their size-1 axes (a `(N, 1)` placeholder value is fine for an
`x[i]` that dropped them), and unknown sizes (`N`) are read off the arrays' shapes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .expr import sym

_MODULES = {"numpy": "numpy", "np": "numpy", "jax": "jax"}


class Lambdified:
    """A compiled closed form; call it with arrays/numbers, by name or position."""

    def __init__(self, expression, args: Sequence | None = None, backend: str = "numpy"):
        sp = sym()
        if backend not in _MODULES:
            raise ValueError(f"lambdify: backend must be 'numpy' or 'jax', got {backend!r}")
        self.expression = expression
        self.backend = backend
        self.is_array = isinstance(expression, sp.NDimArray)
        body = list(expression) if self.is_array else expression
        body = _printable(body)
        atoms = _atoms(expression)
        self.bases = {b.label.name: b for b in atoms["bases"]}
        self.dims = {d.name: d for d in atoms["dims"]}
        scalars = {s.name: s for s in atoms["scalars"]}
        names = list(args) if args is not None else sorted(self.bases) + sorted(scalars)
        names = [getattr(a, "name", None) or str(getattr(a, "label", a)) for a in names]
        self.args = tuple(n for n in names if n not in self.dims)
        symbols = [self.bases.get(n) or scalars.get(n) or sp.Symbol(n) for n in self.args]
        dims = [self.dims[n] for n in sorted(self.dims)]
        self._dim_order = [d.name for d in dims]
        self._fn = sp.lambdify(symbols + dims, body, modules=_MODULES[backend])
        self._ranks = atoms["ranks"]
        self._dim_axes = atoms["dim_axes"]

    def __repr__(self) -> str:
        return f"<lambdified {self.backend} closed form of ({', '.join(self.args)})>"

    def __call__(self, *positional, **named):
        if len(positional) > len(self.args):
            raise TypeError(f"expected at most {len(self.args)} positional inputs {self.args}")
        values = dict(zip(self.args, positional, strict=False))
        values.update(named)
        missing = [n for n in self.args if n not in values]
        if missing:
            raise TypeError(f"missing inputs: {', '.join(missing)}")
        sizes: dict = {n: values[n] for n in self._dim_order if n in values}
        call = []
        for n in self.args:
            v = values[n]
            base = self.bases.get(n)
            if base is not None:
                v = self._as_array(v, base, sizes)
            call.append(v)
        for n in self._dim_order:
            if n not in sizes:
                raise TypeError(f"cannot tell the size {n}: pass it, e.g. {n}=3")
            call.append(int(sizes[n]))
        out = self._fn(*call)
        if self.is_array:
            xp = _namespace(self.backend)
            return xp.reshape(xp.asarray(out), self.expression.shape)
        return out

    def _as_array(self, v, base, sizes: dict):
        xp = _namespace(self.backend)
        a = xp.asarray(v)
        rank = self._ranks.get(base.label.name)
        if rank is not None and a.ndim != rank:
            a = xp.reshape(a, tuple(d for d in a.shape if d != 1))
        for dim, axis in self._dim_axes.get(base.label.name, ()):
            if axis < a.ndim:
                sizes.setdefault(dim, a.shape[axis])
        return a


def _printable(body):
    """Heaviside(z) as (sign(z) + 1)/2 (the same values, H(0) = 1/2): sympy's numpy printer
    would rewrite it to a Piecewise and run simplify_logic on it, which takes seconds."""
    sp = sym()

    def rewrite(e):
        return e.replace(sp.Heaviside, lambda z, *h0: (sp.sign(z) + 1) / 2) if e.has(sp.Heaviside) else e

    return [rewrite(sp.sympify(e)) for e in body] if isinstance(body, list) else rewrite(body)


def _namespace(backend: str):
    if backend == "jax":
        import jax.numpy as jnp

        return jnp
    return np


def _atoms(expression) -> dict:
    sp = sym()
    items = list(expression) if isinstance(expression, sp.NDimArray) else [expression]
    bases, scalars, dims, bound = set(), set(), set(), set()
    ranks: dict = {}
    dim_axes: dict = {}   # base name -> [(dim name, axis)]: where a size can be read off
    for e in items:
        e = sp.sympify(e)
        for ind in e.atoms(sp.Indexed):
            bases.add(ind.base)
            ranks[ind.base.label.name] = len(ind.indices)
        for s in e.atoms(sp.Sum, sp.Product):
            bound |= {lim[0] for lim in s.limits}
            for var, _, hi in s.limits:
                sizes = {x for x in sp.sympify(hi).free_symbols if x.is_positive and x.is_integer}
                dims |= sizes
                if len(sizes) == 1 and sp.sympify(hi) == next(iter(sizes)) - 1:
                    (d,) = sizes
                    for ind in s.function.atoms(sp.Indexed):
                        for axis, index in enumerate(ind.indices):
                            if index == var:
                                dim_axes.setdefault(ind.base.label.name, []).append((d.name, axis))
        scalars |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
    labels = {b.label for b in bases}
    scalars -= labels | dims | bound
    return {"bases": bases, "scalars": scalars, "dims": dims, "ranks": ranks, "dim_axes": dim_axes}


def lambdify(expression, args: Sequence | None = None, backend: str = "numpy") -> Lambdified:
    """A numpy (or jax: `backend="jax"`) function of a closed form; a tensor is turned into its
    `expr` first. Call it with inputs by name: `f(x=xs, w=0.5)`."""
    if not isinstance(expression, sym().Basic) and not isinstance(expression, sym().NDimArray):
        from .expr import expr

        expression = expr(expression)
    return Lambdified(expression, args, backend)
