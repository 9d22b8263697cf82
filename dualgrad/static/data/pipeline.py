"""What every `ds.data` pipeline is: the element's structure, dtypes and shapes, how to produce
its elements on the host (`_iter`), and the state of one start of an iterator (`_Run`).
The kinds of pipeline (sources.py, batching.py, transforms.py, mapping.py) subclass
`Pipeline`; the user's `Dataset` (dataset.py) wraps one."""
from __future__ import annotations

import builtins
import collections.abc as abc
import weakref

from ...errors import UninitializedError
from ..graph import Tensor
from .structure import _rebuild


class _Run:
    """One start of an iterator in one session: the session (for `map`), the values of the
    dataset's graph tensors, and each shuffle's generator."""

    def __init__(self, sess, values: dict):
        self._sess = weakref.ref(sess)  # (a strong one would keep its weak-keyed state alive)
        self.values = values
        self.rngs: dict = {}
        self.seeds: dict = {}
        self.cached: dict = {}

    def run(self, fetches, feed_dict: dict):
        """`Session.run` in the session this iterator was started in (map, filter)."""
        sess = self._sess()
        if sess is None:
            raise UninitializedError("ds.data: the session of this iterator is gone")
        return sess.run(fetches, feed_dict=feed_dict)


class Pipeline:
    """A pipeline of elements: their structure, dtypes and shapes, and how to produce them on
    the host (`_iter`). Each kind of pipeline defines `_iter` (and `_children`, the pipelines
    it reads)."""

    _tree: object = None
    _specs: list = []

    # -- what a kind defines
    def _iter(self, run: _Run) -> abc.Iterator[list]:
        raise NotImplementedError

    def _children(self) -> tuple:
        return ()

    def _sources(self) -> list:
        """The graph tensors this pipeline reads, in a fixed order."""
        out: list = []
        for c in self._children():
            out += [t for t in c._sources() if not builtins.any(t is s for s in out)]
        return out

    # -- TF1's description
    @property
    def output_types(self):
        """The dtype of each component, in the element's structure."""
        return _rebuild(self._tree, [d for d, _ in self._specs])

    @property
    def output_shapes(self):
        """The static shape of each component (tuples, None for an unknown dim or rank)."""
        return _rebuild(self._tree, [s for _, s in self._specs])

    @property
    def output_classes(self):
        """`ds.Tensor` for each component (TF1's output_classes)."""
        return _rebuild(self._tree, [Tensor for _ in self._specs])
