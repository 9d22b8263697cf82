"""nn.functional.ctc_loss / nn.CTCLoss against oracles written here: the probability summed over
every alignment by brute force (tiny T), the alpha recursion in float64 numpy, jax.grad of the
recursion written in jax, finite differences (dg.autograd.gradcheck), with PyTorch's gradient
convention (exp(log_probs) added at each sample's frames) checked on its own; torch is an
optional oracle."""
from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import errors, nn

pytestmark = pytest.mark.usefixtures("jax_float64")


# -- oracles ------------------------------------------------------------------------------------
def _collapse(path, blank: int) -> tuple:
    """An alignment read as a labelling: repeats merged, then blanks dropped."""
    return tuple(c for c, _ in itertools.groupby(path) if c != blank)


def brute_force_nll(lp: np.ndarray, target, blank: int) -> float:
    """-log of the summed probability of every path over (T, C) frames that reads `target`."""
    steps, classes = lp.shape
    total = sum(np.exp(sum(lp[t, c] for t, c in enumerate(path)))
                for path in itertools.product(range(classes), repeat=steps)
                if _collapse(path, blank) == tuple(target))
    return -np.log(total) if total > 0 else np.inf


def _extended(target, blank: int) -> list:
    return [blank] + [x for c in target for x in (c, blank)]


def alpha_nll(lp: np.ndarray, target, blank: int) -> float:
    """The textbook forward recursion (Graves et al. 2006) in float64 numpy, one state at a time."""
    ext, steps = _extended(target, blank), lp.shape[0]
    if steps == 0:
        return 0.0 if len(target) == 0 else np.inf
    alpha = np.full(len(ext), -np.inf)
    alpha[:2] = lp[0, ext[:2]]
    for t in range(1, steps):
        new = np.full(len(ext), -np.inf)
        for s, c in enumerate(ext):
            paths = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            if s >= 2 and c != ext[s - 2]:
                paths.append(alpha[s - 2])
            new[s] = lp[t, c] + np.logaddexp.reduce(paths)
        alpha = new
    return -np.logaddexp.reduce(alpha[-2:] if len(target) else alpha[-1:])


def oracle(lp, targets, il, tl, blank=0, reduction="mean", zero_infinity=False):
    """The loss from per-sample `alpha_nll`, PyTorch's reductions; targets padded (N, S)."""
    nll = np.array([alpha_nll(lp[:il[n], n], targets[n][:tl[n]], blank) for n in range(lp.shape[1])])
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0.0, nll)
    if reduction == "mean":
        return np.mean(nll / np.maximum(tl, 1))
    return nll.sum() if reduction == "sum" else nll


def jax_nll(lp, targets, il, tl, blank: int):
    """Per-sample loss (N,) as a jax function of lp, the recursion with -1e30 for log 0 (so jax.grad
    stays finite at unreachable states); padded states are masked by the read-out."""
    import jax
    import jax.numpy as jnp

    neg = -1e30
    n = lp.shape[1]
    ext = np.array([_extended(list(targets[i][:tl[i]]) + [blank] * (max(tl, default=0) - tl[i]), blank)
                    for i in range(n)]).reshape(n, -1)
    skip = np.zeros(ext.shape, bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    rows = jnp.take_along_axis(lp, jnp.asarray(ext)[None], axis=2)  # (T, N, S')

    def step(alpha, frame):
        row, active = frame
        one = jnp.pad(alpha[:, :-1], ((0, 0), (1, 0)), constant_values=neg)
        two = jnp.where(skip, jnp.pad(alpha[:, :-2], ((0, 0), (2, 0)), constant_values=neg), neg)
        return jnp.where(active[:, None], row + jnp.logaddexp(jnp.logaddexp(alpha, one), two), alpha), None

    active = np.arange(1, lp.shape[0])[:, None] < np.asarray(il)[None, :]
    alpha = jax.lax.scan(step, jnp.where(np.arange(ext.shape[1]) < 2, rows[0], neg), (rows[1:], active))[0]
    end = alpha[np.arange(n), 2 * np.asarray(tl)]
    before = jnp.where(np.asarray(tl) > 0, alpha[np.arange(n), np.maximum(2 * np.asarray(tl) - 1, 0)], neg)
    ll = jnp.where(np.asarray(il) > 0, jnp.logaddexp(end, before), jnp.where(np.asarray(tl) == 0, 0.0, neg))
    return -ll


def alpha_beta_grad(lp, targets, il, tl, blank: int, weight) -> np.ndarray:
    """sum_n weight[n] d nll_n / d lp by the forward-backward occupancies in float64 numpy:
    -sum over states s reading class c at frame t of exp(alpha_t(s) + beta_t(s) + nll)."""
    grad = np.zeros_like(lp)
    for n in range(lp.shape[1]):
        ext, steps = _extended(list(targets[n][:tl[n]]), blank), il[n]
        if not weight[n] or steps == 0:
            continue
        size = len(ext)
        alpha, beta = np.full((steps, size), -np.inf), np.full((steps, size), -np.inf)
        alpha[0, :2] = lp[0, n, ext[:2]]
        beta[-1, size - 2 if tl[n] else size - 1:] = 0.0
        moves = [[s2 for s2 in (s, s + 1, s + 2) if s2 < size and (s2 - s < 2 or ext[s2] != ext[s])]
                 for s in range(size)]
        for t in range(1, steps):
            for s in range(size):
                alpha[t, s] = lp[t, n, ext[s]] + np.logaddexp.reduce([alpha[t - 1, p] for p in range(size)
                                                                      if s in moves[p]])
        for t in range(steps - 2, -1, -1):
            for s in range(size):
                beta[t, s] = np.logaddexp.reduce([lp[t + 1, n, ext[q]] + beta[t + 1, q] for q in moves[s]])
        nll = -np.logaddexp.reduce(alpha[-1] + beta[-1])
        for t, s in itertools.product(range(steps), range(size)):
            grad[t, n, ext[s]] -= weight[n] * np.exp(alpha[t, s] + beta[t, s] + nll)
    return grad


def jax_grad(lp, targets, il, tl, blank: int, weight) -> np.ndarray:
    """sum_n weight[n] d nll_n / d lp by jax.grad of `jax_nll`."""
    import jax

    return np.asarray(jax.jit(jax.grad(lambda x: (jax_nll(x, targets, il, tl, blank) * weight).sum()))(lp))


def expected_grad(lp, targets, il, tl, blank, reduction, zero_infinity, true_grad=alpha_beta_grad):
    """PyTorch's log_probs.grad: the loss's gradient (`true_grad`) plus exp(lp) at each sample's
    frames, both times the sample's weight in the reduction (0 for an impossible sample)."""
    possible = np.isfinite(oracle(lp, targets, il, tl, blank, "none"))
    weight = {"mean": 1.0 / (len(tl) * np.maximum(tl, 1)), "sum": np.ones(len(tl)),
              "none": np.ones(len(tl))}[reduction] * possible
    frames = np.arange(lp.shape[0])[:, None, None] < np.asarray(il)[None, :, None]
    return true_grad(lp, targets, il, tl, blank, weight) + np.exp(lp) * frames * weight[None, :, None]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    return x - np.logaddexp.reduce(x, axis=-1, keepdims=True)


def _case(rng, steps=5, batch=3, classes=4, width=3, blank=0):
    """Normalized float64 log_probs, padded targets without blank, lengths of mixed sizes."""
    lp = _log_softmax(rng.normal(size=(steps, batch, classes)))
    labels = [c for c in range(classes) if c != blank]
    targets = rng.choice(labels, size=(batch, width))
    return lp, targets, rng.integers(1, steps + 1, size=batch), rng.integers(0, width + 1, size=batch)


# -- values ---------------------------------------------------------------------------------------
def test_values_equal_the_sum_over_all_alignments(rng):
    for steps, target, blank in [(4, [1, 2], 0), (4, [1, 1], 0), (3, [1, 1], 0), (2, [1, 1], 0), (5, [2], 1),
                                 (3, [], 0), (4, [0, 2, 0], 1)]:
        lp = _log_softmax(rng.normal(size=(steps, 1, 3)))
        got = F.ctc_loss(dg.tensor(lp), dg.tensor([target], dtype=dg.int64), (steps,), (len(target),),
                         blank=blank, reduction="none")
        np.testing.assert_allclose(got.numpy(), [brute_force_nll(lp[:, 0], target, blank)], rtol=1e-12)


def test_repeated_labels_need_a_blank_between_them():
    """[1, 1] in 2 frames has no alignment; in 3 frames only (1, blank, 1)."""
    lp = _log_softmax(np.random.default_rng(0).normal(size=(3, 1, 3)))
    two = F.ctc_loss(dg.tensor(lp[:2]), dg.tensor([[1, 1]]), (2,), (2,), reduction="sum")
    three = F.ctc_loss(dg.tensor(lp), dg.tensor([[1, 1]]), (3,), (2,), reduction="sum")
    assert two.item() == np.inf
    np.testing.assert_allclose(three.item(), -(lp[0, 0, 1] + lp[1, 0, 0] + lp[2, 0, 1]), rtol=1e-14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), reduction=st.sampled_from(["none", "sum", "mean"]),
       zero_infinity=st.booleans(), concatenated=st.booleans(),
       shape=st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(2, 4), st.integers(0, 3)))
def test_values_and_gradients_against_numpy_and_jax(seed, reduction, zero_infinity, concatenated, shape):
    rng = np.random.default_rng(seed)
    steps, batch, classes, width = shape
    blank = int(rng.integers(classes))
    lp, targets, il, tl = _case(rng, steps, batch, classes, width, blank)
    lp = lp + rng.normal(size=lp.shape) * (seed % 2)  # unnormalized too: PyTorch's convention shows
    il[0] = steps if seed % 3 else 0
    given_targets = np.concatenate([targets[n, :tl[n]] for n in range(batch)]) if concatenated else targets
    x = dg.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, dg.tensor(given_targets, dtype=dg.int64), dg.tensor(il), dg.tensor(tl), blank=blank,
                      reduction=reduction, zero_infinity=zero_infinity)
    options = (blank, reduction, zero_infinity)
    want = oracle(lp, targets, il, tl, *options)
    np.testing.assert_allclose(loss.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    loss.sum().backward()
    grad = expected_grad(lp, targets, il, tl, *options)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-9, atol=1e-12)


def test_gradcheck_through_log_softmax(rng):
    """Through a log_softmax PyTorch's convention term vanishes: the gradient is the loss's own."""
    x = dg.tensor(rng.normal(size=(5, 2, 3)), requires_grad=True)
    targets, il, tl = dg.tensor([[1, 2], [2, 2]]), dg.tensor([5, 5]), dg.tensor([2, 2])
    for reduction in ("mean", "sum"):
        def loss(v, reduction=reduction):
            return F.ctc_loss(v.log_softmax(2), targets, il, tl, reduction=reduction)

        assert dg.autograd.gradcheck(loss, (x,))


def _central_differences(fn, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (fn(up) - fn(down)) / (2 * h)
    return grad


def test_log_probs_grad_is_pytorchs_convention(rng):
    """log_probs.grad = d loss / d log_probs + exp(log_probs) at t < input_length (what torch's
    backward returns); 0 at the frames past the input length."""
    lp, targets, il, tl = _case(rng, 5, 2, 3, 2)
    lp = lp + 0.3
    il, tl = np.array([5, 3]), np.array([2, 1])
    x = dg.tensor(lp, requires_grad=True)
    F.ctc_loss(x, dg.tensor(targets), dg.tensor(il), dg.tensor(tl), reduction="sum").backward()
    numeric = _central_differences(lambda v: oracle(v, targets, il, tl, reduction="sum"), lp)
    frames = np.arange(5)[:, None, None] < il[None, :, None]
    np.testing.assert_allclose(x.grad.numpy(), numeric + np.exp(lp) * frames, atol=1e-7)
    assert not x.grad.numpy()[3:, 1].any()


# -- infinities, lengths, shapes ------------------------------------------------------------------
def test_impossible_alignment_is_inf_and_zero_infinity_zeros_it(rng):
    lp = _log_softmax(rng.normal(size=(3, 2, 3)))
    targets, il, tl = dg.tensor([[1, 1], [1, 2]]), (2, 3), (2, 2)
    x = dg.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, targets, il, tl, reduction="none")
    assert loss[0].item() == np.inf and np.isfinite(loss[1].item())
    loss[1].backward()
    assert not x.grad.numpy()[:, 0].any()
    for reduction in ("none", "sum", "mean"):
        x = dg.tensor(lp, requires_grad=True)
        kept = F.ctc_loss(x, targets, il, tl, reduction=reduction, zero_infinity=True)
        want = oracle(lp, [[1, 1], [1, 2]], il, tl, 0, reduction, True)
        np.testing.assert_allclose(kept.detach().numpy(), want)
        kept.sum().backward()
        assert np.isfinite(x.grad.numpy()).all() and not x.grad.numpy()[:, 0].any()
    x = dg.tensor(lp, requires_grad=True)  # without zero_infinity: inf, and a gradient of 0 (PyTorch: NaN)
    F.ctc_loss(x, targets, il, tl, reduction="sum").backward()
    assert not x.grad.numpy()[:, 0].any()


def test_zero_lengths_and_empty_targets(rng):
    lp = _log_softmax(rng.normal(size=(4, 3, 3)))
    got = F.ctc_loss(dg.tensor(lp), dg.zeros(3, 0, dtype=dg.int64), (0, 4, 2), (0, 0, 0), reduction="none")
    np.testing.assert_allclose(got.numpy(), [0.0, -lp[:, 1, 0].sum(), -lp[:2, 2, 0].sum()], rtol=1e-14)
    none = F.ctc_loss(dg.tensor(lp), dg.tensor([[1], [1], [2]]), (0, 4, 4), (1, 1, 0), reduction="none")
    assert none[0].item() == np.inf
    mean = F.ctc_loss(dg.tensor(lp), dg.tensor([[1], [1], [2]]), (4, 4, 4), (1, 1, 0))
    np.testing.assert_allclose(mean.item(), oracle(lp, [[1], [1], [2]], [4, 4, 4], [1, 1, 0]), rtol=1e-12)


def test_unbatched_concatenated_and_module_forms_agree(rng):
    lp, targets, il, tl = _case(rng, 6, 2, 4, 3)
    tl = np.array([3, 2])
    padded = F.ctc_loss(dg.tensor(lp), dg.tensor(targets), tuple(il), tuple(tl), reduction="none")
    flat = np.concatenate([targets[0, :3], targets[1, :2]])
    np.testing.assert_allclose(F.ctc_loss(dg.tensor(lp), dg.tensor(flat), dg.tensor(il), dg.tensor(tl),
                                          reduction="none").numpy(), padded.numpy(), rtol=1e-14)
    one = F.ctc_loss(dg.tensor(lp[:, 1]), dg.tensor(targets[1, :2]), dg.tensor(il[1]), dg.tensor(tl[1]),
                     reduction="none")
    assert one.shape == () and one.item() == pytest.approx(padded[1].item(), rel=1e-14)
    module = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert (module.blank, module.reduction, module.zero_infinity) == (0, "sum", True)
    assert repr(module) == "CTCLoss()"
    assert module(dg.tensor(lp), dg.tensor(targets), il.tolist(), tl.tolist()).item() == pytest.approx(
        padded.sum().item(), rel=1e-14)
    float_targets = F.ctc_loss(dg.tensor(lp), dg.tensor(targets.astype(np.float32)), tuple(il), tuple(tl))
    assert float_targets.item() == pytest.approx((padded.numpy() / np.maximum(tl, 1)).mean(), rel=1e-14)


@pytest.fixture
def small(rng):
    """A (T=4, N=2, C=3) case: (lp, targets, il, tl, the 'sum' loss, PyTorch's gradient)."""
    lp, targets, il, tl = _case(rng, 4, 2, 3, 2)
    return (lp, targets, il, tl, oracle(lp, targets, il, tl, reduction="sum"),
            expected_grad(lp, targets, il, tl, 0, "sum", False))


def test_jax_grad_of_the_jax_recursion_agrees(small):
    lp, targets, il, tl, _, grad = small
    np.testing.assert_allclose(expected_grad(lp, targets, il, tl, 0, "sum", False, true_grad=jax_grad), grad,
                               rtol=1e-10)


def test_float32(small):
    lp, targets, il, tl, want, grad = small
    x = dg.tensor(lp.astype(np.float32), requires_grad=True)
    loss = F.ctc_loss(x, dg.tensor(targets), dg.tensor(il), dg.tensor(tl), reduction="sum")
    loss.backward()
    assert loss.dtype == dg.float32 and loss.item() == pytest.approx(want, rel=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-4, atol=1e-5)


def test_on_the_jax_device(small):
    lp, targets, il, tl, want, grad = small
    dg.set_default_device("jax")
    try:
        x = dg.tensor(lp, requires_grad=True)
        loss = F.ctc_loss(x, dg.tensor(targets), dg.tensor(il), dg.tensor(tl), reduction="sum")
        loss.backward()
    finally:
        dg.set_default_device("cpu")
    assert loss.item() == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


def test_under_compile_with_traced_lengths(small):
    lp, targets, il, tl, want, grad = small

    @dg.compile
    def step(v, t, i, n):
        loss = F.ctc_loss(v, t, i, n, reduction="sum")
        loss.backward()
        return loss

    x = dg.tensor(lp, requires_grad=True)
    assert step(x, dg.tensor(targets), dg.tensor(il), dg.tensor(tl)).item() == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


def test_the_composite_in_the_static_graph(small):
    """The registry composite itself, fed from placeholders (targets and lengths too), with
    the static front end's stop_gradient for PyTorch's convention."""
    import dualgrad.static as ds
    from dualgrad.ops.ctc import ctc_loss

    lp, targets, il, tl, want, grad = small
    p, t, i, n = (ds.placeholder(ds.float64 if v is lp else ds.int64, v.shape) for v in (lp, targets, il, tl))
    loss = ctc_loss(p, t, i, n, reduction="sum", stop=ds.stop_gradient)
    with ds.Session(backend="numpy") as sess:
        value, g = sess.run([loss, ds.gradients(loss, [p])[0]], {p: lp, t: targets, i: il, n: tl})
    assert value == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(g, grad, rtol=1e-10, atol=1e-12)
    ds.reset_default_graph()


# -- errors: PyTorch's texts ----------------------------------------------------------------------
LP = np.log(np.full((6, 2, 4), 0.25))
_T = dg.tensor
_AT = " (while checking arguments for ctc_loss_allocate_outputs)"
ERRORS = [  # (arguments changed, error class, PyTorch's text)
    (dict(reduction="foo"), ValueError, "foo is not a valid value for reduction"),
    (dict(input_lengths=_T([6.0, 5.0])), RuntimeError, "input_lengths must be integral"),
    (dict(target_lengths=_T([True, True])), RuntimeError, "target_lengths must be integral"),
    (dict(input_lengths=(6, 5)), TypeError, "both tuples of ints or both Tensors"),
    (dict(targets=[[1, 2, 3], [1, 1, 0]]), TypeError, "argument 'targets' must be Tensor, not list"),
    (dict(log_probs=_T(LP[0, 0])), RuntimeError,
     "Expected 3-dimensional tensor, but got 2-dimensional tensor for argument #1 'log_probs'" + _AT),
    (dict(log_probs=_T(LP).long()), NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Long'"),
    (dict(log_probs=_T(LP[:0])), RuntimeError, "log_probs tensor must not be empty"),
    (dict(targets=_T([[[1]]])), RuntimeError,
     "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'" + _AT),
    (dict(blank=4), RuntimeError, "blank must be in label range"),
    (dict(input_lengths=_T([6])), RuntimeError, "input_lengths must be of size batch_size"),
    (dict(target_lengths=_T([3, 2, 1])), RuntimeError, "target_lengths must be of size batch_size"),
    (dict(target_lengths=_T([3, -1])), RuntimeError,
     "Expected target_lengths to have value at least 0, but got value -1" + _AT),
    (dict(input_lengths=_T([7, 5])), RuntimeError,
     "Expected input_lengths to have value at most 6, but got value 7" + _AT),
    (dict(target_lengths=_T([4, 2])), RuntimeError,
     "Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument #2 "
     "'targets'" + _AT),
    (dict(targets=_T([[1, 2, 3]])), RuntimeError,
     "Expected tensor to have size 2 at dimension 0, but got size 1 for argument #2 'targets'" + _AT),
    (dict(targets=_T([1, 2, 3, 1])), RuntimeError,
     "Expected tensor to have size 5 at dimension 0, but got size 4 for argument #2 'targets'" + _AT),
    (dict(targets=_T([[1, 2, 4], [1, 1, 0]])), IndexError, "target label 4 is not a class of log_probs"),
]


@pytest.mark.parametrize(("change", "kind", "text"), ERRORS)
def test_errors_carry_pytorchs_types_and_texts(change, kind, text):
    args = dict(log_probs=dg.tensor(LP), targets=dg.tensor([[1, 2, 3], [1, 1, 0]]),
                input_lengths=dg.tensor([6, 5]), target_lengths=dg.tensor([3, 2]))
    args.update(change)
    with pytest.raises(kind, match=re.escape(text)) as caught:
        F.ctc_loss(**args)
    assert isinstance(caught.value, errors.DualgradError) and "ctc_loss" in str(caught.value)
    assert "test_ctc_loss.py" in str(caught.value)


# -- torch, an optional oracle --------------------------------------------------------------------
def test_against_torch(torch, rng):
    for trial in range(12):
        lp, targets, il, tl = _case(rng, 6, 3, 4, 3, blank=trial % 4)
        lp = lp + rng.normal(size=lp.shape) * (trial % 2)
        kw = dict(blank=trial % 4, reduction=("none", "sum", "mean")[trial % 3], zero_infinity=trial % 4 < 2)
        x, y = dg.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        ours = F.ctc_loss(x, dg.tensor(targets), dg.tensor(il), dg.tensor(tl), **kw)
        theirs = torch.nn.functional.ctc_loss(y, *(torch.tensor(v) for v in (targets, il, tl)), **kw)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        finite = ~np.isnan(y.grad.numpy())  # torch's NaN where a loss is inf without zero_infinity
        np.testing.assert_allclose(x.grad.numpy()[finite], y.grad.numpy()[finite], rtol=1e-10, atol=1e-12)


def test_a_label_equal_to_blank_gets_the_losss_own_gradient(rng):
    """PyTorch's docs forbid it and its kernel does not check it: the loss is PyTorch's (the
    recursion over l' = blank, blank, blank), the gradient the loss's own plus exp(lp) (torch's
    disagrees there with finite differences of its own loss)."""
    lp = rng.normal(size=(4, 1, 2))
    x = dg.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, dg.tensor([[0]]), (3,), (1,), reduction="sum")
    assert loss.item() == pytest.approx(alpha_nll(lp[:3, 0], [0], 0), rel=1e-12)
    loss.backward()
    numeric = _central_differences(lambda v: alpha_nll(v[:3, 0], [0], 0), lp)
    frames = (np.arange(4) < 3)[:, None, None]
    np.testing.assert_allclose(x.grad.numpy(), numeric + np.exp(lp) * frames, atol=1e-7)


def test_log_probs_of_minus_inf_get_a_gradient_of_zero(rng):
    """A class of probability 0 (log_softmax of -inf): the loss is finite where an alignment
    avoids it, and its gradient there 0 (PyTorch's is NaN: exp(-inf - -inf))."""
    x = rng.normal(size=(6, 2, 4))
    x[1, 0, 2] = x[3, 1, 0] = x[2, :, 3] = -np.inf
    lp = x - np.logaddexp.reduce(x, axis=2, keepdims=True)
    targets, il, tl = np.array([[1, 2, 3], [2, 3, 1]]), np.array([6, 6]), np.array([3, 2])
    v = dg.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(v, dg.tensor(targets), dg.tensor(il), dg.tensor(tl), reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(oracle(lp, targets, il, tl, reduction="sum"), rel=1e-12)
    want = expected_grad(lp, targets, il, tl, 0, "sum", False)
    np.testing.assert_allclose(v.grad.numpy(), want, atol=1e-12)
    assert not v.grad.numpy()[np.isinf(lp)].any()
