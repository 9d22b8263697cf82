"""Every public function, class, method and property of dualgrad's API has its own docstring.

Issue 13/16: `help(dg.add)` and the generated API reference must say what each name does in
PyTorch's or TF1's terms. "Its own" means: not the docstring of a class it is an instance of
(a registry `Op` instance carries its op's text, not `Op`'s), not inherited from a builtin base,
and, for functions made by one factory (`_binary(op)` closures, `_as_method(fn)` wrappers),
not one generic string shared by functions that do different things.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import operator
import types

import pytest

MODULES = [
    "dualgrad", "dualgrad.autograd", "dualgrad.autograd.functional", "dualgrad.linalg",
    "dualgrad.static", "dualgrad.static.nn", "dualgrad.static.train", "dualgrad.static.summary",
    "dualgrad.static.layers", "dualgrad.symbolic", "dualgrad.testing", "dualgrad.viz",
    "dualgrad.nn", "dualgrad.nn.functional", "dualgrad.nn.init", "dualgrad.nn.utils",
    "dualgrad.nn.utils.parametrize", "dualgrad.nn.utils.parametrizations",
    "dualgrad.optim", "dualgrad.optim.lr_scheduler", "dualgrad.utils.data", "dualgrad.func",
]


def _public_names(module) -> list[str]:
    names = getattr(module, "__all__", None) or dir(module)
    return [n for n in names if not n.startswith("_")]


def _ours(obj) -> bool:
    """Defined in dualgrad (a re-exported `math.pi` or `typing.Any` is not our API)."""
    owner = getattr(obj, "__module__", None) or type(obj).__module__ or ""
    return owner == "dualgrad" or owner.startswith("dualgrad.")


def _checked_value(obj):
    """What a public name's docstring lives on: a function, class, property or callable
    instance (a registry op); None for data (dtypes, constants such as AUTO_REUSE, modules)."""
    if isinstance(obj, types.ModuleType):
        return None
    if inspect.isclass(obj) or inspect.isroutine(obj) or isinstance(obj, property):
        return obj
    if callable(obj) and _ours(type(obj)):
        return obj
    return None


def _members(cls):
    """(qualified name, value) of the public methods and properties a dualgrad class defines
    or inherits from dualgrad bases, including those attached with setattr after the class body."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        for base in cls.__mro__:
            if name in base.__dict__:
                break
        else:
            continue
        if not _ours(base):
            continue  # from object/int/tuple/Exception: not ours to document
        value = base.__dict__[name]
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isroutine(value) or isinstance(value, property):
            yield f"{base.__module__}.{base.__qualname__}.{name}", value


def _api():
    """Every documented object once: (qualified name, object)."""
    seen: dict[int, str] = {}
    out = []
    classes = []
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in _public_names(module):
            obj = getattr(module, name)
            value = _checked_value(obj)
            if value is None or not _ours(value) or id(value) in seen:
                continue
            seen[id(value)] = f"{modname}.{name}"
            out.append((f"{modname}.{name}", value))
            if inspect.isclass(value):
                classes.append((f"{modname}.{name}", value))
    extra = _extra_classes()
    for qual, cls in extra:
        if id(cls) not in seen:
            seen[id(cls)] = qual
            out.append((qual, cls))
            classes.append((qual, cls))
    for _, cls in classes:
        for qual, member in _members(cls):
            if id(member) not in seen:
                seen[id(member)] = qual
                out.append((qual, member))
    return out


def _extra_classes():
    """Public classes users get from calls rather than by name: the graph Tensor, Graph,
    Operation of dualgrad.static."""
    import dualgrad.static as ds

    with ds.Graph().as_default() as g:
        t = ds.constant(1.0) + 1.0
    return [("dualgrad.static.Tensor", type(t)), ("dualgrad.static.Graph", type(g)),
            ("dualgrad.static.Operation", type(t.op))]


API = _api()


def _doc(obj) -> str | None:
    return obj.__doc__ if isinstance(obj, property) else getattr(obj, "__doc__", None)


def _own_doc(obj) -> bool:
    doc = _doc(obj)
    if not doc or not doc.strip():
        return False
    if inspect.isclass(obj):
        if dataclasses.is_dataclass(obj) and doc.startswith(f"{obj.__name__}("):
            return False  # the signature @dataclass writes when the class has no docstring
        return obj.__dict__.get("__doc__") is not None
    if not (inspect.isroutine(obj) or isinstance(obj, property)):  # a callable instance
        return doc != type(obj).__doc__
    return True


def test_every_public_name_has_its_own_docstring():
    missing = [qual for qual, obj in API if not _own_doc(obj)]
    print(f"checked {len(API)} public functions, classes, methods and properties")
    assert len(API) > 600, "the walk lost most of the API"
    assert not missing, f"{len(missing)} without a docstring of their own:\n" + "\n".join(missing)


def _closure_key(fn):
    """What a factory-made function wraps: the callables in its closure (two aliases of one
    function, e.g. `refusing(clamp, "clip")` and `refusing(clamp, "clamp")`, wrap the same)."""
    cells = [c.cell_contents for c in fn.__closure__ or ()]
    return tuple(id(c) for c in cells if callable(c))


def test_factory_made_functions_say_what_their_op_does():
    """Functions sharing one code object (made by one factory) but wrapping different things
    must not share one docstring."""
    by_code: dict = {}
    for qual, obj in API:
        fn = obj.fget if isinstance(obj, property) else obj
        code = getattr(fn, "__code__", None)
        if code is not None and fn.__closure__:
            by_code.setdefault(code, []).append((qual, fn))
    shared = []
    for made in by_code.values():
        firsts: dict = {}
        for qual, fn in made:
            doc, key = (fn.__doc__ or "").strip(), _closure_key(fn)
            if doc in firsts and firsts[doc][1] != key:
                shared.append(f"{firsts[doc][0]} and {qual}: {doc!r}")
            firsts.setdefault(doc, (qual, key))
    assert not shared, "one generic docstring for different functions:\n" + "\n".join(shared)


@pytest.mark.parametrize("name", ["add", "mm", "softmax", "Tensor.sum", "Tensor.backward"])
def test_the_issue_examples_name_their_pytorch_counterpart(name):
    import dualgrad

    assert "torch" in operator.attrgetter(name)(dualgrad).__doc__.lower()
