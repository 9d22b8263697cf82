"""Issue 10: a static graph that can never run is refused when it is built.

Each row is one bad call found by going through the public ds.* functions argument by
argument (out-of-range and repeated axes, negative or non-int sizes, wrong types, mismatched
shapes, impossible hyperparameters). Every refusal must be a dualgrad error of the Python type
a TF1 user would catch, name the function or op, and point at this file's line.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad import ops
from dualgrad.dtypes import float64
from dualgrad.errors import DualgradError
from dualgrad.ops import Spec


def c():
    return ds.constant(np.ones((2, 3)))


def v3():
    return ds.constant(np.ones(3))


def ints():
    return ds.constant([1, 2])


def loss_and_w():
    w = ds.Variable(np.ones(3, np.float32), name="w")
    return ds.reduce_sum(ds.square(w)), w


def enter(cm):
    return cm.__enter__()


# (function or op named in the message, the call, the Python type a user would catch)
CASES = [
    # axes and permutations (registry shape rules: eager gets them too)
    ("transpose", lambda: ds.transpose(c(), perm=[0, 5]), IndexError),
    ("transpose", lambda: ds.transpose(c(), perm=[0, 0]), ValueError),
    ("transpose", lambda: ds.transpose(c(), perm=[0]), ValueError),
    ("expand_dims", lambda: ds.expand_dims(c(), 5), IndexError),
    ("expand_dims", lambda: ds.expand_dims(c(), -5), IndexError),
    ("sum", lambda: ds.reduce_sum(c(), axis=[0, 0]), ValueError),
    ("sum", lambda: ds.reduce_sum(c(), axis=[1, -1]), ValueError),
    ("sum", lambda: ds.reduce_sum(c(), axis=2), IndexError),
    ("sum", lambda: ds.reduce_sum(c(), axis=1.5), TypeError),
    ("mean", lambda: ds.reduce_mean(c(), axis=[True]), TypeError),
    ("amax", lambda: ds.reduce_max(c(), axis=-3), IndexError),
    ("reduce_sum", lambda: ds.reduce_sum(c(), keepdims="yes"), TypeError),
    ("concatenate", lambda: ds.concat([c()], axis=3), IndexError),
    ("concatenate", lambda: ds.concat([c(), ds.ones((3, 3), ds.float64)], axis=1), ValueError),
    ("concat", lambda: ds.concat([], 0), ValueError),
    ("stack", lambda: ds.stack([c(), c()], axis=4), IndexError),
    ("stack", lambda: ds.stack([]), ValueError),
    ("squeeze", lambda: ds.squeeze(c(), axis=0), ValueError),
    ("squeeze", lambda: ds.squeeze(c(), axis=5), IndexError),
    ("argmax", lambda: ds.argmax(c(), axis=3), IndexError),
    ("argmax", lambda: ds.argmax(c(), output_type=ds.float32), TypeError),
    ("softmax", lambda: ds.nn.softmax(c(), axis=3), IndexError),
    ("log_softmax", lambda: ds.nn.log_softmax(c(), axis=-4), IndexError),
    ("mean", lambda: ds.nn.moments(c(), axes=[5]), IndexError),
    ("getitem", lambda: c()[5], IndexError),
    ("getitem", lambda: c()[::0], IndexError),
    # shapes and sizes
    ("reshape", lambda: ds.reshape(c(), [4, 2]), ValueError),
    ("reshape", lambda: ds.reshape(c(), [1.5, 4]), TypeError),
    ("reshape", lambda: ds.reshape(c(), "ab"), TypeError),
    ("matmul", lambda: ds.matmul(c(), c()), ValueError),
    ("matmul", lambda: ds.matmul(v3(), c(), transpose_a=True), ValueError),
    ("add_n", lambda: ds.add_n([]), ValueError),
    ("add_n", lambda: ds.add_n([c(), v3()]), ValueError),
    ("zeros", lambda: ds.zeros([-2]), ValueError),
    ("zeros", lambda: ds.zeros([1.5]), TypeError),
    ("ones", lambda: ds.ones(None), ValueError),
    ("fill", lambda: ds.fill([2, -1], 1.0), ValueError),
    ("fill", lambda: ds.fill([2], [1.0, 2.0]), ValueError),
    ("placeholder", lambda: ds.placeholder(ds.float32, shape=5.0), TypeError),
    ("placeholder", lambda: ds.placeholder(ds.float32, shape=[-3]), ValueError),
    ("constant", lambda: ds.constant([1, 2, 3], shape=[2, 2]), ValueError),
    ("constant", lambda: ds.constant([[1, 2], [3]]), ValueError),
    ("constant", lambda: ds.constant("abc"), TypeError),
    ("Variable", lambda: ds.Variable(ds.placeholder(ds.float32, (None,))), ValueError),
    ("Assign", lambda: ds.Variable(np.ones(3)).assign(np.ones(4)), ValueError),
    ("one_hot", lambda: ds.one_hot(ints(), -3), ValueError),
    ("one_hot", lambda: ds.one_hot(ints(), 2.5), TypeError),
    ("one_hot", lambda: ds.one_hot(ds.constant([1.0, 2.0]), 3), TypeError),
    ("where", lambda: ds.where(c(), c(), c()), TypeError),
    ("where", lambda: ds.where(c() > 0, c(), ds.ones((4,), ds.float64)), ValueError),
    ("size", lambda: ds.size(c(), out_type=ds.float32), TypeError),
    ("shape", lambda: ds.shape(c(), out_type=ds.float32), TypeError),
    ("bias_add", lambda: ds.nn.bias_add(c(), ds.ones((4,), ds.float64)), ValueError),
    ("softmax_cross_entropy_with_logits",
     lambda: ds.nn.softmax_cross_entropy_with_logits(labels=ds.ones((1, 3), ds.float64), logits=c()),
     ValueError),
    ("sparse_softmax_cross_entropy_with_logits",
     lambda: ds.nn.sparse_softmax_cross_entropy_with_logits(labels=ds.constant([1, 2, 0]), logits=c()),
     ValueError),
    ("sparse_softmax_cross_entropy_with_logits",
     lambda: ds.nn.sparse_softmax_cross_entropy_with_logits(labels=ds.constant([1.0, 2.0]), logits=c()),
     TypeError),
    ("sigmoid_cross_entropy_with_logits",
     lambda: ds.nn.sigmoid_cross_entropy_with_logits(labels=ds.ones((3, 3)), logits=ds.ones((2, 3))),
     ValueError),
    ("dropout", lambda: ds.nn.dropout(c(), keep_prob=1.5), ValueError),
    ("dropout", lambda: ds.nn.dropout(c(), keep_prob=0.0), ValueError),
    ("dropout", lambda: ds.nn.dropout(c(), rate=1.0), ValueError),
    ("check_numerics", lambda: ds.check_numerics(c(), 5), TypeError),
    # random ops draw on the host: their parameters must make sense now
    ("random_uniform", lambda: ds.random_uniform([2], minval=2, maxval=1), ValueError),
    ("random_uniform", lambda: ds.random_uniform([2], 0, 5, dtype=ds.int32, seed=1.5), TypeError),
    ("random_uniform", lambda: ds.random_uniform([2], 0, 2.5, dtype=ds.int32), TypeError),
    ("random_uniform", lambda: ds.random_uniform([2], 3, 3, dtype=ds.int32), ValueError),
    ("random_uniform", lambda: ds.random_uniform([2], 0, float("inf")), TypeError),
    ("random_normal", lambda: ds.random_normal([2], stddev=-1.0), ValueError),
    ("truncated_normal", lambda: ds.truncated_normal([2], mean="a"), TypeError),
    ("random_normal", lambda: ds.random_normal([2], dtype=ds.int32), TypeError),
    ("set_random_seed", lambda: ds.set_random_seed("a"), TypeError),
    # gradients and optimizers
    ("gradients", lambda: ds.gradients(ds.reduce_sum(c()), c(), grad_ys=ds.ones((5,), ds.float64)),
     ValueError),
    ("gradients", lambda: ds.gradients(c(), c(), grad_ys=ds.ones((2, 3), ds.int32)), TypeError),
    ("gradients", lambda: ds.gradients([], [c()]), ValueError),
    ("gradients", lambda: ds.gradients(c(), [5]), TypeError),
    ("GradientDescentOptimizer", lambda: ds.train.GradientDescentOptimizer("abc"), TypeError),
    ("GradientDescentOptimizer", lambda: ds.train.GradientDescentOptimizer(float("nan")), TypeError),
    ("MomentumOptimizer", lambda: ds.train.MomentumOptimizer(0.1, momentum=None), TypeError),
    ("AdamOptimizer", lambda: ds.train.AdamOptimizer(beta1=1.0), ValueError),
    ("AdamOptimizer", lambda: ds.train.AdamOptimizer(epsilon=-1.0), ValueError),
    ("GradientDescentOptimizer",
     lambda: ds.train.GradientDescentOptimizer(0.1).minimize(loss_and_w()[0], var_list=[c()]), TypeError),
    ("GradientDescentOptimizer",
     lambda: ds.train.GradientDescentOptimizer(0.1).apply_gradients([(v3(), 5)]), TypeError),
    ("GradientDescentOptimizer",
     lambda: ds.train.GradientDescentOptimizer(0.1).apply_gradients([(c(), loss_and_w()[1])]), ValueError),
    ("GradientDescentOptimizer",
     lambda: ds.train.GradientDescentOptimizer(0.1).apply_gradients(
         [(v3(), loss_and_w()[1])], global_step=3), TypeError),
    # sessions, graphs, scopes, collections
    ("Session", lambda: ds.Session(graph=5), TypeError),
    ("Session", lambda: ds.Session(backend="tpu"), ValueError),
    ("Session.run", lambda: ds.Session(backend="numpy").run(c(), feed_dict=[1]), TypeError),
    ("Fetch argument", lambda: ds.Session(backend="numpy").run(5), TypeError),
    ("feed_dict key", lambda: ds.Session(backend="numpy").run(c(), feed_dict={5: 1}), TypeError),
    ("make_callable", lambda: ds.Session(backend="numpy").make_callable(c(), feed_list=5), TypeError),
    ("Tensor or Operation", lambda: ds.control_dependencies([5]), TypeError),
    ("control_dependencies", lambda: ds.control_dependencies(c()), TypeError),
    ("name_scope", lambda: ds.name_scope(5), TypeError),
    ("variable_scope", lambda: ds.variable_scope(5), TypeError),
    ("variable_scope", lambda: ds.variable_scope("s", reuse="sometimes"), ValueError),
    ("Variable", lambda: ds.Variable(1.0, name=5), TypeError),
    ("Placeholder", lambda: ds.placeholder(ds.float32, name=5), TypeError),
    ("reshape_like", lambda: ds.identity(c(), name=5), TypeError),
    ("group", lambda: ds.group(5), TypeError),
    ("variables_initializer", lambda: ds.variables_initializer(5), TypeError),
    ("variables_initializer", lambda: ds.variables_initializer([c()]), TypeError),
    ("random_uniform", lambda: ds.get_variable("z", shape=[-3]), ValueError),
    ("initializer", lambda: ds.get_variable("q", shape=[2], initializer=np.ones(3)), ValueError),
    ("constant_initializer", lambda: ds.constant_initializer([1, 2, 3])([2]), ValueError),
]


@pytest.mark.parametrize("named,call,kind", CASES, ids=[f"{i}-{n}" for i, (n, _, _) in enumerate(CASES)])
def test_a_graph_that_can_never_run_is_refused_when_built(named, call, kind):
    ds.reset_default_graph()
    with pytest.raises(DualgradError) as info:
        call()
    error = info.value
    assert isinstance(error, kind), f"{type(error).__mro__} is not a {kind.__name__}"
    message = str(error)
    assert named in message
    where = f"{os.path.basename(__file__)}:"
    lines = {call.__code__.co_firstlineno, *(ln for _, _, ln in call.__code__.co_lines() if ln)}
    found = [int(m) for m in re.findall(re.escape(where) + r"(\d+)", message)]
    assert any(line in lines for line in found), f"{message!r} does not point at {where}{sorted(lines)}"


@pytest.mark.parametrize("op,n_inputs,attrs,kind", [
    (ops.transpose, 1, {"axes": (0, 5)}, IndexError),
    (ops.transpose, 1, {"axes": (0, -3)}, IndexError),
    (ops.expand_dims, 1, {"axis": 5}, IndexError),
    (ops.expand_dims, 1, {"axis": (0, 0)}, ValueError),
    (ops.sum, 1, {"axis": (0, 0)}, ValueError),
    (ops.mean, 1, {"axis": (1.5,)}, TypeError),
    (ops.concatenate, 1, {"axis": 3}, IndexError),
    (ops.stack, 2, {"axis": 4}, IndexError),
    (ops.softmax, 1, {"axis": 3}, IndexError),
    (ops.log_softmax, 1, {"axis": -3}, IndexError),
])
def test_the_registry_shape_rules_refuse_the_axes(op, n_inputs, attrs, kind):
    """The root of the axis checks is the op's shape rule, which static graphs run when built
    and eager mode runs too: the rule itself must refuse (it used to wrap the axis)."""
    with pytest.raises(DualgradError) as info:
        op.infer([Spec((2, 3), float64)] * n_inputs, attrs)
    assert isinstance(info.value, kind)
    assert op.name in str(info.value)

