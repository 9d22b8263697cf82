"""dg's random API beyond rand/randn: `generator=` everywhere PyTorch takes one, bernoulli,
multinomial, poisson, randint_like, get/set_rng_state and the in-place fills.

Streams are not PyTorch's bits, so values are checked as distributions: seeded draws (the
conftest seeds 0 before every test, so each test is deterministic) against the distribution's
known moments / CDF with a tolerance of FIVE standard errors of the estimate for the sample
size (a fresh seed fails one check with probability ~6e-7), plus exact properties (values in
the support, no repeats without replacement). Shapes, dtypes and error texts are PyTorch 2.13's,
read from torch and written out here."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg

N = 20_000
SE = 5.0  # standard errors of tolerance


def _near(estimate: float, expected: float, se: float) -> None:
    assert abs(estimate - expected) <= SE * se, (estimate, expected, se)


def _proportion(hits: np.ndarray, p: float) -> None:
    _near(float(np.mean(hits)), p, math.sqrt(p * (1 - p) / hits.size))


def _cdf_points(x: np.ndarray, cdf, points) -> None:
    """The empirical CDF at each point against the exact one (each a proportion)."""
    for t in points:
        _proportion(x <= t, cdf(t))


# -- generator= and reproducibility --------------------------------------------------------------
DRAWS = {
    "rand": lambda g: dg.rand(2, 3, generator=g),
    "randn": lambda g: dg.randn((2, 3), generator=g),
    "normal": lambda g: dg.normal(1.0, 2.0, (4,), generator=g),
    "normal_tensors": lambda g: dg.normal(dg.zeros(3), dg.ones(3), generator=g),
    "rand_like": lambda g: dg.rand_like(dg.zeros(3), generator=g),
    "randn_like": lambda g: dg.randn_like(dg.zeros(3), generator=g),
    "randint_like": lambda g: dg.randint_like(dg.zeros(3), 10, generator=g),
    "bernoulli": lambda g: dg.bernoulli(dg.full((6,), 0.5), generator=g),
    "multinomial": lambda g: dg.multinomial(dg.ones(5), 3, generator=g),
    "poisson": lambda g: dg.poisson(dg.full((4,), 3.0), generator=g),
    "random_": lambda g: dg.zeros(5).random_(0, 100, generator=g),
    "bernoulli_": lambda g: dg.zeros(6).bernoulli_(0.5, generator=g),
    "exponential_": lambda g: dg.zeros(3).exponential_(generator=g),
    "geometric_": lambda g: dg.zeros(5).geometric_(0.2, generator=g),
    "cauchy_": lambda g: dg.zeros(3).cauchy_(generator=g),
    "log_normal_": lambda g: dg.zeros(3).log_normal_(generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_generator_repeats_its_draws_and_leaves_the_global_stream_alone(name):
    draw = DRAWS[name]
    a = draw(dg.Generator().manual_seed(7)).numpy()
    dg.manual_seed(1)
    state = dg.get_rng_state()
    b = draw(dg.Generator().manual_seed(7)).numpy()
    assert np.array_equal(a, b)
    assert np.array_equal(dg.get_rng_state().numpy(), state.numpy())  # the global stream did not move
    c = draw(dg.Generator().manual_seed(8)).numpy()
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_the_global_stream_repeats_under_manual_seed_and_set_rng_state(name):
    draw = DRAWS[name]
    dg.manual_seed(11)
    a = draw(None).numpy()
    state = dg.get_rng_state()
    b = draw(None).numpy()
    dg.set_rng_state(state)
    assert np.array_equal(draw(None).numpy(), b)
    dg.manual_seed(11)
    assert np.array_equal(draw(None).numpy(), a)


def test_get_rng_state_is_a_uint8_tensor_and_set_rng_state_refuses_others():
    state = dg.get_rng_state()
    assert state.dtype == dg.uint8 and state.ndim == 1
    with pytest.raises(RuntimeError, match="set_rng_state: expected a uint8 tensor"):
        dg.set_rng_state(dg.zeros(3))


# -- shapes and dtypes (PyTorch 2.13's, as read from torch) -------------------------------------------
def test_shapes_and_dtypes_are_pytorchs():
    assert dg.bernoulli(dg.full((2, 3), 0.5, dtype=dg.float64)).dtype == dg.float64
    assert dg.bernoulli(dg.full((2,), 0.5), 0.3).shape == (2,)
    m = dg.multinomial(dg.ones(2, 3), 2)
    assert m.dtype == dg.int64 and m.shape == (2, 2)
    assert dg.multinomial(dg.tensor([1.0, 1, 2]), 5, True).shape == (5,)
    assert dg.poisson(dg.ones(3, dtype=dg.float64)).dtype == dg.float64
    assert dg.randint_like(dg.ones(2, 3), 5).dtype == dg.float32
    assert dg.randint_like(dg.ones(2, 3, dtype=dg.int32), 2, 5).dtype == dg.int32
    assert dg.randint_like(dg.ones(2), 5, dtype=dg.int64).dtype == dg.int64
    assert dg.normal(dg.zeros(3, dtype=dg.float64), 1.0).dtype == dg.float64
    assert dg.normal(0.0, dg.ones(2, 3)).shape == (2, 3)
    assert dg.rand_like(dg.zeros(2, dtype=dg.float64), generator=dg.Generator()).dtype == dg.float64
    assert dg.ones(3, dtype=dg.int64).geometric_(0.3).dtype == dg.int64
    assert dg.ones(3, dtype=dg.int64).bernoulli_(0.3).dtype == dg.int64
    assert dg.full((3,), 0.5).bernoulli().shape == (3,) and dg.ones(4).multinomial(2).shape == (2,)


def test_draws_land_on_the_tensors_device(eager_device):
    x = dg.zeros(3)
    assert x.exponential_().device == x.device and dg.bernoulli(x.fill_(0.5)).device == x.device
    assert dg.multinomial(dg.ones(3), 2).device == x.device and dg.poisson(x).device == x.device


# -- distribution correctness -------------------------------------------------------------------------
def test_bernoulli_is_zero_one_with_probability_p():
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    draws = dg.bernoulli(dg.tensor(np.tile(p, (N, 1)))).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert (draws[:, 0] == 0).all() and (draws[:, -1] == 1).all()
    for j in (1, 2, 3):
        _proportion(draws[:, j], p[j])
    _proportion(dg.zeros(N).bernoulli_(0.3).numpy(), 0.3)
    _proportion(dg.zeros(N).bernoulli_(dg.full((N,), 0.7)).numpy(), 0.7)


def test_multinomial_with_replacement_draws_each_category_by_its_weight():
    w = np.array([1.0, 0.0, 2.0, 3.0, 4.0])
    draws = dg.multinomial(dg.tensor(w), N, replacement=True).numpy()
    assert not (draws == 1).any()  # a zero weight is never drawn
    for j in (0, 2, 3, 4):
        _proportion(draws == j, w[j] / w.sum())


def test_multinomial_without_replacement_draws_in_sequence_without_repeats():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    rows = dg.multinomial(dg.tensor(np.tile(w, (N, 1))), 4).numpy()
    assert (np.sort(rows, axis=1) == np.arange(4)).all()  # each row a permutation: no repeats
    total = w.sum()
    for j in range(4):  # first draw: w_j / W; second: sum_i w_i / W * w_j / (W - w_i)
        _proportion(rows[:, 0] == j, w[j] / total)
        second = sum(w[i] / total * w[j] / (total - w[i]) for i in range(4) if i != j)
        _proportion(rows[:, 1] == j, second)


def test_poisson_mean_and_variance():
    lam = 3.5
    x = dg.poisson(dg.full((N,), lam, dtype=dg.float64)).numpy()
    assert (x == np.round(x)).all() and (x >= 0).all()
    _near(x.mean(), lam, math.sqrt(lam / N))
    _proportion(x == 0, math.exp(-lam))
    assert (dg.poisson(dg.zeros(5)).numpy() == 0).all()


def test_randint_like_and_random_are_uniform_integers():
    x = dg.randint_like(dg.zeros(N), 2, 5).numpy()
    assert set(np.unique(x)) == {2.0, 3.0, 4.0}
    for v in (2, 3, 4):
        _proportion(x == v, 1 / 3)
    y = dg.zeros(N).random_(3).numpy()
    assert set(np.unique(y)) == {0.0, 1.0, 2.0}
    z = dg.zeros(N).random_(**{"from": -2, "to": 2}).numpy()
    assert set(np.unique(z)) == {-2.0, -1.0, 0.0, 1.0}
    full = dg.zeros(N).random_().numpy()  # float32: integers in [0, 2**24]
    assert (full == np.round(full)).all() and full.min() >= 0 and full.max() <= 2**24
    _near(full.mean(), 2**23, 2**24 / math.sqrt(12 * N))
    b = dg.zeros(N, dtype=dg.bool).random_().numpy()
    _proportion(b, 0.5)
    u8 = dg.zeros(N, dtype=dg.uint8).random_().numpy()
    assert u8.max() <= 255 and u8.max() > 250 and u8.min() < 5


def test_exponential_geometric_cauchy_log_normal_distributions():
    e = dg.zeros(N, dtype=dg.float64).exponential_(2.0).numpy()
    assert (e >= 0).all()
    _near(e.mean(), 0.5, 0.5 / math.sqrt(N))
    _cdf_points(e, lambda t: 1 - math.exp(-2 * t), (0.1, 0.5, 1.5))
    k = dg.zeros(N).geometric_(0.3).numpy()
    assert (k >= 1).all() and (k == np.round(k)).all()
    _proportion(k == 1, 0.3)
    _proportion(k == 2, 0.7 * 0.3)
    _near(k.mean(), 1 / 0.3, math.sqrt(0.7) / 0.3 / math.sqrt(N))
    c = dg.zeros(N, dtype=dg.float64).cauchy_(1.0, 2.0).numpy()
    _cdf_points(c, lambda t: 0.5 + math.atan((t - 1.0) / 2.0) / math.pi, (-1.0, 1.0, 3.0, 10.0))
    ln = dg.zeros(N, dtype=dg.float64).log_normal_(1.0, 0.5).numpy()
    assert (ln > 0).all()
    _near(np.log(ln).mean(), 1.0, 0.5 / math.sqrt(N))
    _near(np.log(ln).std(), 0.5, 0.5 / math.sqrt(2 * N))


def test_rand_randn_normal_with_a_generator_have_their_moments():
    g = dg.Generator().manual_seed(3)
    u = dg.rand(N, generator=g, dtype=dg.float64).numpy()
    assert ((u >= 0) & (u < 1)).all()
    _cdf_points(u, lambda t: t, (0.1, 0.5, 0.9))
    z = dg.randn(N, generator=g, dtype=dg.float64).numpy()
    _near(z.mean(), 0.0, 1 / math.sqrt(N))
    _near(z.var(), 1.0, math.sqrt(2 / N))
    n = dg.normal(dg.full((N,), 3.0), dg.full((N,), 0.5), generator=g).numpy()
    _near(n.mean(), 3.0, 0.5 / math.sqrt(N))
    _near(n.std(), 0.5, 0.5 / math.sqrt(2 * N))


# -- PyTorch's refusals ----------------------------------------------------------------------------------
REFUSALS = [
    (lambda: dg.bernoulli(dg.tensor([0.5, 1.5])), RuntimeError,
     r"Expected p_in >= 0 && p_in <= 1 to be true, but got false."),
    (lambda: dg.bernoulli(dg.tensor([0.5, float("nan")])), RuntimeError, r"Expected p_in >= 0"),
    (lambda: dg.bernoulli(dg.tensor([1, 0])), NotImplementedError,
     "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
    (lambda: dg.multinomial(dg.tensor([1.0, -1, 2]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda: dg.multinomial(dg.tensor([1.0, float("inf")]), 1), RuntimeError, "either `inf`, `nan`"),
    (lambda: dg.multinomial(dg.zeros(3), 1), RuntimeError,
     r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
    (lambda: dg.multinomial(dg.ones(2, 3, 4), 2), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda: dg.multinomial(dg.tensor([1, 2]), 1), NotImplementedError,
     "multinomial only supports floating-point dtypes for input, got: Long"),
    (lambda: dg.multinomial(dg.ones(3), 0), RuntimeError, "cannot sample n_sample <= 0 samples"),
    (lambda: dg.multinomial(dg.ones(3), 4), RuntimeError,
     r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    (lambda: dg.multinomial(dg.tensor([1.0, 0, 2]), 3), RuntimeError,
     "cannot sample 3 samples without replacement from a row with only 2 categories of nonzero"),
    (lambda: dg.poisson(dg.tensor([1.0, -2.0])), RuntimeError,
     "invalid Poisson rate, expected rate to be non-negative"),
    (lambda: dg.poisson(dg.tensor([1, 2])), NotImplementedError,
     "\"poisson_cpu\" not implemented for 'Long'"),
    (lambda: dg.randint_like(dg.ones(2), 5, 2), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda: dg.ones(3).random_(5, 2), RuntimeError, "but got from=5 >= to=2"),
    (lambda: dg.ones(3, dtype=dg.int32).random_(0, 2**40), RuntimeError, "to - 1 is out of bounds for int"),
    (lambda: dg.ones(3).bernoulli_(1.3), RuntimeError,
     r"bernoulli_ expects p to be in \[0, 1\], but got p=1.3"),
    (lambda: dg.ones(3).exponential_(-1), RuntimeError,
     "exponential_ expects lambda > 0.0, but found lambda=-1"),
    (lambda: dg.ones(3, dtype=dg.int64).exponential_(), RuntimeError,
     "Exponential distribution is a continuous probability distribution. dtype must be a floating point "
     "but you specified Long"),
    (lambda: dg.ones(3).geometric_(0), RuntimeError, r"geometric_ expects p to be in \(0, 1\), but got p=0"),
    (lambda: dg.ones(3).cauchy_(0, -1), RuntimeError, "cauchy_ expects sigma > 0.0, but found sigma=-1"),
    (lambda: dg.ones(3).log_normal_(1, -1), RuntimeError, "log_normal_ expects std > 0.0, but found std=-1"),
    (lambda: dg.ones(3, dtype=dg.int64).log_normal_(), NotImplementedError,
     "\"log_normal_cpu\" not implemented for 'Long'"),
    (lambda: dg.normal(dg.zeros(3), -1.0), RuntimeError, "normal expects std >= 0.0, but found std -1"),
    (lambda: dg.ones(3, requires_grad=True).exponential_(), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation"),
]


@pytest.mark.parametrize("case", range(len(REFUSALS)))
def test_refusals_read_as_pytorchs(case):
    fn, kind, text = REFUSALS[case]
    with pytest.raises(kind, match=text) as info:
        fn()
    assert "test_random_more.py" in str(info.value)  # the user's line
