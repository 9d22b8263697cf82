"""Random feed_dicts against placeholders of random, partially known shapes: a feed that fits
runs and gives numpy's answer, one that does not raises a dualgrad error naming both shapes —
and the session keeps working."""
from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds
from dualgrad.errors import DualgradError

from .report import report

EXAMPLES = int(os.environ.get("DUALGRAD_FUZZ_EXAMPLES", "150"))
outcomes = {"ran": 0, "refused": 0}

placeholder_shapes = st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=0, max_size=3)
feed_dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.bool_, np.float16])


def _fits(declared, shape) -> bool:
    pairs = zip(declared, shape, strict=False)
    return len(declared) == len(shape) and all(d is None or d == s for d, s in pairs)


GRAPH = ds.Graph()
SESSIONS: dict = {}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
         suppress_health_check=list(HealthCheck))
@given(placeholder_shapes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), feed_dtypes,
       st.sampled_from(["jax", "numpy"]), st.booleans(), st.integers(1, 4))
def test_random_feeds(declared, shape, dtype, backend, matching, batch):
    if matching:  # half the feeds are made to fit, so both outcomes are exercised
        shape = tuple(batch if d is None else d for d in declared)
    with GRAPH.as_default():
        p = ds.placeholder(ds.float32, shape=tuple(declared))
        out = ds.reduce_sum(p * 2.0 + 1.0)
    sess = SESSIONS.setdefault(backend, ds.Session(graph=GRAPH, backend=backend))
    value = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape).astype(dtype)
    try:
        got = sess.run(out, {p: value})
    except DualgradError as e:
        assert isinstance(e, (ValueError, TypeError))
        assert not _fits(declared, shape) or dtype is np.bool_, (declared, shape, dtype, e)
        outcomes["refused"] += 1
    else:
        assert _fits(declared, shape), f"fed {shape} into {declared}"
        want = np.sum(value.astype(np.float32) * 2.0 + 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-5)
        outcomes["ran"] += 1
    # the session still runs after whatever happened
    assert sess.run(out, {p: np.zeros([d or 1 for d in declared], np.float32)}) == np.prod(
        [d or 1 for d in declared])


def test_feed_error_names_both_shapes():
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float32, shape=(None, 3), name="images")
        with ds.Session() as sess:
            try:
                sess.run(p * 2, {p: np.ones((2, 4), np.float32)})
            except DualgradError as e:
                text = str(e)
            else:
                raise AssertionError("a (2, 4) feed into a (None, 3) placeholder must fail")
    assert "images" in text and "(2, 4)" in text and "3)" in text and ".py:" in text


def test_feed_fuzz_figures():
    total = outcomes["ran"] + outcomes["refused"]
    report("static feed_dict fuzz", f"{total} random feeds: {outcomes['ran']} ran as numpy does, "
           f"{outcomes['refused']} refused with a dualgrad error")
    assert outcomes["ran"] and outcomes["refused"]
    for sess in SESSIONS.values():
        sess.close()
