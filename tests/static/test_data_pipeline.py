"""`ds.data` (TF1's tf.data in graph mode): element order, batching, shuffle's buffer
algorithm, repeat/take/skip/zip/concatenate/map, the iterators' runs (one element per run,
OutOfRangeError with nothing applied), on both Session backends. Expected values are written
out (TF1 2.21 gave the same; the TF check at the end runs only where TF is installed)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad import errors


def elements(dataset, backend="numpy", limit=100):
    """Every element of `dataset` through a one-shot iterator, until OutOfRangeError."""
    with ds.Graph().as_default():
        nxt = dataset().make_one_shot_iterator().get_next()
        out = []
        with ds.Session(backend=backend) as sess:
            for _ in range(limit):
                try:
                    out.append(sess.run(nxt))
                except ds.errors.OutOfRangeError:
                    return out
    raise AssertionError("the dataset did not end")


def ints(values) -> list:
    return [int(v) for v in values]


def test_slices_of_a_nested_structure_batched_in_order():
    data = lambda: ds.data.Dataset.from_tensor_slices(  # noqa: E731
        (np.arange(5.0), {"b": np.arange(5) * 10, "a": [[1, 2]] * 5})).batch(2)
    got = elements(data)
    assert len(got) == 3
    for (x, d), want in zip(got, [[0, 1], [2, 3], [4]], strict=True):
        assert x.dtype == np.float64 and x.tolist() == want
        assert sorted(d) == ["a", "b"] and d["b"].tolist() == [10 * i for i in want]
        assert d["a"].dtype == np.int32 and d["a"].tolist() == [[1, 2]] * len(want)


def test_output_types_and_shapes():
    with ds.Graph().as_default():
        d = ds.data.Dataset.from_tensor_slices(([1.0, 2.0, 3.0], {"b": [1, 2, 3], "a": np.zeros((3, 2))}))
        assert d.output_types == (ds.float32, {"a": ds.float64, "b": ds.int32})
        assert ds.data.get_output_shapes(d) == ((), {"a": (2,), "b": ()})
        assert d.batch(2).output_shapes == ((None,), {"a": (None, 2), "b": (None,)})
        assert d.batch(2, drop_remainder=True).output_shapes == ((2,), {"a": (2, 2), "b": (2,)})
        assert ds.data.get_output_types(ds.data.Dataset.range(5)) is ds.int64
        assert ds.data.Dataset.from_tensors(np.ones((2, 3))).batch(2).output_shapes == (None, 2, 3)
        m = ds.data.Dataset.from_tensor_slices((np.arange(4.0), np.arange(4)))
        m = m.map(lambda x, y: (x * 2, y + 1))
        assert m.output_types == (ds.float64, ds.int64) and m.output_shapes == ((), ())
        it = ds.data.make_initializable_iterator(d)
        x, parts = it.get_next()
        assert x.dtype is ds.float32 and x.shape == () and parts["a"].shape == (2,)
        assert ds.data.get_output_classes(it) == (ds.Tensor, {"a": ds.Tensor, "b": ds.Tensor})


def test_range_repeat_take_skip_zip_concatenate():
    D = ds.data.Dataset
    assert ints(elements(lambda: D.range(2, 9, 3))) == [2, 5, 8]
    assert ints(elements(lambda: D.range(3).repeat(2))) == [0, 1, 2, 0, 1, 2]
    assert ints(elements(lambda: D.range(3).repeat().take(7))) == [0, 1, 2, 0, 1, 2, 0]
    assert ints(elements(lambda: D.range(6).skip(2).take(3))) == [2, 3, 4]
    assert ints(elements(lambda: D.range(3).skip(-1))) == []
    assert ints(elements(lambda: D.range(3).take(-1))) == [0, 1, 2]
    assert ints(elements(lambda: D.range(3).concatenate(D.range(2)).prefetch(1))) == [0, 1, 2, 0, 1]
    assert ints(elements(lambda: D.range(0).repeat())) == []  # an empty dataset repeated forever ends
    zipped = elements(lambda: D.zip((D.range(3), D.range(10, 15))).batch(2, drop_remainder=True))
    assert [(a.tolist(), b.tolist()) for a, b in zipped] == [([0, 1], [10, 11])]
    with ds.Graph().as_default():
        assert D.zip({"p": D.range(2), "q": D.from_tensors([1.0])}).output_shapes == {"p": (), "q": (1,)}


def test_map_traces_once_and_runs_per_element_or_batch():
    got = elements(lambda: ds.data.Dataset.from_tensor_slices((np.arange(4.0), np.arange(4)))
                   .map(lambda x, y: {"twice": x * 2, "next": y + 1}).batch(3))
    assert [g["twice"].tolist() for g in got] == [[0.0, 2.0, 4.0], [6.0]]
    assert [g["next"].tolist() for g in got] == [[1, 2, 3], [4]]
    got = elements(lambda: ds.data.Dataset.range(5).batch(2).map(lambda v: ds.reduce_sum(v)), "jax")
    assert ints(got) == [1, 5, 4]


def test_shuffle_is_tfs_buffer_algorithm_and_reproducible():
    data = lambda: ds.data.Dataset.range(20).shuffle(5, seed=7).repeat(2)  # noqa: E731
    first, again = ints(elements(data)), ints(elements(data))
    assert first == again  # seeded: the same order in every session and graph
    for epoch in (first[:20], first[20:]):
        assert sorted(epoch) == list(range(20))
        # a buffer of 5: the j-th output is one of the first j + 5 inputs
        assert all(v < j + 5 for j, v in enumerate(epoch))
    assert first[:20] != first[20:]  # reshuffle_each_iteration: each epoch its own order
    same = ints(elements(lambda: ds.data.Dataset.range(20).shuffle(5, seed=7, reshuffle_each_iteration=False)
                         .repeat(2)))
    assert same[:20] == same[20:] and sorted(same[:20]) == list(range(20))
    assert ints(elements(lambda: ds.data.Dataset.range(6).shuffle(1))) == list(range(6))
    with ds.Graph().as_default():
        ds.set_random_seed(3)  # a graph seed alone also fixes the order
        it = ds.data.Dataset.range(30).shuffle(30).make_initializable_iterator()
        nxt = it.get_next()
        with ds.Session(backend="numpy") as sess:
            orders = []
            for _ in range(2):
                sess.run(it.initializer)  # a restart replays the seeded order, as TF1's
                orders.append(ints(sess.run(nxt) for _ in range(30)))
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(30)) and orders[0] != list(range(30))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_one_element_per_run_and_out_of_range_applies_nothing(backend):
    with ds.Graph().as_default():
        x = ds.data.Dataset.from_tensor_slices(np.array([1.0, 2.0, 4.0])).make_one_shot_iterator().get_next()
        total = ds.Variable(0.0, dtype=ds.float64)
        add = ds.assign_add(total, x)
        unrelated = ds.assign_add(ds.Variable(0.0, dtype=ds.float64), 1.0)
        with ds.Session(backend=backend) as sess:
            sess.run(ds.global_variables_initializer())
            assert sess.run(unrelated) == 1.0  # pulls nothing: x is not needed
            assert sess.run([x, x * 10, add]) == [1.0, 10.0, 1.0]  # one element for the whole run
            assert sess.run(add) == 3.0
            assert sess.run(add) == 7.0
            for _ in range(2):  # the end stays the end
                with pytest.raises(errors.OutOfRangeError, match="End of sequence"):
                    sess.run(add)
            assert sess.run(total) == 7.0  # the failed runs applied nothing


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_tf1_training_loop_with_a_feed_beside_the_iterator(backend):
    """The TF1 idiom `while True: try: sess.run(train_op) except OutOfRangeError: break`, with
    the learning rate fed in each run; the last batch is short (leading dim None)."""
    data = np.arange(10.0).reshape(5, 2)
    with ds.Graph().as_default():
        batch = ds.data.Dataset.from_tensor_slices(data).batch(2).make_one_shot_iterator().get_next()
        assert batch.shape == (None, 2)
        rate = ds.placeholder(ds.float64, [])
        w = ds.Variable(np.zeros(2))
        train_op = ds.assign_add(w, rate * ds.reduce_sum(batch, axis=0))
        steps = 0
        with ds.Session(backend=backend) as sess:
            sess.run(ds.global_variables_initializer())
            while True:
                try:
                    sess.run(train_op, feed_dict={rate: 0.5})
                except ds.errors.OutOfRangeError:
                    break
                steps += 1
            assert steps == 3
            np.testing.assert_array_equal(sess.run(w), 0.5 * data.sum(0))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_initializable_iterator_from_a_placeholder_restarts(backend):
    with ds.Graph().as_default():
        source = ds.placeholder(ds.float32, [None, 2])
        it = ds.data.Dataset.from_tensor_slices(source).batch(2).make_initializable_iterator()
        nxt = it.get_next()
        with ds.Session(backend=backend) as sess:
            with pytest.raises(errors.UninitializedError, match="not been initialized"):
                sess.run(nxt)
            assert sess.run(it.initializer, feed_dict={source: np.ones((3, 2))}) is None
            assert sess.run(nxt).tolist() == [[1.0, 1.0], [1.0, 1.0]]
            sess.run(it.initializer, feed_dict={source: np.full((1, 2), 5.0)})  # starts over
            assert sess.run(nxt).tolist() == [[5.0, 5.0]]
            with pytest.raises(errors.OutOfRangeError):
                sess.run(nxt)


def test_a_one_shot_iterator_reads_graph_constants_and_each_session_has_its_own_state():
    with ds.Graph().as_default():
        dataset = ds.data.Dataset.from_tensors(ds.constant([1, 2])).repeat(2)
        nxt = ds.data.make_one_shot_iterator(dataset).get_next()
        runs = []
        for _ in range(2):
            with ds.Session(backend="numpy") as sess:
                runs.append([sess.run(nxt).tolist(), sess.run(nxt).tolist()])
        assert runs == [[[1, 2], [1, 2]]] * 2
        with ds.Session(backend="numpy") as sess:
            # a get_next tensor fed by the user pulls nothing
            fed = sess.run(nxt * 2, feed_dict={nxt: np.array([3, 4], np.int32)})
            assert fed.tolist() == [6, 8] and sess.run(nxt).tolist() == [1, 2]


def test_bad_pipelines_are_refused_naming_the_call():
    D = ds.data.Dataset
    with ds.Graph().as_default():
        with pytest.raises(errors.ShapeError, match="different first dimensions"):
            D.from_tensor_slices(([1, 2], [1, 2, 3]))
        with pytest.raises(errors.ShapeError, match="scalar"):
            D.from_tensor_slices(3.0)
        with pytest.raises(errors.ArgumentError, match="batch_size must be >= 1"):
            D.range(3).batch(0)
        with pytest.raises(errors.DTypeError, match="structures or dtypes differ"):
            D.range(3).concatenate(D.from_tensor_slices([1.0]))
        with pytest.raises(errors.DTypeError, match="not iterable"):
            iter(D.range(3))
        ph = ds.placeholder(ds.float32, [None])
        nxt = D.from_tensor_slices(ph).make_one_shot_iterator().get_next()
        with ds.Session(backend="numpy") as sess, pytest.raises(errors.GraphError, match="must feed"):
            sess.run(nxt)  # a one-shot iterator cannot read a placeholder (TF1 refuses it too)


def test_same_elements_as_tensorflow(tf):
    def build(lib):
        D = lib.data.Dataset
        a = D.from_tensor_slices((np.arange(7.0), np.arange(7) * 3)).skip(1).batch(3).repeat(2).take(5)
        b = D.from_tensor_slices((np.arange(9.0), np.arange(9))).filter(lambda x, y: lib.equal(y % 2, 0))
        return D.zip((a, D.range(100))).concatenate(D.zip((b.batch(3), D.range(1))))

    with tf.Graph().as_default():
        nxt = tf.data.make_one_shot_iterator(build(tf)).get_next()
        want = []
        with tf.Session() as sess:
            while True:
                try:
                    want.append(sess.run(nxt))
                except tf.errors.OutOfRangeError:
                    break
    got = elements(lambda: build(ds))
    assert len(got) == len(want) == 5
    for ((gx, gy), gi), ((wx, wy), wi) in zip(got, want, strict=True):
        assert gx.tolist() == wx.tolist() and gy.tolist() == wy.tolist() and int(gi) == int(wi)

    def ragged(lib):
        D = lib.data.Dataset
        rows = D.from_generator(lambda: (([n] * n, n / 2) for n in range(1, 6)), (lib.int64, lib.float32),
                                output_shapes=([None], []))
        pads = (np.int64(-1), np.float32(0.5))  # (TF wants the components' own dtypes)
        padded = rows.padded_batch(2, padded_shapes=([None], []), padding_values=pads)
        return padded.concatenate(rows.padded_batch(3, ([6], [])).unbatch().take(2)).cache().repeat(2)

    with tf.Graph().as_default():
        nxt = tf.data.make_one_shot_iterator(ragged(tf)).get_next()
        want = []
        with tf.Session() as sess:
            while True:
                try:
                    want.append(sess.run(nxt))
                except tf.errors.OutOfRangeError:
                    break
    got = elements(lambda: ragged(ds))
    assert len(got) == len(want) == 10
    for (ga, gb), (wa, wb) in zip(got, want, strict=True):
        assert ga.tolist() == wa.tolist() and gb.tolist() == wb.tolist()


def test_filter_and_from_generator():
    got = elements(lambda: ds.data.Dataset.range(10).filter(lambda v: ds.greater(v % 3, 0)))
    assert ints(got) == [1, 2, 4, 5, 7, 8]

    def rows():
        for i in range(3):
            yield [i] * (i + 1), float(i)  # ragged rows: shapes (None,)

    made = lambda: ds.data.Dataset.from_generator(  # noqa: E731
        rows, (ds.int64, ds.float32), output_shapes=([None], []))
    with ds.Graph().as_default():
        assert made().output_shapes == ((None,), ()) and made().output_types == (ds.int64, ds.float32)
    got = elements(made)
    assert [(a.tolist(), float(b)) for a, b in got] == [([0], 0.0), ([1, 1], 1.0), ([2, 2, 2], 2.0)]
    assert got[0][0].dtype == np.int64 and got[0][1].dtype == np.float32
    bad = lambda: ds.data.Dataset.from_generator(rows, (ds.int64, ds.float32), ([2], []))  # noqa: E731
    with pytest.raises(errors.ShapeError, match=r"shape \(1,\), expected \(2,\)"):
        elements(bad)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_reinitializable_iterator_switches_between_datasets(backend):
    """TF1's training/validation switch: `Iterator.from_structure` and one initializer per
    dataset; a training step reads whichever dataset was started last."""
    with ds.Graph().as_default():
        train = ds.data.Dataset.from_tensor_slices(np.arange(6.0)).batch(4)
        valid = ds.data.Dataset.from_tensor_slices(np.array([100.0, 200.0])).batch(4)
        types, shapes = ds.data.get_output_types(train), ds.data.get_output_shapes(train)
        it = ds.data.Iterator.from_structure(types, shapes)
        batch = it.get_next()
        to_train, to_valid = it.make_initializer(train), it.make_initializer(valid)
        with pytest.raises(errors.DTypeError, match="does not fit"):
            it.make_initializer(ds.data.Dataset.range(3))
        total = ds.reduce_sum(batch)
        with ds.Session(backend=backend) as sess:
            sess.run(to_train)
            assert sess.run(total) == 6.0
            sess.run(to_valid)
            assert sess.run(total) == 300.0
            with pytest.raises(errors.OutOfRangeError):
                sess.run(total)
            sess.run(to_train)
            assert [sess.run(total), sess.run(total)] == [6.0, 9.0]


def test_an_iterator_does_not_keep_its_session_alive():
    import gc
    import weakref

    with ds.Graph().as_default():
        nxt = ds.data.Dataset.range(5).map(lambda v: v * 2).make_one_shot_iterator().get_next()
        sess = ds.Session(backend="numpy")
        assert int(sess.run(nxt)) == 0
        gone = weakref.ref(sess)
        sess.close()
        del sess
        gc.collect()
        assert gone() is None


def test_a_graph_seed_alone_orders_the_same_in_every_graph():
    def order():
        with ds.Graph().as_default():
            ds.set_random_seed(11)
            nxt = ds.data.Dataset.range(12).shuffle(12).make_one_shot_iterator().get_next()
            with ds.Session(backend="numpy") as sess:
                return ints(sess.run(nxt) for _ in range(12))

    first = order()
    assert order() == first and sorted(first) == list(range(12)) and first != list(range(12))


def test_padded_batch_unbatch_and_cache():
    D = ds.data.Dataset
    rows = lambda: D.from_generator(lambda: ([n] * n for n in range(1, 5)), ds.int64, [None])  # noqa: E731
    got = elements(lambda: rows().padded_batch(3))
    assert [g.tolist() for g in got] == [[[1, 0, 0], [2, 2, 0], [3, 3, 3]], [[4, 4, 4, 4]]]
    got = elements(lambda: rows().padded_batch(2, padded_shapes=[5], padding_values=np.int64(-1),
                                               drop_remainder=True).unbatch())
    assert [g.tolist() for g in got] == [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1],
                                         [3, 3, 3, -1, -1], [4, 4, 4, 4, -1]]
    with ds.Graph().as_default():
        assert rows().padded_batch(2).output_shapes == (None, None)
        assert rows().padded_batch(2, [5], drop_remainder=True).output_shapes == (2, 5)
        with pytest.raises(errors.ShapeError, match="cannot be padded"):
            D.from_tensors(np.ones(3)).padded_batch(2, [2])
        with pytest.raises(errors.ArgumentError, match="in memory"):
            D.range(2).cache("file")
    too_long = lambda: rows().padded_batch(2, padded_shapes=[3])  # noqa: E731
    with pytest.raises(errors.ShapeError, match="does not fit the padded shape"):
        elements(too_long)
    # a cached shuffle replays its first order; without cache each epoch is reshuffled
    cached = ints(elements(lambda: D.range(8).shuffle(8, seed=1).cache().repeat(2)))
    assert cached[:8] == cached[8:] and sorted(cached[:8]) == list(range(8))


def test_runs_on_several_threads_pull_distinct_elements():
    import threading

    with ds.Graph().as_default():
        nxt = ds.data.Dataset.range(200).make_one_shot_iterator().get_next()
        got: list = []
        with ds.Session(backend="numpy") as sess:
            def work():
                while True:
                    try:
                        got.append(int(sess.run(nxt)))
                    except ds.errors.OutOfRangeError:
                        return

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert sorted(got) == list(range(200))
