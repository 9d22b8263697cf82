"""Graph building: names, default graphs, shapes with unknown dims, numpy interop, the
contract other parts of dualgrad walk (op.type, registry_op, inputs, attrs)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import DTypeError, GraphError, ShapeError


def test_names_follow_tf1():
    w = ds.Variable(ds.zeros([1]))
    v = ds.Variable(ds.zeros([1]))
    named = ds.Variable(ds.zeros([2]), name="w")
    assert (w.name, v.name, named.name) == ("Variable:0", "Variable_1:0", "w:0")
    assert named.op.name == "w" and named.op.type == "Variable"
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    y = ds.placeholder(ds.float32, shape=(None, 1))
    assert x.name == "x:0" and y.name == "Placeholder:0"
    loss = ds.reduce_mean(ds.square(x), name="loss")
    assert loss.name == "loss:0"
    g = ds.get_default_graph()
    assert g.get_tensor_by_name("w:0") is named
    assert g.get_tensor_by_name("loss:0") is loss
    assert g.get_operation_by_name("x") is x.op
    names = [op.name for op in g.get_operations()]
    assert names[:3] == ["zeros", "Variable", "Variable/Assign"]
    assert len(names) == len(set(names))
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")


def test_variable_repr_and_attributes():
    w = ds.Variable(ds.random_uniform([1], 0, 1.0))
    assert repr(w) == "<ds.Variable 'Variable:0' shape=(1,) dtype=float32>"
    assert w.shape == (1,) and w.dtype == ds.float32 and w.trainable
    assert w.initializer.type == "Assign" and w.initial_value.op.type == "RandomUniform"
    b = ds.Variable(np.zeros((2, 3)), trainable=False, name="b")
    assert b.dtype == ds.float64 and b.shape == (2, 3) and not b.trainable
    assert ds.trainable_variables() == [w]
    assert ds.global_variables() == [w, b]
    c = ds.Variable([1, 2], dtype=ds.float32)
    assert c.dtype == ds.float32
    assert ds.Variable(3.0).dtype == ds.float32  # Python floats are float32, as in TF1


def test_default_graph_and_as_default():
    g0 = ds.get_default_graph()
    g = ds.Graph()
    with g.as_default():
        assert ds.get_default_graph() is g
        c = ds.constant(1.0)
    assert c.graph is g and ds.get_default_graph() is g0
    assert g.get_operations() == [c.op]
    ds.reset_default_graph()
    assert ds.get_default_graph() is not g0
    with g.as_default(), pytest.raises(GraphError):
        ds.reset_default_graph()


def test_shape_inference_with_unknown_dims():
    x = ds.placeholder(ds.float32, shape=(None, 3))
    w = ds.Variable(np.ones((3, 2), np.float32))
    y = ds.matmul(x, w)
    assert y.shape == (None, 2) and y.dtype == ds.float32
    assert ds.reduce_sum(y, axis=0).shape == (2,)
    assert ds.reduce_sum(y, axis=1, keepdims=True).shape == (None, 1)
    assert ds.reduce_mean(y).shape == ()
    assert ds.reshape(x, [-1]).shape == (None,)
    assert ds.transpose(y).shape == (2, None)
    assert ds.expand_dims(y, 0).shape == (1, None, 2)
    assert ds.concat([x, x], axis=1).shape == (None, 6)
    assert ds.stack([x, x]).shape == (2, None, 3)
    assert ds.argmax(y, axis=1).dtype == ds.int64
    assert (x[:, 1]).shape == (None,)
    with pytest.raises(ShapeError, match=r"matmul.*\(None, 3\), \(4, 2\).*test_graph.py"):
        ds.matmul(x, np.ones((4, 2), np.float32))
    with pytest.raises(ShapeError, match=r"add: .*\(None, 3\), \(2, 4\)"):
        ds.add(x, np.ones((2, 4)))


def test_numpy_arrays_build_graph_ops_on_either_side():
    xs = np.linspace(-1, 1, 5).reshape(5, 1)
    w = ds.Variable(ds.ones([1]))
    b = ds.Variable(ds.zeros([1]))
    y = np.power(xs, 2) * w + b
    assert isinstance(y, ds.Tensor) and y.op.type == "add"
    assert y.shape == (5, 1)
    assert y.dtype == ds.float32  # numpy float64 data takes the model's dtype, as in TF1
    z = xs - y
    assert isinstance(z, ds.Tensor) and z.op.type == "subtract"
    e = np.exp(w)
    assert isinstance(e, ds.Tensor) and e.op.type == "exp"
    r = 2.0 / w
    assert r.op.type == "divide" and r.op.inputs[0] == 2.0
    x = ds.placeholder(ds.float32, shape=(None, 1))
    p = np.power(x, 2) * w + b  # a numpy ufunc on a graph tensor builds the registry op
    assert p.op.inputs[0].op.inputs[0].op.type == "power" and p.shape == (None, 1)


def test_contract_for_graph_walkers():
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    w = ds.Variable(ds.zeros([1]), name="w")
    c = ds.constant([1.0, 2.0])
    y = ds.square(x) * w + 3
    assert y.op.type == "add" and y.op.registry_op is ops.REGISTRY["add"]
    mul = y.op.inputs[0].op
    assert mul.type == "multiply" and mul.inputs[1] is w
    assert y.op.inputs[1] == 3 and y.value_index == 0
    assert x.op.type == "Placeholder" and x.op.registry_op is None
    assert x.op.attrs["shape"] == (None, 1) and x.op.attrs["dtype"] == ds.float32
    assert w.op.type == "Variable" and w.op.registry_op is None and w.op.name == "w"
    assert c.op.type == "Const"
    np.testing.assert_array_equal(c.op.attrs["value"], [1.0, 2.0])
    m = ds.reduce_mean(y, axis=0, keepdims=True)
    assert m.op.attrs == {"axis": 0, "keepdims": True}
    a = w.assign(w + 1)
    assert a.op.type == "Assign" and a.op.inputs[0] is w and a.op.registry_op is None
    assert w.op.outputs == (w,) and a.op.outputs == (a,)
    assert "test_graph.py" in y.op.where


def test_operators():
    a = ds.placeholder(ds.float32, shape=(2,))
    b = ds.placeholder(ds.float32, shape=(2,))
    kinds = {a + b: "add", a - b: "subtract", a * b: "multiply", a / b: "divide",
             a ** 2: "power", -a: "negative", abs(a): "abs", a < b: "less", a <= b: "less_equal",
             a > b: "greater", a >= b: "greater_equal", 1 - a: "subtract", 2 ** a: "power"}
    for t, kind in kinds.items():
        assert t.op.type == kind
    assert (a == b) is False and (a == a) is True  # identity, as TF1
    assert len({a, b}) == 2
    m = ds.placeholder(ds.float32, shape=(2, 2))
    assert (m @ m).op.type == "matmul"
    with pytest.raises(TypeError, match="bool"):
        bool(a)


def test_mixing_eager_and_static_is_an_error():
    x = ds.placeholder(ds.float32, shape=(3,))
    t = dg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(GraphError, match=r"multiply.*eager.*static.*test_graph.py"):
        x * t
    with pytest.raises(GraphError, match="cannot mix"):
        t * x
    assert (x * t.numpy()).op.type == "multiply"  # converted explicitly: fine


def test_tensors_from_two_graphs_do_not_mix():
    x = ds.placeholder(ds.float32, shape=(3,), name="x")
    g = ds.Graph()
    with g.as_default():
        c = ds.constant(1.0)
        with pytest.raises(GraphError, match=r"'x:0' \(created at test_graph.py:\d+\).*same graph"):
            c + x


def test_finalized_graph_refuses_new_ops():
    g = ds.get_default_graph()
    ds.constant(1.0)
    g.finalize()
    assert g.finalized
    with pytest.raises(GraphError, match="finalized"):
        ds.constant(2.0)


def test_assign_checks_shape_and_dtype():
    w = ds.Variable(ds.zeros([2]), name="w")
    with pytest.raises(ShapeError, match="shape"):
        w.assign(np.zeros(3))
    i = ds.Variable(ds.constant([1, 2]), name="i")
    with pytest.raises(DTypeError):
        i.assign(ds.constant([1.5, 2.5]))


def test_name_scope_and_gradients_scope():
    with ds.name_scope("layer"):
        c = ds.constant(1.0, name="c")
        d = c * 2
    assert c.name == "layer/c:0" and d.name == "layer/multiply:0"
    x = ds.Variable(2.0)
    (g,) = ds.gradients(x * x, [x])
    assert g.name.startswith("gradients/")


def test_unknown_rank_placeholder():
    x = ds.placeholder(ds.float32)
    y = x * 2 + 1
    assert x.shape.ndims is None and y.shape.ndims is None and y.dtype == ds.float32
    assert ds.reduce_sum(y).shape == ()
    with ds.Session() as sess:
        assert sess.run(y, {x: 3.0}) == 7.0
        np.testing.assert_allclose(sess.run(y, {x: [[1.0, 2.0]]}), [[3.0, 5.0]])
        (g,) = ds.gradients(x * x, [x])
        np.testing.assert_allclose(sess.run(g, {x: [1.0, 3.0]}), [2.0, 6.0])


SPEC_MATH = {  # SPEC §3's list, with the registry op each must build
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
    "square": "square", "sqrt": "sqrt", "exp": "exp", "log": "log", "sin": "sin", "cos": "cos",
    "tanh": "tanh", "sigmoid": "sigmoid", "pow": "power", "abs": "abs", "matmul": "matmul",
    "reduce_sum": "sum", "reduce_mean": "mean", "reduce_max": "amax", "argmax": "argmax",
    "reshape": "reshape", "transpose": "transpose", "expand_dims": "expand_dims",
    "squeeze": "squeeze", "concat": "concatenate", "stack": "stack", "where": "where",
    "cast": "cast",
}


def test_every_spec_function_maps_to_a_registry_op():
    a = ds.placeholder(ds.float32, shape=(2, 2))
    b = ds.placeholder(ds.float32, shape=(2, 2))
    calls = {
        "add": (a, b), "subtract": (a, b), "multiply": (a, b), "divide": (a, b), "pow": (a, b),
        "matmul": (a, b), "reshape": (a, [4]), "expand_dims": (a, 0), "squeeze": (a,),
        "concat": ([a, b], 0), "stack": ([a, b],), "where": (a > b, a, b),
        "cast": (a, ds.float64), "transpose": (a,),
    }
    for name, op_name in SPEC_MATH.items():
        args = calls.get(name, (a,))
        t = getattr(ds, name)(*args)
        if name == "squeeze":
            assert t is not a and t.op.type == "squeeze"
            continue
        assert t.op.type == op_name, name
        assert t.op.registry_op is ops.REGISTRY[op_name]
    nn = {"relu": "relu", "softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}
    for name, op_name in nn.items():
        assert getattr(ds.nn, name)(a).op.type == op_name
    ce = ds.nn.softmax_cross_entropy_with_logits(labels=b, logits=a)
    assert ce.shape == (2,) and ce.op.type == "negative"
    for name in ("float32", "float64", "int32", "int64", "bool"):
        assert getattr(ds, name) is getattr(dg, name if name != "bool" else "bool")


def test_eager_tensors_are_never_converted_implicitly():
    t = dg.tensor([1.0, 2.0])
    with pytest.raises(GraphError, match=r"\.numpy\(\).*|eager"):
        ds.square(t)
    with pytest.raises(GraphError, match="eager"):
        ds.Variable(t)
    assert ds.Variable(t.numpy()).shape == (2,)
