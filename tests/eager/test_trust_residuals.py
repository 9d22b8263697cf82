"""Issue 10's last siblings: Python lists as eager operands, out-of-range writes into integer
tensors, one overflow error class, and the user's line behind a generator-based `with`."""
from __future__ import annotations

import functools
import os

import pytest

import dualgrad.eager.convert as eager_convert
import dualgrad.errors as errors
import dualgrad.static as ds
import dualgrad.static.convert as static_convert
from dualgrad.static.graph import Graph

HERE = os.path.basename(__file__)


# -- one ValueOverflowError ---------------------------------------------------------------------
def test_one_overflow_error_class_for_eager_and_static():
    assert eager_convert.ValueOverflowError is errors.ValueOverflowError
    assert static_convert.ValueOverflowError is errors.ValueOverflowError
    for python_type in (OverflowError, ValueError, RuntimeError, errors.DualgradError):
        assert issubclass(errors.ValueOverflowError, python_type)


# -- user_frame behind contextlib and functools -------------------------------------------------
def test_an_error_on_entering_a_dualgrad_with_names_the_users_line(monkeypatch):
    # ds.variable_scope is a @contextlib.contextmanager whose body opens a name scope on entry.
    # Routing that call through functools.partialmethod into a dualgrad check that refuses a
    # str puts contextlib's and functools' frames between the user's line and the raise.
    monkeypatch.setattr(Graph, "name_scope", functools.partialmethod(Graph.control_dependencies))
    with ds.Graph().as_default():
        with pytest.raises(errors.DTypeError) as info:
            with ds.variable_scope("layer"):  # the line the error must name
                pass
    line = info.traceback[0].lineno + 1  # the `with` line (pytest counts from 0)
    assert f"(at {HERE}:{line})" in str(info.value)
    assert "contextlib" not in str(info.value) and "functools" not in str(info.value)
