"""`ds.data`: TF1's `tf.data` input pipelines in graph mode (`tf.compat.v1.data`).

    ds_ = ds.data.Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).repeat(3)
    features, labels = ds_.make_one_shot_iterator().get_next()
    ...
    while True:
        try:
            sess.run(train_op)
        except ds.errors.OutOfRangeError:
            break

A dataset is a host-side description; its elements are numpy arrays produced on the host.
`iterator.get_next()` gives graph tensors (placeholders that the Session feeds itself,
data_runs.py): each `Session.run` that needs them pulls one element from the iterator's state
in that session, once per run however many fetches read it, before the compiled program
runs; at the end it raises `ds.errors.OutOfRangeError` and the run applies nothing.

A dataset built from graph tensors (`from_tensor_slices(placeholder)`, constants) takes their
values when its iterator starts: an initializable iterator's `initializer` run evaluates them
(with that run's `feed_dict`), a one-shot iterator evaluates them at its first pull (so it
cannot read a placeholder, as TF1 refuses). `map(fn)` traces `fn` once on placeholders of the
element's spec and runs that graph through the Session for each element it maps (per batch
after `batch`): one small program, not fused into the training step as TF fuses it.
`shuffle` is TF's buffer algorithm with numpy's generator: seeded orders are reproducible,
but not TF's bit for bit.

The package: dataset.py (the `Dataset` handle and its methods), sources.py, transforms.py,
batching.py and mapping.py (the kinds of pipeline it wraps), iterators.py, and what they
share: pipeline.py (the `Pipeline` base, one start's state) and structure.py (nesting).
"""
from __future__ import annotations

from .dataset import Dataset
from .iterators import (
    Iterator,
    get_output_classes,
    get_output_shapes,
    get_output_types,
    make_initializable_iterator,
    make_one_shot_iterator,
)

__all__ = [
    "Dataset",
    "Iterator",
    "get_output_classes",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
]
