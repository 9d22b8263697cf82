"""ds.train.ExponentialMovingAverage against TF1's update written out in numpy float64 (decay a
float32 tensor cast to the shadow's dtype; min(decay, (1 + n) / (10 + n)) with num_updates), its
shadow names, collection and variables_to_restore (as tf.compat.v1 2.21 gives them), errors."""

from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError


def test_shadows_follow_tf1s_update_with_a_float32_decay():
    w = ds.Variable([1.0, 2.0], name="w", dtype=ds.float64)
    b = ds.Variable(3.0, name="b")
    ema = ds.train.ExponentialMovingAverage(0.99)
    with ds.control_dependencies([w.assign_add([1.0, -1.0])]):
        update = ema.apply([w, b])
    assert [v.name for v in ds.global_variables()] == [
        "w:0",
        "b:0",
        "w/ExponentialMovingAverage:0",
        "b/ExponentialMovingAverage:0",
    ]
    assert ds.trainable_variables() == [w, b]
    assert ds.get_collection(ds.GraphKeys.MOVING_AVERAGE_VARIABLES) == [w, b]
    assert (
        ema.average_name(w) == "w/ExponentialMovingAverage"
        and ema.average(w).name == "w/ExponentialMovingAverage:0"
    )
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(ema.average(w)), [1.0, 2.0])  # the variable's initial value
        shadows = []
        for _ in range(3):
            sess.run(update)
            shadows.append(sess.run([ema.average(w), ema.average(b)]))
    rate = 1 - np.float64(np.float32(0.99))  # 0.0099999905: TF1's decay is a float32 tensor
    shadow, value = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    for got_w, got_b in shadows:
        value = value + [1.0, -1.0]
        shadow = shadow - (shadow - value) * rate
        np.testing.assert_allclose(got_w, shadow, rtol=1e-15)
        assert got_b == np.float32(3.0)


def test_num_updates_caps_the_decay_and_variables_to_restore():
    w = ds.Variable([1.0, 2.0], name="w", dtype=ds.float64)
    other = ds.Variable(0.0, name="other", trainable=False)
    step = ds.Variable(0, name="step", trainable=False)
    ema = ds.train.ExponentialMovingAverage(0.99, num_updates=step, name="avg")
    with ds.control_dependencies([w.assign_add([1.0, 1.0]), step.assign_add(1)]):
        update = ema.apply()  # the trainable variables
    assert ema.variables_to_restore() == {"w/avg": w, "other": other, "step": step}
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        got = []
        for _ in range(2):
            sess.run(update)
            got.append(sess.run(ema.average(w)))
    shadow, value = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    for n, g in zip((1, 2), got, strict=True):
        value = value + 1.0
        decay = min(np.float32(0.99), np.float32(1 + n) / np.float32(10 + n))
        shadow = shadow - (shadow - value) * (1 - np.float64(decay))
        np.testing.assert_allclose(g, shadow, rtol=1e-7)  # (TF1's float32 quotient; 1.8181818 at n=1)
    np.testing.assert_allclose(got[0], [1.81818181, 2.81818181], rtol=1e-8)  # tf.compat.v1 2.21's numbers


def test_errors_name_the_call_and_line():
    w = ds.Variable(1.0, name="w")
    ema = ds.train.ExponentialMovingAverage(0.9)
    ema.apply([w])
    line = r"test_train_ema\.py:\d+"
    with pytest.raises(DualgradError, match=rf"moving average of w:0 is already computed.*{line}"):
        ema.apply([w])
    with pytest.raises(DualgradError, match=rf"only variables are averaged here.*{line}"):
        ema.apply([w * 2.0])
    with pytest.raises(DualgradError, match=rf"the variables must be float, got n:0 of dtype int32.*{line}"):
        ema.apply([ds.Variable(1, name="n")])
    with pytest.raises(DualgradError, match=rf"decay must be a number or a tensor, got '0.9'.*{line}"):
        ds.train.ExponentialMovingAverage("0.9")
    assert ema.average(ds.Variable(2.0)) is None
