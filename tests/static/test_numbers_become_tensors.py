"""Every public ds function of one tensor argument, given a plain Python number, builds a graph
tensor (TF1 converts the number with convert_to_tensor) whose fetched value has the declared
dtype: `ds.negative(0.5)` returned numpy's -0.5, which `Session.run` then refused to fetch."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import dualgrad.static as ds

TENSOR_ARGUMENTS = ("x", "input", "a", "t", "features", "tensor")


def _one_tensor_functions() -> list[str]:
    names = []
    for name in sorted(vars(ds)):
        fn = getattr(ds, name)
        if name.startswith("_") or isinstance(fn, type) or not callable(fn) or name.startswith("assert"):
            continue
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            continue
        required = [p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                             p.POSITIONAL_OR_KEYWORD)]
        if len(required) == 1 and required[0].name in TENSOR_ARGUMENTS:
            names.append(name)
    return names


NAMES = _one_tensor_functions()


def test_the_sweep_finds_the_unary_functions():
    assert {"negative", "neg", "abs", "square", "sqrt", "identity", "shape"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_python_number_becomes_a_graph_tensor(name, backend):
    g = ds.Graph()
    with g.as_default():
        try:
            out = getattr(ds, name)(0.5)
        except Exception as e:  # (refusing a number is fine: what is checked is what comes back)
            assert type(e).__module__.startswith("dualgrad"), f"{name}: {type(e).__name__}: {e}"
            return
        values = [v for v in (out if isinstance(out, (tuple, list)) else [out]) if v is not None]
        for v in values:
            assert isinstance(v, (ds.Tensor, ds.Operation)), f"ds.{name}(0.5) gave {type(v).__name__}"
        tensors = [v for v in values if isinstance(v, ds.Tensor)]
        with ds.Session(graph=g, backend=backend) as sess:
            fetched = sess.run(tensors)
    for t, r in zip(tensors, fetched, strict=True):
        ran = np.asarray(r).dtype
        assert ran == t.dtype.np, f"ds.{name}: declared {t.dtype.name}, ran {ran}"
