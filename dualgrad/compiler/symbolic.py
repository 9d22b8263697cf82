"""`Traced`: what an eager tensor holds as its data while `dg.compile` traces a step.

During a trace every eager tensor the step touches holds a `Traced` in `_data` instead of an
array: a graph tensor of the static graph being built, with the numpy-like face (`shape`,
`dtype`, `astype`, arithmetic) that the eager machinery (bind, the backward engine, the
optimizers' update rules) asks of its arrays. Registry ops called on it build graph ops
through the static front end, so one registry rule serves eager, static and traced values
(HOUSE 5.2 item 2). Anything that needs a concrete value (`float()`, `bool()`, `.item()`,
`np.asarray`) raises `Untraceable`, which makes the compiled function fall back to eager.
"""
from __future__ import annotations

import threading

import numpy as np

from ..errors import Untraceable, ValueNeeded
from ..ops import REGISTRY, Op, register_frontend
from ..stand_in import ArrayStandIn
from ..static.graph import Tensor as GraphTensor


class _Moves(threading.local):
    targets: list | None = None  # the devices `.to()` asked for, while a trace runs here


_moves = _Moves()


def noting_moves() -> list:
    """Begin noting this thread's traced moves (`Traced.moved`); the list they go into."""
    _moves.targets = []
    return _moves.targets


def stop_noting_moves() -> None:
    _moves.targets = None


class Traced(ArrayStandIn):
    """A graph tensor dressed as an array (`shape`, numpy `dtype`, operators)."""

    __slots__ = ("t", "shape", "dtype", "is_view")
    __array_ufunc__ = None  # numpy defers binary operators to ours

    def __init__(self, t: GraphTensor, is_view: bool = False):
        self.t = t
        self.shape = tuple(t.shape)
        self.dtype = t.dtype.np
        self.is_view = is_view  # made by a view op (x[i], x.reshape(...)) of a traced value

    def __repr__(self) -> str:
        return f"<traced {self.t.name} shape={self.shape} dtype={self.dtype}>"

    def moved(self, tensor, device):
        """`tensor.to(device)` during a trace: a view of the value (the program runs on one
        device); the device asked for is noted (`moves`), and a trace whose moves go to
        another device than its program's runs eagerly (compiler/program.py)."""
        if _moves.targets is not None:
            _moves.targets.append(device)
        return REGISTRY["reshape"](tensor, shape=self.shape)

    def astype(self, dtype, copy: bool = True) -> Traced:
        from ..dtypes import from_numpy_dtype

        if np.dtype(dtype) == self.dtype:
            return self
        return REGISTRY["cast"](self, dtype=from_numpy_dtype(np.dtype(dtype)))

    def copy(self) -> Traced:
        return Traced(self.t)  # the same graph value, as a storage of its own

    def write_in_place(self, value: Traced) -> None:
        """An eager in-place update (`t.add_(...)`): this storage now holds `value`, so every
        tensor sharing it (`.data`, `.detach()`) sees the write, as with a numpy array. A
        view's writes would have to reach its base, which a graph value cannot do."""
        if self.is_view:
            raise Untraceable("an in-place write into a view (x[i], x.view(...), x.T) of a tensor "
                              "(its base would not see it in the trace)")
        self.t = value.astype(self.dtype).t

    def reshape(self, *shape) -> Traced:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return REGISTRY["reshape"](self, shape=tuple(shape))

    # -- what needs a concrete value: the step cannot be traced -------------------------
    def _concrete(self, what: str):
        from ..static.kinds import RANDOM_TYPES

        if self.t.op.type in RANDOM_TYPES:  # dg.randn, nn.init: eager makes arrays of draws
            raise Untraceable(f"{what} of the random numbers the step draws (dg.rand*, init) is "
                              "not traced; dropout's draws are")
        raise ValueNeeded(f"{what} needs the value of a tensor, which a trace does not have "
                          "(data-dependent Python)")

    def __array__(self, dtype=None, copy=None):
        self._concrete("converting to a numpy array")

    def __bool__(self):
        self._concrete("bool()")

    def __float__(self):
        self._concrete("float()")

    def __int__(self):
        self._concrete("int()")

    def __index__(self):
        self._concrete("using as an index")

    def item(self):
        self._concrete(".item()")

    def tolist(self):
        self._concrete(".tolist()")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]


def _operator(name: str, reflected: bool = False):
    op = REGISTRY[name]

    def method(self, other):
        return op(other, self) if reflected else op(self, other)

    return method


for _dunder, _name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                       ("truediv", "divide"), ("matmul", "matmul"), ("pow", "power")):
    setattr(Traced, f"__{_dunder}__", _operator(_name))
    setattr(Traced, f"__r{_dunder}__", _operator(_name, reflected=True))
    setattr(Traced, f"__i{_dunder}__", _operator(_name))
Traced.__neg__ = lambda self: REGISTRY["negative"](self)
for _dunder, _name in (("ge", "greater_equal"), ("gt", "greater"), ("le", "less_equal"), ("lt", "less")):
    setattr(Traced, f"__{_dunder}__", _operator(_name))  # (== and != stay identity: hashing)


def graph_operand(a):
    """A registry operand for the static front end: graph tensors for traced values and
    arrays (so the static front end's TF1 conversion of bare arrays never applies)."""
    if type(a) is Traced:
        return a.t
    if isinstance(a, (np.ndarray, np.generic)):
        from ..static.creation import constant

        arr = np.asarray(a)
        return constant(arr, dtype=arr.dtype)
    return a


VIEW_OPS = frozenset(("getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to"))


def bind_traced(op: Op, args: tuple, attrs: dict) -> Traced:
    """The registry front end of `Traced` values: the op joins the graph being traced."""
    graph = next(a.t.graph for a in args if type(a) is Traced)
    with graph.as_default():
        return Traced(op(*[graph_operand(a) for a in args], **attrs), op.name in VIEW_OPS)


register_frontend(Traced, bind_traced)
