"""examples/tf1_image_augment.py: one SGD step without augmentation equals the same network, loss
and L2 penalty written in numpy float64 with its backward pass by hand (the uint8 -> float32
conversion and space_to_depth's channel order written out), and its confusion matrix and top-1
hits equal numpy's from those logits; trained with augmentation on, it classifies the held-out
images."""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

import dualgrad.static as ds

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf1_image_augment.py"


def _load():
    spec = importlib.util.spec_from_file_location("tf1_image_augment_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _features(u8):
    x = (u8.astype(np.float32) * np.float32(1 / 255)).astype(np.float64)
    n = x.shape[0]
    return x.reshape(n, 4, 2, 4, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(n, 192)


def _forward(params, u8):
    w1, b1, w2, b2 = (np.asarray(p, np.float64) for p in params)
    f = _features(u8)
    z1 = f @ w1 + b1
    return f, z1, np.maximum(z1, 0) @ w2 + b2


def _loss_and_grads(params, u8, labels):
    """Cross-entropy mean + 1e-3 * (|W1|^2 + |W2|^2) / 2 and its gradients, backward by hand."""
    w1, w2 = (np.asarray(params[i], np.float64) for i in (0, 2))
    f, z1, logits = _forward(params, u8)
    shifted = logits - logits.max(1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    n = len(labels)
    loss = -logp[np.arange(n), labels].mean() + 1e-3 * ((w1 ** 2).sum() + (w2 ** 2).sum()) / 2
    dlogits = np.exp(logp)
    dlogits[np.arange(n), labels] -= 1
    dlogits /= n
    h = np.maximum(z1, 0)
    dz1 = (dlogits @ w2.T) * (z1 > 0)
    return loss, [f.T @ dz1 + 1e-3 * w1, dz1.sum(0), h.T @ dlogits + 1e-3 * w2, dlogits.sum(0)]


def test_an_sgd_step_and_the_evaluation_equal_numpy_float64(backend):
    example = _load()
    images, labels = example.make_data(64, 5)
    ds.set_random_seed(0)
    g = example.build()
    params = ds.trainable_variables()
    assert [v.name for v in params] == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
                                        "dense_1/bias:0"]
    feed = {g["images"]: images[:32], g["labels"]: labels[:32]}  # (training defaults to False)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        start = sess.run(params)
        loss, _ = sess.run([g["loss"], g["train"]], feed)
        after, confusion, top1 = sess.run([params, g["confusion"], g["top1"]],
                                          {g["images"]: images[32:], g["labels"]: labels[32:]})
    want_loss, grads = _loss_and_grads(start, images[:32], labels[:32])
    np.testing.assert_allclose(loss, want_loss, rtol=1e-5)
    for p, p0, gr in zip(after, start, grads, strict=True):
        np.testing.assert_allclose(p, p0 - 0.5 * gr, rtol=1e-4, atol=1e-6)
    logits = _forward(after, images[32:])[2]
    predicted = logits.argmax(1)
    want = np.zeros((3, 3), np.int32)
    np.add.at(want, (labels[32:], predicted), 1)
    np.testing.assert_array_equal(confusion, want)
    np.testing.assert_array_equal(top1, predicted == labels[32:])


def test_training_with_augmentation_classifies_held_out_images(capsys):
    ds.reset_default_graph()
    confusion, accuracy = _load().main(backend="numpy", steps=120)
    assert confusion.sum() == 192 and accuracy >= 0.9
    assert "confusion matrix" in capsys.readouterr().out
