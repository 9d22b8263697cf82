"""The matrix-algebra tree that `matrix.py` reads an index-notation closed form into: arrays,
scalars, transposes, matrix products, elementwise products, sums, functions and powers, and
sums over one axis. Each node prints itself as text (numpy's `@`, `.T`, `*`) and LaTeX, and
evaluates itself with numpy (to check the form against the index form)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .sympy_fixes import sstr, sym

FUNCTIONS = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sin": np.sin, "cos": np.cos,
             "sinh": np.sinh, "cosh": np.cosh, "Abs": np.abs, "sign": np.sign}


class NoMatrixForm(Exception):
    """The expression has no matrix form under the rules of this module."""


# -- nodes ----------------------------------------------------------------------------------------


class Node:
    prec = 100   # binding strength when printed: atoms 100, ** 60, @ and * 50, + 40

    def wrap(self, text: str, outer: int) -> str:
        return f"({text})" if self.prec < outer else text

    def wrap_latex(self, text: str, outer: int) -> str:
        return f"\\left({text}\\right)" if self.prec < outer else text


@dataclass(eq=False)
class Array(Node):
    name: str

    def text(self) -> str:
        return self.name

    def latex(self) -> str:
        return sym().latex(sym().Symbol(self.name))

    def value(self, env):
        return env[self.name]


@dataclass(eq=False)
class Scalar(Node):
    expr: object

    @property
    def prec(self) -> int:
        e = self.expr
        return 100 if (e.is_Atom and not (e.is_Number and e < 0)) else 40

    def text(self) -> str:
        return sstr(self.expr)

    def latex(self) -> str:
        return sym().latex(self.expr)

    def value(self, env):
        return np.array([[float(self.expr.xreplace(env["__scalars__"]))]])


@dataclass(eq=False)
class Transpose(Node):
    a: Node

    def text(self) -> str:
        return self.a.wrap(self.a.text(), 100) + ".T"

    def latex(self) -> str:
        return self.a.wrap_latex(self.a.latex(), 100) + "^{T}"

    def value(self, env):
        return self.a.value(env).T


@dataclass(eq=False)
class MatMul(Node):
    a: Node
    b: Node
    prec = 50

    def text(self) -> str:
        return f"{self.a.wrap(self.a.text(), 50)} @ {self.b.wrap(self.b.text(), 51)}"

    def latex(self) -> str:
        return f"{self.a.wrap_latex(self.a.latex(), 50)} {self.b.wrap_latex(self.b.latex(), 51)}"

    def value(self, env):
        return self.a.value(env) @ self.b.value(env)


@dataclass(eq=False)
class Product(Node):
    """Elementwise product, a scalar coefficient first when there is one."""

    factors: list
    prec = 50

    def text(self) -> str:
        return " * ".join(f.wrap(f.text(), 51) for f in self.factors)

    def latex(self) -> str:
        out = ""
        for k, f in enumerate(self.factors):
            sep = "" if k == 0 else " " if isinstance(self.factors[k - 1], Scalar) else " \\odot "
            out += sep + f.wrap_latex(f.latex(), 51)
        return out

    def value(self, env):
        out = self.factors[0].value(env)
        for f in self.factors[1:]:
            out = out * f.value(env)
        return out


@dataclass(eq=False)
class Sum(Node):
    terms: list   # (sign, node)
    prec = 40

    def text(self) -> str:
        out = ""
        for k, (sign, t) in enumerate(self.terms):
            body = t.wrap(t.text(), 41)
            out += (("-" if sign < 0 else "") if k == 0 else (" - " if sign < 0 else " + ")) + body
        return out

    def latex(self) -> str:
        out = ""
        for k, (sign, t) in enumerate(self.terms):
            body = t.wrap_latex(t.latex(), 41)
            out += (("-" if sign < 0 else "") if k == 0 else (" - " if sign < 0 else " + ")) + body
        return out

    def value(self, env):
        out = 0
        for sign, t in self.terms:
            out = out + sign * t.value(env)
        return out


@dataclass(eq=False)
class Func(Node):
    name: str
    a: Node

    def text(self) -> str:
        return f"{self.name}({self.a.text()})"

    def latex(self) -> str:
        name = {"Abs": "\\operatorname{abs}", "sign": "\\operatorname{sign}"}.get(
            self.name, f"\\{self.name}")
        return f"{name}\\left({self.a.latex()}\\right)"

    def value(self, env):
        return FUNCTIONS[self.name](self.a.value(env))


@dataclass(eq=False)
class Power(Node):
    a: Node
    exponent: object
    prec = 60

    def text(self) -> str:
        return f"{self.a.wrap(self.a.text(), 61)}**{sstr(self.exponent)}"

    def latex(self) -> str:
        return f"{self.a.wrap_latex(self.a.latex(), 61)}^{{\\circ {sym().latex(self.exponent)}}}"

    def value(self, env):
        return self.a.value(env) ** float(self.exponent)


@dataclass(eq=False)
class AxisSum(Node):
    a: Node
    axis: int
    prec = 50

    def text(self) -> str:
        return f"sum({self.a.text()}, axis={self.axis})"

    def latex(self) -> str:
        inner = self.a.wrap_latex(self.a.latex(), 51)
        return f"\\mathbf{{1}}^{{T}} {inner}" if self.axis == 0 else f"{inner} \\mathbf{{1}}"

    def value(self, env):
        return self.a.value(env).sum(axis=self.axis, keepdims=True)


def transpose(node: Node) -> Node:
    """node.T, simplified through products and sums over an axis: (A @ B).T = B.T @ A.T,
    (A.T).T = A; elementwise expressions keep one transpose outside: tanh(X @ W).T."""
    if isinstance(node, Transpose):
        return node.a
    if isinstance(node, MatMul):
        return MatMul(transpose(node.b), transpose(node.a))
    if isinstance(node, AxisSum):
        return AxisSum(transpose(node.a), 1 - node.axis)
    if isinstance(node, Scalar):
        return node
    return Transpose(node)


# -- reading index notation -----------------------------------------------------------------------
