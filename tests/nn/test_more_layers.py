"""Dropout1d/2d/3d, PixelShuffle/PixelUnshuffle, Unflatten, PReLU, Threshold, the padding
modules and AdaptiveMaxPool3d: values against numpy float64 written out here, gradients by
finite differences (dg.testing.check_function) and jax where they carry math, channel
dropout's masks against its definition and dg.compile, errors naming the op and argument;
torch as an extra oracle where installed."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.testing.check_op import check_function

RNG = np.random.default_rng(7)


def _np(t) -> np.ndarray:
    return t.detach().numpy()


# -- channel dropout --------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape,channel_dims", [
    (nn.Dropout1d, (6, 5, 7), 2), (nn.Dropout1d, (5, 7), 1),
    (nn.Dropout2d, (6, 5, 3, 4), 2), (nn.Dropout3d, (4, 5, 2, 3, 2), 2), (nn.Dropout3d, (5, 2, 3, 2), 1),
])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(cls, shape, channel_dims):
    dg.manual_seed(3)
    x = dg.tensor(RNG.standard_normal(shape).astype(np.float32), requires_grad=True)
    y = cls(p=0.4)(x)
    out, inp = _np(y), _np(x)
    kept = np.abs(out).reshape(*shape[:channel_dims], -1).max(axis=-1) > 0
    scale = np.where(kept, 1 / 0.6, 0.0).reshape(kept.shape + (1,) * (len(shape) - channel_dims))
    np.testing.assert_allclose(out, inp * scale.astype(np.float32), rtol=1e-6)
    assert 0 < kept.mean() < 1
    # the mask is one uniform draw per (sample, channel) of dg.manual_seed's stream, kept where >= p
    dg.manual_seed(3)
    draw = np.random.default_rng(3)  # (dg.manual_seed seeds numpy's default_rng)
    np.testing.assert_array_equal(kept, draw.random(shape[:channel_dims]) >= 0.4)
    y.backward(dg.ones(*shape))
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(scale, shape).astype(np.float32), rtol=1e-6)


def test_channel_dropout_eval_mode_p_and_errors():
    x = dg.ones(2, 3, 4, 4)
    m = nn.Dropout2d(0.5)
    m.eval()
    assert m(x) is x
    assert F.dropout2d(x, 0.0) is x
    assert float(F.dropout2d(x, 1.0).abs().sum()) == 0.0
    assert repr(nn.Dropout3d(0.3)) == "Dropout3d(p=0.3, inplace=False)"
    with pytest.raises(ValueError, match="dropout2d probability has to be between 0 and 1, but got 1.5"):
        F.dropout2d(x, 1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout1d(-0.1)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(x)
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        y = F.dropout2d(dg.ones(8, 6, 5))  # (N, C, L), as PyTorch 2.13 reads it
    assert (_np(y) == _np(y)[:, :, :1]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="dropout3d: feature dropout requires at least 2 dimensions"):
            F.dropout3d(dg.ones(()))
        scalar = dg.ones(())
        assert F.dropout3d(scalar, training=False) is scalar  # eval mode checks nothing, as PyTorch


def test_channel_dropout_inplace():
    dg.manual_seed(1)
    x = dg.ones(4, 8, 3)
    y = F.dropout1d(x, 0.5, inplace=True)
    assert y is x and set(np.unique(_np(x))) <= {0.0, 2.0}


def test_compiled_step_with_dropout2d_draws_the_eager_masks():
    def run(compiled: bool):
        dg.manual_seed(11)
        model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.Dropout2d(0.5), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
        opt = dg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step, backend="numpy") if compiled else step
        x = dg.tensor(np.random.default_rng(0).standard_normal((5, 2, 6, 6)).astype(np.float32))
        y = dg.tensor([0, 1, 2, 0, 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [float(f(x, y)) for _ in range(4)]
        return losses, dg.rand(3).numpy(), getattr(f, "programs", None)

    losses, after, programs = run(True)
    want, want_after, _ = run(False)
    assert losses == want and programs  # compiled (not run eagerly), with the eager step's masks
    np.testing.assert_array_equal(after, want_after)  # and the stream left where eager leaves it


# -- pixel shuffle, unflatten -----------------------------------------------------------------
def _shuffle_reference(x: np.ndarray, r: int) -> np.ndarray:
    """out[..., c, h r + i, w r + j] = in[..., c r^2 + i r + j, h, w] (PyTorch's definition)."""
    *batch, cr2, h, w = x.shape
    c = cr2 // (r * r)
    out = np.empty((*batch, c, h * r, w * r), x.dtype)
    for k in range(c):
        for i in range(r):
            for j in range(r):
                out[..., k, i::r, j::r] = x[..., k * r * r + i * r + j, :, :]
    return out


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((9, 2, 2), 3), ((2, 1, 4, 1, 3), 2), ((3, 2, 2), 1)])
def test_pixel_shuffle_and_unshuffle(shape, r):
    x = RNG.standard_normal(shape)
    t = dg.tensor(x, requires_grad=True)
    y = nn.PixelShuffle(r)(t)
    want = _shuffle_reference(x, r)
    np.testing.assert_array_equal(_np(y), want)
    np.testing.assert_array_equal(_np(nn.PixelUnshuffle(r)(y)), x)  # its inverse
    g = RNG.standard_normal(want.shape)
    y.backward(dg.tensor(g))
    np.testing.assert_array_equal(t.grad.numpy(), _np(F.pixel_unshuffle(dg.tensor(g), r)))
    assert repr(nn.PixelShuffle(r)) == f"PixelShuffle(upscale_factor={r})"


def test_pixel_shuffle_errors():
    with pytest.raises(RuntimeError, match="pixel_shuffle expects its input's 'channel' dimension to be "
                                           "divisible by the square of upscale_factor, but input.size"):
        F.pixel_shuffle(dg.ones(2, 5, 3, 3), 2)
    with pytest.raises(RuntimeError, match="pixel_shuffle expects input to have at least 3 dimensions"):
        F.pixel_shuffle(dg.ones(4, 3), 2)
    with pytest.raises(RuntimeError, match="pixel_unshuffle expects height to be divisible by downscale"):
        F.pixel_unshuffle(dg.ones(1, 1, 3, 4), 2)
    with pytest.raises(RuntimeError, match="pixel_shuffle expects a positive upscale_factor, but got 0"):
        F.pixel_shuffle(dg.ones(2, 4, 3, 3), 0)
    with pytest.raises(TypeError, match="pixel_unshuffle: downscale_factor must be an int, got float"):
        F.pixel_unshuffle(dg.ones(2, 4, 4, 4), 2.0)


def test_unflatten():
    x = RNG.standard_normal((3, 6, 2))
    np.testing.assert_array_equal(_np(nn.Unflatten(1, (2, -1))(dg.tensor(x))), x.reshape(3, 2, 3, 2))
    np.testing.assert_array_equal(_np(nn.Unflatten(-1, [1, 2])(dg.tensor(x))), x.reshape(3, 6, 1, 2))
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[4, -1\] don't multiply up to the "
                                           r"size of dim 1 \(6\)"):
        nn.Unflatten(1, (4, -1))(dg.tensor(x))
    with pytest.raises(TypeError, match="Unflatten: unflattened_size must be a tuple of ints, but found"):
        nn.Unflatten(1, 5)
    with pytest.raises(ValueError, match="Unflatten: only one dimension of unflattened_size can be -1"):
        nn.Unflatten(1, (-1, -1))


# -- PReLU, Threshold -------------------------------------------------------------------------
@pytest.mark.parametrize("shape,n", [((4, 3, 5), 3), ((4, 3), 1), ((5,), 1), ((), 1), ((2, 2, 2, 3), 2)])
def test_prelu_values_and_gradients(shape, n):
    x = RNG.standard_normal(shape)
    x.flat[0] = 0.0  # the kink: output 0, input gradient the slope (PyTorch's x > 0 test)
    w = np.linspace(0.1, 0.9, n)
    ws = w.reshape([1, n] + [1] * (len(shape) - 2)) if len(shape) > 1 else w.reshape((1,) * len(shape))
    want = np.where(x > 0, x, ws * x)
    m = nn.PReLU(n).double()
    with dg.no_grad():
        m.weight.copy_(dg.tensor(w))
    t = dg.tensor(x, requires_grad=True)
    y = m(t)
    np.testing.assert_allclose(_np(y), want, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.broadcast_to(np.where(x > 0, 1.0, ws), shape))
    axes = tuple(i for i in range(len(shape)) if i != 1 or n == 1)
    np.testing.assert_allclose(m.weight.grad.numpy(),
                               np.where(x > 0, 0.0, x).sum(axis=axes).reshape(n), rtol=1e-12)
    x.flat[0] = 0.5  # (finite differences away from the kink)
    check_function(F.prelu, dg.tensor(x), dg.tensor(w))


def test_prelu_gradients_against_jax():
    import jax

    jnp = jax.numpy
    x, w, g = RNG.standard_normal((3, 4, 2)), np.array([0.2, -0.1, 0.3, 0.05]), RNG.standard_normal((3, 4, 2))
    from dualgrad.backend import x64

    with x64():
        gx, gw = jax.grad(lambda a, b: jnp.sum(jnp.where(a > 0, a, b[:, None] * a) * g), (0, 1))(x, w)
    t, s = dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)
    (F.prelu(t, s) * dg.tensor(g)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), gx, rtol=1e-12)
    np.testing.assert_allclose(s.grad.numpy(), gw, rtol=1e-12)


def test_prelu_module_and_errors():
    m = nn.PReLU(3, init=0.1)
    assert repr(m) == "PReLU(num_parameters=3)" and m.weight.dtype == dg.float32
    np.testing.assert_array_equal(_np(m.weight), np.full(3, 0.1, np.float32))
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(RuntimeError, match="prelu: Mismatch of parameter numbers and input channel size. "
                                           "Found parameter numbers = 3 and channel size = 4"):
        m(dg.ones(2, 4))
    with pytest.raises(RuntimeError, match="prelu: Type promoting not supported. Got float32 and float64"):
        F.prelu(dg.ones(2, 3), dg.ones(3, dtype=dg.float64))
    with pytest.raises(RuntimeError, match="prelu: Expected `weight` to be a scalar or 1D tensor"):
        F.prelu(dg.ones(2, 3), dg.ones(3, 1))
    with pytest.raises(NotImplementedError, match="prelu: not implemented for int64"):
        F.prelu(dg.tensor([1, 2]), dg.ones(1))


def test_threshold():
    x = np.array([1.0, np.nan, 3.0, 2.0, -1.0, 2.5])
    t = dg.tensor(x, requires_grad=True)
    y = nn.Threshold(2.0, -7.0)(t)
    np.testing.assert_array_equal(_np(y), np.where(x <= 2.0, -7.0, x))  # NaN passes, as PyTorch's
    y.backward(dg.ones(6))
    np.testing.assert_array_equal(t.grad.numpy(), [0, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(F.threshold(dg.tensor([1, 2, 3]), 1.5, -1.5).numpy(), [-1, 2, 3])
    assert F.threshold(dg.ones(2), 0.5, 0.0).dtype == dg.float32
    z = dg.tensor([0.5, 4.0])
    assert F.threshold(z, 1.0, 0.0, inplace=True) is z and z.tolist() == [0.0, 4.0]
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    check_function(lambda a: F.threshold(a, 0.0, 3.0), dg.tensor([0.4, -0.3, 1.2]))


# -- padding modules, AdaptiveMaxPool3d --------------------------------------------------------
_MODES = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "edge",
          "Circular": "wrap"}


@pytest.mark.parametrize("kind", list(_MODES))
@pytest.mark.parametrize("dims,padding", [(1, (2, 1)), (2, (1, 0, 2, 1)), (2, 1), (3, (1, 0, 0, 1, 1, 1))])
def test_padding_modules_against_numpy(kind, dims, padding):
    shape = (2, 3, 4, 5, 3)[-(dims + 2):]
    x = RNG.standard_normal(shape)
    args = (padding, 1.5) if kind == "Constant" else (padding,)
    m = getattr(nn, f"{kind}Pad{dims}d")(*args)
    flat = (padding,) * (2 * dims) if isinstance(padding, int) else padding
    pairs = [(0, 0)] * 2 + [(flat[2 * i], flat[2 * i + 1]) for i in reversed(range(dims))]
    extra = {"constant_values": 1.5} if kind == "Constant" else {}
    t = dg.tensor(x, requires_grad=True)
    y = m(t)
    np.testing.assert_array_equal(_np(y), np.pad(x, pairs, mode=_MODES[kind], **extra))
    # gradient: each input element gathers the gradient of every output copy of it
    g = RNG.standard_normal(tuple(y.shape))
    y.backward(dg.tensor(g))
    positions = np.arange(x.size).reshape(shape)
    index = (np.pad(positions, pairs, constant_values=-1) if _MODES[kind] == "constant"
             else np.pad(positions, pairs, mode=_MODES[kind]))
    want = np.bincount(index[index >= 0], weights=g[index >= 0], minlength=x.size).reshape(shape)
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-12)


def test_padding_module_reprs_and_errors():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d((1, 2), 3.5)) == "ConstantPad1d(padding=(1, 2), value=3.5)"
    assert repr(nn.ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))"
    assert nn.ZeroPad1d(2).padding == (2, 2)
    with pytest.raises(RuntimeError, match="pad: reflect padding"):
        nn.ReflectionPad1d(3)(dg.ones(1, 2, 3))  # at most size - 1


def test_adaptive_max_pool3d():
    x = RNG.standard_normal((2, 3, 2, 4, 6))
    t = dg.tensor(x, requires_grad=True)
    y = nn.AdaptiveMaxPool3d((1, 2, 3))(t)
    np.testing.assert_array_equal(_np(y), x.reshape(2, 3, 1, 2, 2, 2, 3, 2).max(axis=(3, 5, 7)))
    y.sum().backward()
    assert t.grad.numpy().sum() == 2 * 3 * 6
    assert repr(nn.AdaptiveMaxPool3d(2)) == "AdaptiveMaxPool3d(output_size=2)"


# -- torch as an extra oracle -----------------------------------------------------------------
def test_against_torch(torch):
    x = RNG.standard_normal((2, 8, 4, 6)).astype(np.float32)
    cases = [("PixelShuffle", (2,)), ("PixelUnshuffle", (2,)), ("ReflectionPad2d", ((2, 1, 0, 3),)),
             ("ReplicationPad2d", (2,)), ("CircularPad2d", (1,)), ("ConstantPad2d", ((1, -1, 2, 0), 0.5)),
             ("Threshold", (0.2, -1.0)), ("Unflatten", (1, (2, 4))), ("AdaptiveMaxPool2d", ((2, 3),))]
    for name, args in cases:
        want = getattr(torch.nn, name)(*args)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(_np(getattr(nn, name)(*args)(dg.tensor(x))), want, rtol=1e-6, err_msg=name)
    m, tm = nn.PReLU(8, 0.3), torch.nn.PReLU(8, 0.3)
    np.testing.assert_allclose(_np(m(dg.tensor(x))), tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)
