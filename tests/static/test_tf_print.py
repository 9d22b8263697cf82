"""ds.Print and ds.print (dualgrad/static/tf_print.py): the values a run computes are printed
after the program, on both backends, each time the printing op runs (first_n, summarize, sep,
end, output_stream); Print passes its input through, values and gradients; bad input at the
user's line."""

from __future__ import annotations

import io

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError

LINE = r"test_tf_print\.py:\d+"


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_print_writes_the_run_values(backend, capsys):
    x = ds.placeholder(ds.float64, [None])
    shown = ds.Print(x, [x, ds.reduce_sum(x), "done"], message="x, sum: ", first_n=2)
    doubled = shown * 2.0
    grad = ds.gradients(ds.reduce_sum(doubled), x)[0]
    stream = io.StringIO()
    op = ds.print("step", ds.range(10), x[:1], output_stream=stream, sep="|", end=";\n", summarize=2)
    counter = ds.Variable(0.0, dtype=ds.float64)
    with ds.control_dependencies([ds.print("bump", counter, output_stream=stream)]):
        bump = ds.assign_add(counter, 1.0)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for k in range(3):
            values = np.array([1.0, 2.0, 0.5 + k])
            got, g = sess.run([doubled, grad], {x: values})
            np.testing.assert_array_equal(got, 2 * values)
            np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])  # Print is an identity to gradients
        sess.run(op, {x: [7.0, 8.0]})
        sess.run(bump)
        sess.run(bump)
        assert sess.run(counter) == 2.0
    err = capsys.readouterr().err.splitlines()
    assert err == ["x, sum: [1.  2.  0.5]3.5done", "x, sum: [1.  2.  1.5]4.5done"]  # first_n=2
    assert stream.getvalue() == "step|[0 1 ... 8 9]|[7.];\nbump 0.0\nbump 1.0\n"


def test_print_of_strings_only_prints_when_run(capsys):
    op = ds.print("hello", "graph")
    assert capsys.readouterr().err == ""  # building prints nothing
    with ds.Session(backend="numpy") as sess:
        sess.run(op)
        sess.run(op)
    assert capsys.readouterr().err == "hello graph\nhello graph\n"


def test_bad_arguments_raise_at_the_users_line():
    x = ds.placeholder(ds.float32, [2])
    cases = [
        (lambda: ds.Print(x, x), r"ds\.Print: data must be a list of tensors"),
        (lambda: ds.Print(x, [x], message=3), r"ds\.Print: message must be a str, got 3"),
        (lambda: ds.print("a", ds.no_op()), r"ds\.print: cannot print an Operation"),
        (lambda: ds.print(x, output_stream=3), r"ds\.print: output_stream must be a stream"),
    ]
    for build, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            build()
