"""Matrix notation for closed forms in index notation: `2/N * X.T @ (X @ W - Y)`.

An index-notation gradient (the element at free indices `j, k`) is read back into matrix
algebra, as the matrix-calculus literature writes it (and as sympy's `MatrixSymbol.diff`
answers for single products): every subexpression is a 2-D array whose two axes carry an index
symbol or None (a size-1 axis that broadcasts), and

- `Sum_i A[a, i] * B[i, c]`, two factors sharing the summed index, is the product `A @ B`
  (with transposes to put `i` inside);
- `Sum_i A[i, a]`, one factor, is a sum over that axis (`sum(A, axis=0)`, LaTeX `1^T A`);
- products of factors without a summed index are elementwise (`*`, LaTeX `\\odot`), with
  numpy's broadcasting; elementwise functions and integer powers stay elementwise;
- scalars (numbers, sizes, scalar inputs) become one coefficient.

Anything else — an index that is an expression (`x[i + 1]`, from slicing), a diagonal
(`A[i, i]`), a KroneckerDelta or Piecewise, three arrays sharing a summed index, more than
two free indices — has no matrix form here and the caller keeps the index form. Every form is
checked numerically against the index form before it is shown (`verified`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ops.symarray import as_sympy
from .matrix_nodes import (
    FUNCTIONS,
    Array,
    AxisSum,
    Func,
    MatMul,
    Node,
    NoMatrixForm,
    Power,
    Product,
    Scalar,
    Sum,
    Transpose,
    transpose,
)
from .sympy_fixes import sstr, sym


@dataclass
class Term:
    """coeff * node, whose element [idx[0], idx[1]] is the expression (None: a size-1 axis)."""

    coeff: object
    node: Node | None   # None: the term is the scalar coeff alone
    idx: tuple


def to_matrix(e, free: tuple, columns: frozenset = frozenset(),
              column_result: bool = False) -> tuple[object, Node]:
    """(coeff, node) whose element at `free` is `e`; raises NoMatrixForm. Arrays with one
    index are rows (numpy's broadcasting of 1-D arrays), those named in `columns` columns
    (an `(n, 1)` input)."""
    sp = sym()
    if len(free) > 2:
        raise NoMatrixForm("more than two free indices")
    t = _read(e, set(free), columns, sp)
    want = tuple(free) + (None,) * (2 - len(free))
    node = t.node if t.node is not None else Scalar(sp.Integer(1))
    if len(free) == 1 and not column_result:
        want = (None, free[0])  # a vector's gradient reads as the vector does: a row
    if t.idx == want:
        return t.coeff, node
    if t.idx == (want[1], want[0]):
        return t.coeff, transpose(node)
    raise NoMatrixForm(f"indices {t.idx} do not give the layout {want}")


def _read(e, indices: set, columns: frozenset, sp) -> Term:
    if not (e.free_symbols & indices) and not e.has(sp.Indexed, sp.Sum):
        return Term(e, None, (None, None))
    if isinstance(e, sp.Indexed):
        return _indexed(e, columns)
    if isinstance(e, sp.Sum):
        return _sum(e, indices, columns, sp)
    if isinstance(e, sp.Mul):
        return _product([_read(a, indices, columns, sp) for a in e.args])
    if isinstance(e, sp.Add):
        return _add([_read(a, indices, columns, sp) for a in e.args], sp)
    if isinstance(e, sp.Pow) and e.exp.is_Integer:
        base = _read(e.base, indices, columns, sp)
        if base.node is None:
            return Term(e, None, (None, None))
        return Term(sp.Integer(1), Power(_scaled(base, sp), e.exp), base.idx)
    if isinstance(e, sp.Function) and len(e.args) == 1 and e.func.__name__ in FUNCTIONS:
        a = _read(e.args[0], indices, columns, sp)
        if a.node is None:
            return Term(e, None, (None, None))
        return Term(sp.Integer(1), Func(e.func.__name__, _scaled(a, sp)), a.idx)
    raise NoMatrixForm(f"{type(e).__name__} has no matrix form")


def _scaled(t: Term, sp) -> Node:
    if t.node is None:
        return Scalar(t.coeff)
    if t.coeff == 1:
        return t.node
    if t.coeff == -1:
        return Sum([(-1, t.node)])
    return Product([Scalar(t.coeff), t.node])


def _indexed(e, columns: frozenset) -> Term:
    idx = e.indices
    if not all(i.is_Symbol for i in idx) or len(set(idx)) != len(idx):
        raise NoMatrixForm(f"{e}: an index that is an expression or a diagonal")
    if len(idx) > 2:
        raise NoMatrixForm(f"{e}: more than two axes")
    name = e.base.label.name
    if len(idx) == 1:
        return Term(sym().Integer(1), Array(name), (idx[0], None) if name in columns else (None, idx[0]))
    return Term(sym().Integer(1), Array(name), tuple(idx))


def _merge(target: tuple, idx: tuple):
    """The layout of an elementwise combination, and whether `idx` must be transposed."""
    for flip in (False, True):
        cand = (idx[1], idx[0]) if flip else idx
        if all(c is None or t is None or c == t for c, t in zip(cand, target, strict=True)):
            merged = tuple(t if t is not None else c for t, c in zip(target, cand, strict=True))
            if merged[0] is None or merged[0] != merged[1]:
                return merged, flip
    raise NoMatrixForm(f"layouts {target} and {idx} do not broadcast")


def _layout(terms: list) -> tuple:
    layout = (None, None)
    for t in terms:
        layout, _ = _merge(layout, t.idx)
    return layout


def _oriented(t: Term, layout: tuple) -> Node:
    _, flip = _merge(layout, t.idx)
    return transpose(t.node) if flip else t.node


def _product(terms: list) -> Term:
    sp = sym()
    coeff = sp.Mul(*(t.coeff for t in terms))
    arrays = [t for t in terms if t.node is not None]
    if not arrays:
        return Term(coeff, None, (None, None))
    layout = _layout(arrays)
    nodes = [_oriented(t, layout) for t in arrays]
    return Term(coeff, nodes[0] if len(nodes) == 1 else Product(nodes), layout)


def _add(terms: list, sp) -> Term:
    arrays = [t for t in terms if t.node is not None]
    if not arrays:
        return Term(sp.Add(*(t.coeff for t in terms)), None, (None, None))
    layout = _layout(arrays)
    parts = []
    for t in terms:
        negative = t.coeff.could_extract_minus_sign()
        size = -t.coeff if negative else t.coeff
        if t.node is None:
            node = Scalar(size)
        else:
            node = _oriented(t, layout)
            node = node if size == 1 else Product([Scalar(size), node])
        parts.append((-1 if negative else 1, node))
    parts.sort(key=lambda p: p[0] < 0)  # positive terms first: X @ W - Y
    common = _common_factor(parts)
    if common is not None:
        parts = [(sign, _divided(node, common)) for sign, node in parts]
    return Term(common or sp.Integer(1), Sum(parts), layout)


def _common_factor(parts: list):
    """A number (not 1) that scales every term, to write 2*(A - B) for 2*A - 2*B."""
    sizes = []
    for _, node in parts:
        if isinstance(node, Scalar) and node.expr.is_Number:
            sizes.append(node.expr)
        elif isinstance(node, Product) and isinstance(node.factors[0], Scalar) and \
                node.factors[0].expr.is_Number:
            sizes.append(node.factors[0].expr)
        else:
            return None
    first = sizes[0]
    return first if first != 1 and all(c == first for c in sizes) else None


def _divided(node: Node, common) -> Node:
    if isinstance(node, Scalar):
        return Scalar(node.expr / common)
    rest = node.factors[1:]
    return rest[0] if len(rest) == 1 else Product(rest)


def _sum(e, indices: set, columns: frozenset, sp) -> Term:
    body = None
    for n, (var, lo, hi) in enumerate(e.limits):
        if lo != 0:
            raise NoMatrixForm("a sum that does not start at 0")
        if n == 0:
            body = _contract(e.function, var, hi - lo + 1, indices, columns, sp)
        elif var in body.idx:  # a further index of the same Sum: a sum over that axis
            axis = body.idx.index(var)
            body = Term(body.coeff, AxisSum(body.node, axis),
                        tuple(None if i == var else i for i in body.idx))
        else:
            raise NoMatrixForm("a sum of terms that do not depend on its index")
    return body


def _transposed_expressions(pair, var) -> tuple:
    a, b = pair
    flips = [(a, a.idx[1] != var), (b, b.idx[0] != var)]
    expressions = sum(1 for t, flip in flips if flip and not isinstance(t.node, (Array, Transpose)))
    return expressions, sum(flip for _, flip in flips)


def _contract(body, var, count, indices: set, columns: frozenset, sp) -> Term:
    """Sum over `var` (running over `count` values) of `body`."""
    terms = sp.Add.make_args(body)
    if len(terms) > 1:
        return _add([_contract(t, var, count, indices, columns, sp) for t in terms], sp)
    factors = [_read(f, indices | {var}, columns, sp) for f in sp.Mul.make_args(body)]
    with_var = [f for f in factors if var in f.idx]
    rest = [f for f in factors if var not in f.idx]
    if not with_var:  # the same term `count` times
        return _product([Term(count, None, (None, None))] + rest)
    groups: dict = {}   # factors with the same indices are one elementwise product
    for f in with_var:
        groups.setdefault(frozenset(i for i in f.idx if i is not None), []).append(f)
    if len(groups) > 2:  # then factors whose indices nest in another's join it (broadcasting)
        for keys in sorted(groups, key=len):
            bigger = next((k for k in groups if k != keys and keys < k), None)
            if bigger is not None:
                groups[bigger] += groups.pop(keys)
    groups = [(keys, fs) for keys, fs in groups.items()]
    merged = [_product(g[1]) for g in groups]
    if len(merged) == 1:
        (m,) = merged
        axis = m.idx.index(var)
        result = Term(m.coeff, AxisSum(m.node, axis), tuple(None if i == var else i for i in m.idx))
    elif len(merged) == 2:
        # of A @ B and B @ A (one is the other's transpose), the one that transposes arrays
        # rather than expressions: X.T @ (X @ W - Y), not ((X @ W - Y).T @ X).T
        a, b = min(merged, merged[::-1], key=lambda ab: _transposed_expressions(ab, var))
        a_node = a.node if a.idx[1] == var else transpose(a.node)
        a_row = a.idx[0] if a.idx[1] == var else a.idx[1]
        b_node = b.node if b.idx[0] == var else transpose(b.node)
        b_col = b.idx[1] if b.idx[0] == var else b.idx[0]
        if a_row is not None and a_row == b_col:
            raise NoMatrixForm("a contraction that leaves a diagonal")
        result = Term(a.coeff * b.coeff, MatMul(a_node, b_node), (a_row, b_col))
    else:
        raise NoMatrixForm("three or more arrays share a summed index")
    return _product([result] + rest)


# -- checking a form against the index form -------------------------------------------------------


def shapes_of(e, free: tuple, free_sizes: tuple, columns: frozenset = frozenset(),
              unknown: int = 3) -> dict:
    """2-D shapes of the arrays in `e` as the matrix form reads them ((1, n) for one index),
    from the sums' bounds and the free indices' sizes; unknown sizes become `unknown`."""
    sp = sym()
    size = {f: n for f, n in zip(free, free_sizes, strict=True)}
    for s in e.atoms(sp.Sum):
        for var, lo, hi in s.limits:
            size[var] = hi - lo + 1
    dims = {d: unknown for d in e.free_symbols
            if isinstance(d, sp.Symbol) and d.is_integer and d.is_positive}
    shapes = {}
    for ind in e.atoms(sp.Indexed):
        n = [int(as_sympy(size[i]).xreplace(dims)) if i in size else None for i in ind.indices]
        if None in n:
            raise NoMatrixForm(f"cannot tell the shape of {ind.base}")
        name = ind.base.label.name
        shapes[name] = tuple(n) if len(n) > 1 else (n[0], 1) if name in columns else (1, n[0])
    return shapes


def verified(index_form, coeff, node: Node, free: tuple, free_sizes: tuple,
             rng: np.random.Generator, columns: frozenset = frozenset(), positions: int = 6) -> bool:
    """Whether `coeff * node` equals the index form on random data, at sampled positions (the
    index form evaluated by sympy's lambdify with the `math` module: scalars at each position,
    and no numpy namespace to import)."""
    sp = sym()
    shapes = shapes_of(index_form, free, free_sizes, columns)
    env: dict = {name: rng.uniform(0.2, 0.9, size=shape) for name, shape in shapes.items()}
    labels = {b.label for b in index_form.atoms(sp.IndexedBase)}
    symbols = sorted((s for s in index_form.free_symbols
                      if isinstance(s, sp.Symbol) and s not in labels and s not in free), key=str)
    dims = {d: 3 for d in symbols if d.is_integer and d.is_positive}
    scalars = {s: sp.Float(rng.uniform(0.2, 0.9)) for s in symbols if not s.is_integer}
    env["__scalars__"] = {**scalars, **{d: sp.Integer(n) for d, n in dims.items()}}
    with np.errstate(all="ignore"):
        got = float(coeff.xreplace(env["__scalars__"])) * node.value(env)
    bases = sorted(index_form.atoms(sp.IndexedBase), key=lambda b: b.label.name)
    fn = sp.lambdify(bases + symbols + list(free), index_form, modules="math")
    arrays = [env[b.label.name].reshape(-1) if 1 in env[b.label.name].shape else env[b.label.name]
              for b in bases]
    values = [float(scalars[s]) if s in scalars else dims[s] for s in symbols]
    want_shape = tuple(int(as_sympy(n).xreplace(dims)) for n in free_sizes)
    size = int(np.prod(want_shape))
    full = got.reshape(want_shape) if got.size == size else \
        np.broadcast_to(got, (1, size) if len(want_shape) == 1 else want_shape).reshape(want_shape)
    picks = list(np.ndindex(*want_shape))
    for n in rng.permutation(len(picks))[:positions]:
        pos = picks[n]
        with np.errstate(all="ignore"):
            want = float(fn(*arrays, *values, *(int(p) for p in pos)))
        if not np.isclose(full[pos], want, rtol=1e-9, atol=1e-12):
            return False
    return True


@dataclass
class MatrixForm:
    """`coeff * node`: a gradient in matrix notation (`.text`, `.latex`); call it with the
    inputs' arrays and the scalars and sizes by name to evaluate it with numpy."""

    coeff: object
    node: Node
    columns: frozenset = frozenset()

    def __call__(self, /, **values) -> np.ndarray:  # `/`: a symbol may be named self
        sp = sym()
        scalars = {s: as_sympy(values[s.name]) for s in self.coeff.free_symbols
                   if s.name in values}
        env: dict = {"__scalars__": scalars}
        for name, v in values.items():
            a = np.asarray(v, dtype=np.float64)
            if a.ndim == 2 and 1 in a.shape and min(a.shape) == 1 and a.size > 1:
                a = a.reshape(-1)
            if a.ndim == 1:
                a = a.reshape(-1, 1) if name in self.columns else a.reshape(1, -1)
            env[name] = a
            if a.size == 1:  # a 1-element input is a scalar symbol in the closed form
                scalars[sp.Symbol(name, real=True)] = sp.Float(float(a.reshape(())))
        return float(self.coeff.xreplace(scalars)) * self.node.value(env)

    @property
    def text(self) -> str:
        body = self.node.text()
        if self.coeff == 1:
            return body
        if self.coeff == -1:
            return "-" + self.node.wrap(body, 51)
        return f"{sstr(self.coeff)} * {self.node.wrap(body, 50)}"

    @property
    def latex(self) -> str:
        body = self.node.latex()
        if self.coeff == 1:
            return body
        if self.coeff == -1:
            return "-" + self.node.wrap_latex(body, 51)
        return f"{sym().latex(self.coeff)} {self.node.wrap_latex(body, 50)}"


def matrix_form(index_form, free: tuple, free_sizes: tuple, columns: frozenset = frozenset(),
                column_result: bool = False, seed: int = 0) -> MatrixForm | None:
    """The matrix notation of an index-notation gradient, checked on random data against it;
    None when there is none (see the module docstring for what falls back)."""
    try:
        coeff, node = to_matrix(index_form, free, columns, column_result)
        if not verified(index_form, coeff, node, free, free_sizes, np.random.default_rng(seed),
                        columns):
            return None
    except NoMatrixForm:
        return None
    except Exception:  # noqa: BLE001 — a form that cannot be evaluated is not shown
        return None
    return MatrixForm(coeff, node, columns)
