"""`dualgrad/errors.py` is the one catalogue of error classes: every public exception class is
declared there (users can name what they catch), and none is built at run time."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import dualgrad as dg
from dualgrad import errors

# private signals that never leave the module that raises them
INTERNAL = {"dualgrad.symbolic.matrix_nodes.NoMatrixForm"}


def _all_error_classes(root: type) -> set[type]:
    found, stack = set(), [root]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def test_every_public_exception_class_is_declared_in_errors_py():
    stray = []
    for info in pkgutil.walk_packages(dg.__path__, "dualgrad."):
        if info.name in ("dualgrad.errors", "dualgrad.__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name
                    and not name.startswith("_") and f"{info.name}.{name}" not in INTERNAL):
                stray.append(f"{info.name}.{name}")
    assert stray == []


def test_eager_errors_are_declared_classes_of_pytorchs_types():
    before = _all_error_classes(errors.DualgradError)
    a = dg.ones(2, 3)
    with pytest.raises(RuntimeError) as shape:  # PyTorch: RuntimeError for a shape mismatch
        a @ a
    with pytest.raises(IndexError) as index:  # PyTorch: IndexError for an index out of range
        a[5]
    with pytest.raises(TypeError) as kind:  # PyTorch refuses a list operand
        dg.ones(2) + [1.0, 2.0]
    assert type(shape.value) is errors.EagerShapeError and isinstance(shape.value, ValueError)
    assert type(index.value) is errors.IndexShapeError
    assert isinstance(kind.value, errors.DTypeError)
    assert _all_error_classes(errors.DualgradError) == before  # nothing built at run time
    for error in (shape.value, index.value, kind.value):
        assert type(error).__module__ == "dualgrad.errors"


@pytest.mark.parametrize("cls", sorted(_all_error_classes(errors.DualgradError), key=lambda c: c.__name__))
@pytest.mark.parametrize("also", [RuntimeError, IndexError])
def test_every_catalogue_class_has_a_declared_twin(cls, also):
    """What `as_eager_error` raises for an error of `cls` that must also be an `also`."""
    twin = errors.eager_twin(cls, also)
    assert issubclass(twin, also) and issubclass(twin, errors.DualgradError)
    assert twin.__module__ == "dualgrad.errors"
    specific = (errors.IndexShapeError, errors.ShapeError, errors.DTypeError)
    kept = next((b for b in specific if issubclass(cls, b)), errors.DualgradError)
    assert issubclass(twin, kept)  # a shape or dtype error stays one
