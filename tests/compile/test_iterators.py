"""A step that can reach an iterator runs eagerly: `next(it)` inside a compiled step was run
once by the trace and its item baked in, so every call trained on the first batch (a list
iterator, a generator, a DataLoader's iterator, `itertools.count`). Oracle: the same loop
run eagerly; the compiled loop must warn once and give the eager numbers."""
from __future__ import annotations

import itertools
import warnings

import pytest

import dualgrad as dg
from dualgrad.errors import CompileWarning
from dualgrad.utils.data import DataLoader, TensorDataset


def list_iterator():
    return iter([dg.tensor([float(i)]) for i in range(10)])


def generator():
    return (dg.tensor([float(i)]) for i in range(10))


def loader_iterator():
    loader = DataLoader(TensorDataset(dg.arange(20.0).reshape(20, 1)), batch_size=2)
    return (x for (x,) in loader)


def counter():
    return map(lambda i: dg.tensor([float(i)]), itertools.count(3))


SOURCES = [list_iterator, generator, loader_iterator, counter]


def losses(source, compiled: bool) -> list:
    w = dg.ones(1)
    items = source()

    def step():
        return (w * next(items)).sum()

    f = dg.compile(step) if compiled else step
    return [float(f()) for _ in range(4)]


@pytest.mark.parametrize("source", SOURCES, ids=lambda f: f.__name__)
def test_a_step_that_takes_items_from_an_iterator_runs_eagerly(source):
    eager = losses(source, False)
    assert len(set(eager)) == 4
    with pytest.warns(CompileWarning, match="iterator"):
        assert losses(source, True) == eager


def test_a_loader_itself_is_not_an_iterator():
    """A DataLoader (iterable, not an iterator) the step reaches but does not iterate."""
    loader = DataLoader(TensorDataset(dg.arange(4.0)), batch_size=2)
    w = dg.ones(1)

    @dg.compile
    def step(x):
        return (w * x).sum() * len(loader)

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert [float(step(x)) for (x,) in loader] == [2.0, 10.0]
