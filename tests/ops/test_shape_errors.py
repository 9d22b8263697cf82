"""Shape rules reject impossible calls with a ShapeError that names the op and the shapes
(static graphs report these when the graph is built, before any kernel runs)."""
from __future__ import annotations

import pytest

from dualgrad import dtypes
from dualgrad.errors import ShapeError
from dualgrad.ops import REGISTRY, Spec

F = dtypes.float32

BAD = [
    ("add", [Spec((2, 3), F), Spec((4,), F)], {}),
    ("maximum", [Spec((2, 3), F), Spec((2, 2), F)], {}),
    ("matmul", [Spec((2, 3), F), Spec((4, 2), F)], {}),
    ("matmul", [Spec((), F), Spec((3,), F)], {}),
    ("reshape", [Spec((2, 3), F)], {"shape": (4, 2)}),
    ("reshape", [Spec((2, 3), F)], {"shape": (-1, -1)}),
    ("sum", [Spec((2, 3), F)], {"axis": 2}),
    ("transpose", [Spec((2, 3), F)], {"axes": (0, 0)}),
    ("broadcast_to", [Spec((2, 3), F)], {"shape": (3, 3)}),
    ("concatenate", [Spec((2, 3), F), Spec((2, 4), F)], {"axis": 0}),
    ("stack", [Spec((2, 3), F), Spec((3, 2), F)], {}),
    ("getitem", [Spec((2, 3), F)], {"key": (0, 5)}),
]


@pytest.mark.parametrize(("name", "specs", "attrs"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_impossible_shapes_raise_a_shape_error_naming_the_op(name, specs, attrs):
    with pytest.raises(ShapeError, match=name) as info:
        REGISTRY[name].infer(specs, attrs)
    assert str(tuple(specs[0].shape)) in str(info.value)


def test_unknown_dims_are_not_errors():
    assert REGISTRY["add"].infer([Spec((None, 3), F), Spec((4, 1), F)], {}).shape == (4, 3)
    assert REGISTRY["matmul"].infer([Spec((None, 3), F), Spec((3, 2), F)], {}).shape == (None, 2)
    assert REGISTRY["reshape"].infer([Spec((None, 3), F)], {"shape": (-1,)}).shape == (None,)
    assert REGISTRY["sum"].infer([Spec((None, 3), F)], {"axis": 1}).shape == (None,)
