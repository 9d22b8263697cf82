"""Bad input to every public function: every public eager function (`dg.*`), every Tensor
method and every public static op (`ds.*`, built and run) is called with hypothesis-drawn
bad arguments: wrong types (None, lists, dicts, complex, objects, dtypes), wrong shapes,
out-of-range dims, empty tensors, NaN, integer and bool tensors. Each call either returns,
or raises a `DualgradError` that is also the Python type a user would catch, names the
function (or the op it runs: `ds.div` says `divide: ...`) and the user's file:line (this
file) — never a raw error from inside numpy, jax or Python.

Results are not compared here (there is no generic numpy twin of every function); the op
fuzz in test_fuzz_eager.py compares results against numpy for the core ops. Strings are
left out: text operands are refused by the registry's own check (issue 11's payload tests).
DUALGRAD_FUZZ_EXAMPLES raises the budget."""
from __future__ import annotations

import collections
import inspect
import os
import re
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import DualgradError
from dualgrad.ops.registry import Op

from .report import report

EXAMPLES = int(os.environ.get("DUALGRAD_FUZZ_EXAMPLES", "150"))
HERE = os.path.basename(__file__)
CATCHABLE = (TypeError, ValueError, IndexError, RuntimeError, KeyError)
OP_PREFIX = re.compile(r"^[\w.]+(\(\))?: ")  # "divide: ..." for `ds.div` (the op's own name)

# functions with effects outside their result (files, global state, modes) or not ops
EAGER_SKIP = {"manual_seed", "set_default_device", "save", "load", "from_dlpack", "no_grad",
              "enable_grad", "set_grad_enabled", "is_grad_enabled", "get_default_device",
              "Generator", "device", "Size", "Tensor", "DType", "from_numpy"}
EAGER_SKIP |= {"set_default_dtype", "set_printoptions"}  # process-wide settings (eager/defaults.py)
METHOD_SKIP = {"register_hook", "backward", "retain_grad", "requires_grad_", "numpy", "tolist",
               "item", "apply_", "map_", "share_memory_", "register_post_accumulate_grad_hook"}


def _bad_values() -> list:
    """A fresh pool each call (in-place methods may change tensors)."""
    return [None, [1, [2]], {1: 2}, 1j, object(), 1.5, -7, 5, True, float("nan"), (), [0, 0],
            dg.float64, (0, 5), np.ones((2, 2)), *_tensors()]


def _tensors() -> list:
    return [dg.ones(2, 3), dg.zeros(0), dg.tensor([1, 2]), dg.tensor([True, False]),
            dg.ones(2, 1, 3, dtype=dg.float64), dg.ones(()), dg.tensor([float("nan"), 1.0]),
            dg.ones(3, requires_grad=True)]


def _public(module, skip: set) -> dict:
    found = {}
    for name in module.__all__:
        obj = getattr(module, name)
        if name in skip or isinstance(obj, (type, dg.DType)) or not callable(obj):
            continue
        if (getattr(obj, "__module__", None) or type(obj).__module__).startswith("dualgrad"):
            found[name] = obj
    return found


EAGER = _public(dg, EAGER_SKIP)
METHODS = sorted(m for m in dir(dg.Tensor) if not m.startswith("_") and m not in METHOD_SKIP
                 and callable(getattr(dg.Tensor, m)))
STATIC_MODULES = ("dualgrad.static.api", "dualgrad.static.nn")
STATIC = {n: f for n, f in _public(ds, set()).items()
          if isinstance(f, Op) or getattr(f, "__module__", "") in STATIC_MODULES}

cases = collections.Counter()
raw: list = []


def _arity(fn, bound: bool = False) -> tuple[int, int]:
    """(required, most) positional arguments, so calls exercise values, not Python's arity."""
    if isinstance(fn, Op):
        return fn.nin or 1, fn.nin or 2
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return 0, 2
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    most = len(positional) + (2 if any(p.kind is p.VAR_POSITIONAL for p in params) else 0)
    return required, max(required, min(most, 4))


def _check(name: str, call) -> None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            call()
        except DualgradError as e:
            text = str(e)
            if not isinstance(e, CATCHABLE):
                raw.append((name, f"{type(e).__name__} is no builtin error type: {text}"))
            elif f"{HERE}:" not in text:
                raw.append((name, f"no file:line: {text}"))
            elif name.split(".", 1)[1] not in text and not OP_PREFIX.match(text):
                raw.append((name, f"names no function or op: {text}"))
            else:
                cases["refused"] += 1
            return
        except Exception as e:  # noqa: BLE001 - the finding: a raw error
            raw.append((name, f"raw {type(e).__name__}: {e}"))
            return
    cases["computed"] += 1


def _draw_args(data, fn, first_tensor: bool, bound: bool = False) -> list:
    low, high = _arity(fn)
    if bound:  # a method: `self` is the tensor already
        low, high = max(low - 1, 0), max(high - 1, 0)
    n = data.draw(st.integers(low, max(low, high)))
    pool = _bad_values()
    args = [pool[data.draw(st.integers(0, len(pool) - 1))] for _ in range(n)]
    if args and first_tensor:
        tensors = _tensors()
        args[0] = tensors[data.draw(st.integers(0, len(tensors) - 1))]
    return args


fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@fuzz
@given(st.sampled_from(sorted(EAGER)), st.booleans(), st.data())
def test_eager_functions(name, first_tensor, data):
    fn = EAGER[name]
    args = _draw_args(data, fn, first_tensor)
    _check(f"dg.{name}", lambda: fn(*args))


@fuzz
@given(st.sampled_from(METHODS), st.data())
def test_tensor_methods(name, data):
    tensors = _tensors()
    t = tensors[data.draw(st.integers(0, len(tensors) - 1))]
    method = getattr(t, name)
    args = _draw_args(data, getattr(dg.Tensor, name), False, bound=True)
    _check(f"Tensor.{name}", lambda: method(*args))


def _static_value(value):
    """Eager tensors in the pool become static constants (a ds op never takes a dg tensor)."""
    return ds.constant(value.detach().numpy()) if isinstance(value, dg.Tensor) else value


@fuzz
@given(st.sampled_from(sorted(STATIC)), st.booleans(), st.data())
def test_static_ops(name, first_tensor, data):
    fn = STATIC[name]
    with ds.Graph().as_default():
        args = [_static_value(a) for a in _draw_args(data, fn, first_tensor)]

        def build_and_run():
            out = fn(*args)
            if isinstance(out, (ds.Tensor, ds.Operation)):
                with ds.Session(backend="numpy") as s:
                    s.run(out)

        _check(f"ds.{name}", build_and_run)


def test_fuzz_figures():
    tried = cases["computed"] + cases["refused"] + len(raw)
    report("public API bad-input fuzz (every dg function, Tensor method and ds op)",
           f"{tried} calls: {cases['computed']} returned, {cases['refused']} refused with a dualgrad "
           f"error naming the function and the user's line, {len(raw)} raw, unlocated or unnamed errors")
    listed = "\n".join(f"  {n}: {m[:200]}" for n, m in sorted(set(raw)))
    assert tried > 0
    assert not raw, f"{len(raw)} bad calls not refused as dualgrad errors:\n{listed}"
