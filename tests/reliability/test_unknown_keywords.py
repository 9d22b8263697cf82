"""An unknown keyword is an error everywhere in the public API, never silently ignored
(`opt.minimize(loss, var_lst=[w])`, a typo, used to train every variable).

Every public callable is found by walking the public modules and their classes. One with a
fixed signature raises Python's own TypeError naming the keyword before its body runs, so
it is called with only the bogus keyword. One that takes `**kwargs` must be in `FORWARDED`
below with a valid call (its keywords go to a strict callee): the call with the bogus keyword
added must raise a TypeError naming it. A new `**kwargs` anywhere fails this test until it
is made strict or listed here with a call that shows it refuses what it does not know."""
from __future__ import annotations

import importlib
import inspect
import types

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.ops.registry import Op

from .report import report

BOGUS = "dualgrad_bogus_keyword"

PUBLIC_MODULES = (
    "dualgrad", "dualgrad.autograd", "dualgrad.autograd.functional", "dualgrad.cuda",
    "dualgrad.nn", "dualgrad.nn.functional", "dualgrad.nn.init", "dualgrad.nn.utils",
    "dualgrad.optim", "dualgrad.utils.data", "dualgrad.static", "dualgrad.static.train",
    "dualgrad.static.nn", "dualgrad.symbolic", "dualgrad.testing", "dualgrad.testing.strategies",
    "dualgrad.viz",
)


def _x():
    return dg.tensor([1.0, 2.0])


def _module_call(cls_name: str):
    def call():
        import dualgrad.nn as nn

        return getattr(nn, cls_name)()(_x(), **{BOGUS: 1})

    return call


def _symbolic_lambdified():
    from dualgrad import symbolic

    x = dg.tensor([1.0, 2.0], requires_grad=True)
    return symbolic.lambdify((x * x).sum())


# qualified name of a function or class taking **kwargs -> a valid call of it with the bogus
# keyword added (its keywords go to a strict callee), or None with the reason it is not called
FORWARDED = {
    "dualgrad.nn.module.Module.__call__": _module_call("Tanh"),  # -> the layer's forward
    "dualgrad.nn.module.Module.to": lambda: __import__("dualgrad.nn").nn.Tanh().to(dg.float64, **{BOGUS: 1}),
    # (Tanh has no parameters: Module.to checks its keywords itself)
    "dualgrad.optim.adam.AdamW": lambda: __import__("dualgrad.optim").optim.AdamW(
        [dg.ones(2, requires_grad=True)], **{BOGUS: 1}),  # -> Adam.__init__
    "dualgrad.static.variables.Variable": lambda: __import__("dualgrad.static").static.Variable(
        1.0, **{BOGUS: 1}),  # -> Variable.__new__
    "dualgrad.symbolic.lambdify.Lambdified.__call__": lambda: _symbolic_lambdified()(
        np.ones(2), **{BOGUS: 1}),  # keywords name the inputs
    "dualgrad.symbolic.printing.latex": lambda: __import__("dualgrad.symbolic").symbolic.latex(
        (dg.tensor([1.0], requires_grad=True) * 2).sum(), **{BOGUS: 1}),
    "dualgrad.nn.utils.init_skip.skip_init": lambda: __import__("dualgrad.nn").nn.utils.skip_init(
        __import__("dualgrad.nn").nn.Linear, 2, 3, **{BOGUS: 1}),  # -> the module's __init__
    # not called:
    "dualgrad.nn.module.Module.forward": None,  # abstract (PyTorch's); each layer's is strict
    "dualgrad.nn.layers.Identity": None,  # PyTorch's nn.Identity takes and ignores any argument
    "dualgrad.eager.function.Function.forward": None,  # the user's override; PyTorch's signature
    "dualgrad.eager.function.Function.apply": None,  # forwards to the user's own forward
    "dualgrad.static.graph.Tensor": None,  # not constructible: any call raises TypeError (ops make them)
}


def _public_callables() -> dict:
    """'module.name' or 'module.Class.member' -> the callable, for every public one."""
    found: dict = {}
    seen: set = set()
    for modname in PUBLIC_MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue
        names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name, None)
            if obj is None or isinstance(obj, types.ModuleType) or not callable(obj):
                continue
            if isinstance(obj, type) and issubclass(obj, BaseException):
                continue  # exception classes: Python's own constructor
            if not _ours(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            found[f"{modname}.{name}"] = obj
            if isinstance(obj, type):
                for member, value in _members(obj):
                    found[f"{modname}.{name}.{member}"] = value
    return found


def _members(cls: type):
    """Public methods of `cls`, inherited ones included when a dualgrad class defines them."""
    done = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for member, value in vars(klass).items():
            if member in done or member.startswith("_") and member not in ("__init__", "__call__"):
                continue
            done.add(member)
            fn = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
            if callable(fn) and not isinstance(fn, type):
                yield member, getattr(cls, member)


def _ours(obj) -> bool:
    if isinstance(obj, Op):
        return True
    module = getattr(obj, "__module__", None) or ""
    return module.startswith("dualgrad")


CALLABLES = _public_callables()
counts = {"strict": 0, "forwarded": 0, "ops": 0}


def _refusal(call) -> str | None:
    """None when `call()` raises a TypeError naming the bogus keyword, else what happened."""
    try:
        call()
    except TypeError as e:
        if BOGUS in str(e) or "takes no keyword arguments" in str(e) or "takes no arguments" in str(e):
            return None
        return f"TypeError not naming it: {e}"
    except Exception as e:  # noqa: BLE001 - reported as the finding
        return f"{type(e).__name__}: {e}"
    return "accepted"


def _assert_refused(call, name: str) -> None:
    outcome = _refusal(call)
    assert outcome is None, f"{name}: {outcome}"


def _qualified(fn) -> str:
    target = getattr(fn, "__func__", fn)
    return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', '')}"


def _takes_var_keyword(fn) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _bogus_call(name: str, fn):
    """Call `fn` with only the bogus keyword (a Tensor's methods on a tensor)."""
    if name.startswith("dualgrad.Tensor."):
        member = name.rsplit(".", 1)[1]
        return lambda: getattr(dg.ones(2, 2), member)(**{BOGUS: 1})
    return lambda: fn(**{BOGUS: 1})


def test_every_public_callable_is_walked():
    assert len(CALLABLES) > 300, len(CALLABLES)  # the walk itself works (dg alone has hundreds)
    assert "dualgrad.static.train.GradientDescentOptimizer.minimize" in CALLABLES
    assert "dualgrad.Tensor.sum" in CALLABLES


def test_every_public_callable_refuses_an_unknown_keyword():
    failures = {}
    for name, fn in CALLABLES.items():
        if isinstance(fn, Op) or name.endswith(".__init__"):  # ops below; __init__ via its class
            continue
        if _qualified(fn) in FORWARDED:
            continue
        if not name.startswith("dualgrad.Tensor.") and not isinstance(fn, type) and _takes_var_keyword(fn):
            if _qualified(fn) not in FORWARDED:
                failures[name] = f"takes **kwargs ({_qualified(fn)}): make it strict or list it in FORWARDED"
            continue
        outcome = _refusal(_bogus_call(name, fn))
        if outcome is None:
            counts["strict"] += 1
        else:
            failures[name] = outcome
    listed = "\n".join(f"  {n}: {o}" for n, o in sorted(failures.items()))
    assert not failures, f"unknown keyword not refused:\n{listed}"


@pytest.mark.parametrize("name", sorted(n for n, call in FORWARDED.items() if call is not None))
def test_forwarded_keywords_reach_a_strict_callee(name):
    _assert_refused(FORWARDED[name], name)
    counts["forwarded"] += 1


def test_registry_ops_refuse_unknown_keywords():
    """Public names bound to registry ops (`dg.exp`, `dg.maximum`) and Tensor methods."""
    x = _x()
    for name, op in CALLABLES.items():
        if not isinstance(op, Op):
            continue
        args = [x] * (op.nin or 1)
        _assert_refused(lambda op=op, args=args: op(*args, **{BOGUS: 1}), name)
        counts["ops"] += 1
    for method in ("exp", "sum", "mean", "reshape", "maximum", "matmul", "clamp", "backward",
                   "to", "type", "view", "transpose", "max", "std", "masked_fill"):
        _assert_refused(lambda m=method: getattr(dg.ones(2, 2), m)(**{BOGUS: 1}), f"Tensor.{method}")
        counts["ops"] += 1


def test_unknown_keyword_figures():
    report("unknown keywords (every public callable)",
           f"{counts['strict']} strict signatures, {counts['forwarded']} forwarding **kwargs and "
           f"{counts['ops']} registry ops/methods called with a bogus keyword: all raise TypeError naming it")
    assert counts["strict"] > 300
