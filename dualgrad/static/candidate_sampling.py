"""TF1's candidate samplers (`ds.nn.log_uniform_candidate_sampler`, `uniform_candidate_sampler`,
`fixed_unigram_candidate_sampler`) and `compute_accidental_hits`' mask, for `nce_loss` and
`sampled_softmax_loss` (static/nn_sampled.py).

A sampler returns TF1's triple (sampled_candidates int64 [num_sampled], true_expected_count
float32 [batch, num_true], sampled_expected_count float32 [num_sampled]). The candidates are
drawn on the host each run by one `CandidateSampler` op, seeded as every random op
(`creation.random_generator`: op seed and graph seed), with TF1's draws: log-uniform
floor(exp(u log(range_max + 1))) - 1 mod range_max, uniform integers, or the fixed unigram
weights; unique=True draws until num_sampled distinct classes came up and keeps them in the
order drawn. The op's last entry is the number of tries, from which the expected counts follow
as registry ops: p * num_sampled when every try was kept (unique=False), else
1 - (1 - p) ** tries = -expm1(tries * log1p(-p)), TF1's formula, here in float64 then float32.
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError, user_line
from ..ops import Spec
from .api import _tensor, cast
from .candidate_draw import draw_candidates  # noqa: F401  (the run-time half of these ops)
from .creation import int64
from .graph import Tensor, get_default_graph

__all__ = ["fixed_unigram_candidate_sampler", "log_uniform_candidate_sampler", "uniform_candidate_sampler"]


def _count(fn: str, key: str, value, low: int) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, builtins.bool)
    if not ok or value < low:
        raise DualgradValueError(f"ds.nn.{fn}: {key} must be a Python int >= {low} (known when the graph is "
                                 f"built), got {value!r} {user_line()}")
    return int(value)


def true_classes_of(fn: str, true_classes, num_true: int, key: str = "true_classes") -> Tensor:
    """The class ids [batch, num_true] as int64, their dtype and shape checked."""
    t = _tensor(true_classes)
    if not t.dtype.is_integer:
        raise DTypeError(f"ds.nn.{fn}: {key} must be int64 class ids, got {t.dtype.name} {user_line()}")
    if t.shape is not None and (len(t.shape) != 2 or t.shape[1] not in (None, num_true)):
        raise ShapeError(f"ds.nn.{fn}: {key} must be a matrix [batch_size, num_true={num_true}], "
                         f"got shape {t.shape} {user_line()}")
    return t if t.dtype.name == "int64" else cast(t, "int64")


def _expected_count(p: Tensor, tries: Tensor, num_sampled: int) -> Tensor:
    """TF1's ExpectedCountHelper: p * n when every try was kept, else 1 - (1 - p) ** tries."""
    some = ops.negative(ops.expm1(ops.multiply(cast(tries, "float64"), ops.log1p(ops.negative(p)))))
    every = ops.multiply(p, float(num_sampled))
    return cast(ops.where(ops.equal(tries, num_sampled), every, some), "float32")


def _sampler(fn: str, kind: str, probability, true_classes, num_true, num_sampled, unique, range_max, seed,
             name, probs=None, possible=None) -> tuple:
    num_true = _count(fn, "num_true", num_true, 1)
    n = _count(fn, "num_sampled", num_sampled, 1)
    r = _count(fn, "range_max", range_max, 1)
    if seed is not None and (isinstance(seed, builtins.bool) or not isinstance(seed, (int, np.integer))):
        raise DTypeError(f"ds.nn.{fn}: seed must be an int or None, got {seed!r} {user_line()}")
    if unique and n > (r if possible is None else possible):
        raise DualgradValueError(f"ds.nn.{fn}: Sampler's range is too small: unique=True needs num_sampled "
                                 f"({n}) <= the number of classes that can be drawn "
                                 f"({r if possible is None else possible}) {user_line()}")
    graph = get_default_graph()
    with graph.name_scope(name or fn):
        true = true_classes_of(fn, true_classes, num_true)
        attrs = {"shape": (n + 1,), "dtype": int64, "seed": seed, "sampler": kind, "num_sampled": n,
                 "range_max": r, "unique": bool(unique), "probs": probs}
        out = graph.create_op("CandidateSampler", (), attrs, (Spec((n + 1,), int64),), name="draw").outputs[0]
        sampled = ops.getitem(out, key=slice(0, n))
        tries = ops.getitem(out, key=n)
        return (sampled, _expected_count(probability(true), tries, n),
                _expected_count(probability(sampled), tries, n))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                                  name=None) -> tuple:
    """Classes drawn with P(k) = log((k + 2) / (k + 1)) / log(range_max + 1), Zipf-like for ids
    sorted by decreasing frequency (tf.nn.log_uniform_candidate_sampler)."""
    scale = float(np.log(float(range_max) + 1.0)) if isinstance(range_max, (int, np.integer)) else 1.0

    def probability(k):
        return ops.divide(ops.log1p(ops.divide(1.0, ops.add(cast(k, "float64"), 1.0))), scale)

    return _sampler("log_uniform_candidate_sampler", "log_uniform", probability, true_classes, num_true,
                    num_sampled, unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                              name=None) -> tuple:
    """Classes drawn uniformly from [0, range_max) (tf.nn.uniform_candidate_sampler)."""
    def probability(k):
        return ops.add(ops.multiply(cast(k, "float64"), 0.0), 1.0 / range_max)

    return _sampler("uniform_candidate_sampler", "uniform", probability, true_classes, num_true,
                    num_sampled, unique, range_max, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None) -> tuple:
    """Classes drawn with P(k) proportional to unigrams[k - num_reserved_ids] ** distortion, the
    reserved ids never drawn (tf.nn.fixed_unigram_candidate_sampler); one shard, no vocab_file."""
    fn = "fixed_unigram_candidate_sampler"
    if vocab_file or num_shards != 1 or shard != 0:
        raise DualgradNotImplementedError(f"ds.nn.{fn}: vocab_file and sharding are not supported; pass "
                                          f"`unigrams` {user_line()}")
    weights = np.asarray(unigrams, dtype=np.float64)
    reserved = _count(fn, "num_reserved_ids", num_reserved_ids, 0)
    if weights.ndim != 1 or weights.size + reserved != range_max or np.any(weights < 0) \
            or not np.all(np.isfinite(weights)) or not weights.sum() > 0:
        raise DualgradValueError(f"ds.nn.{fn}: unigrams must be {range_max!r} - num_reserved_ids finite "
                                 f"non-negative weights, not all zero (range_max = num_reserved_ids + "
                                 f"len(unigrams)), got {len(weights)} {user_line()}")
    probs = np.concatenate([np.zeros(reserved), weights ** float(distortion)])
    probs /= probs.sum()
    table = np.ascontiguousarray(probs)

    def probability(k):  # (0 for a class outside [0, range_max), as TF1's FixedUnigramSampler)
        inside = ops.logical_and(ops.greater_equal(k, 0), ops.less(k, range_max))
        return ops.where(inside, ops.take(table, ops.where(inside, k, 0)), 0.0)

    return _sampler(fn, "fixed_unigram", probability, true_classes, num_true, num_sampled, unique, range_max,
                    seed, name, probs=table, possible=int(np.count_nonzero(probs)))


def accidental_hits(labels: Tensor, sampled: Tensor, num_sampled: int) -> Tensor:
    """[batch, num_sampled] bool: sampled[j] is one of row i's labels, only the last position j
    of a repeated candidate marked (TF1's compute_accidental_hits keeps one position per id)."""
    from .tf_ops import reduce_any

    row = ops.reshape(sampled, shape=(1, 1, -1))
    hit = reduce_any(ops.equal(ops.expand_dims(labels, axis=2), row), axis=1)
    later = np.triu(np.ones((num_sampled, num_sampled), dtype=bool), 1)
    repeated = reduce_any(ops.logical_and(ops.equal(ops.expand_dims(sampled, axis=1),
                                                    ops.expand_dims(sampled, axis=0)), later), axis=1)
    return ops.logical_and(hit, ops.logical_not(repeated))
