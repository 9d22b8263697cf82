"""`dg.set_default_dtype` reaches every path that picks a default float, as PyTorch's does.

The table states the dtype PyTorch's documented rules give (`torch.set_default_dtype`, the
creation functions' "default: torch.get_default_dtype()", type promotion's "wrapped numbers"
and int-to-float results, `_get_scalar_dtype` of the optimizers, `default_collate`): "D" is
the default, anything else is fixed. Values under float64 are checked against Python's and
numpy's float64. torch, where installed, is an extra oracle over the same table (last test).
Every test restores the default, also when it fails (the `default` fixture)."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

DEFAULTS = ["float32", "float64", "float16"]
D = "D"  # the default dtype
S = "S"  # an optimizer's step counter: float64 under a float64 default, else float32


@contextlib.contextmanager
def default_dtype(name: str):
    """The default dtype `name` inside, the previous one back afterwards, also on failure."""
    before = dg.get_default_dtype()
    dg.set_default_dtype(getattr(dg, name))
    try:
        yield
    finally:
        dg.set_default_dtype(before)


@pytest.fixture(params=DEFAULTS)
def default(request):
    with default_dtype(request.param):
        yield request.param


def _adam_state(m, key: str):
    p = m.nn.Parameter(m.ones(2))
    opt = m.optim.Adam([p]) if key != "mu_product" else m.optim.NAdam([p])
    p.grad = m.ones(2)
    opt.step()
    return opt.state[p][key]


def _i(m):
    return m.tensor([1, 2, 3])


# (what, how in PyTorch's vocabulary with `m` the module, the dtype PyTorch's rules give)
TABLE = [
    # creation from Python data: floats take the default, ints int64, numpy keeps its dtype
    ("tensor([1.5])", lambda m: m.tensor([1.5]), D),
    ("tensor(1.5)", lambda m: m.tensor(1.5), D),
    ("tensor([1, 2.5])", lambda m: m.tensor([1, 2.5]), D),
    ("tensor([[1], [2.5]])", lambda m: m.tensor([[1], [2.5]]), D),
    ("tensor([])", lambda m: m.tensor([]), D),
    ("tensor([True, 2.0])", lambda m: m.tensor([True, 2.0]), D),
    ("tensor([1, 2])", lambda m: m.tensor([1, 2]), "int64"),
    ("tensor([True])", lambda m: m.tensor([True]), "bool"),
    ("tensor(np.float64(1))", lambda m: m.tensor(np.float64(1)), "float64"),
    ("tensor(np.float32(1))", lambda m: m.tensor(np.float32(1)), "float32"),
    ("tensor(np float32 array)", lambda m: m.tensor(np.ones(2, np.float32)), "float32"),
    ("tensor(np float64 array)", lambda m: m.tensor(np.ones(2)), "float64"),
    ("as_tensor([1.5])", lambda m: m.as_tensor([1.5]), D),
    ("as_tensor(np float64 array)", lambda m: m.as_tensor(np.ones(2)), "float64"),
    ("as_tensor(np float32 array)", lambda m: m.as_tensor(np.ones(2, np.float32)), "float32"),
    ("from_numpy(np float64 array)", lambda m: m.from_numpy(np.ones(2)), "float64"),
    ("from_numpy(np float32 array)", lambda m: m.from_numpy(np.ones(2, np.float32)), "float32"),
    ("Tensor([1, 2])", lambda m: m.Tensor([1, 2]), D),
    ("Tensor(2, 3)", lambda m: m.Tensor(2, 3), D),
    ("FloatTensor([1])", lambda m: m.FloatTensor([1]), "float32"),
    ("DoubleTensor([1])", lambda m: m.DoubleTensor([1]), "float64"),
    ("LongTensor([1])", lambda m: m.LongTensor([1]), "int64"),
    # filled and ranged creation
    ("zeros(2)", lambda m: m.zeros(2), D),
    ("ones(2, 3)", lambda m: m.ones(2, 3), D),
    ("empty(2)", lambda m: m.empty(2), D),
    ("zeros(2, dtype=int64)", lambda m: m.zeros(2, dtype=m.int64), "int64"),
    ("zeros(2, dtype=float)", lambda m: m.zeros(2, dtype=float), "float64"),
    ("full((2,), 1.5)", lambda m: m.full((2,), 1.5), D),
    ("full((2,), np.float64(1.5))", lambda m: m.full((2,), np.float64(1.5)), D),
    ("full((2,), 7)", lambda m: m.full((2,), 7), "int64"),
    ("full((2,), True)", lambda m: m.full((2,), True), "bool"),
    ("arange(3)", lambda m: m.arange(3), "int64"),
    ("arange(3.0)", lambda m: m.arange(3.0), D),
    ("arange(0, 1, 0.25)", lambda m: m.arange(0, 1, 0.25), D),
    ("linspace(0, 1, 5)", lambda m: m.linspace(0, 1, 5), D),
    ("linspace(0, 4, 5) (int ends)", lambda m: m.linspace(0, 4, 5), D),
    ("logspace(0, 2, 3)", lambda m: m.logspace(0, 2, 3), D),
    ("eye(2)", lambda m: m.eye(2), D),
    ("block_diag()", lambda m: m.block_diag(), D),
    # random draws
    ("rand(2)", lambda m: m.rand(2), D),
    ("randn(2, 2)", lambda m: m.randn(2, 2), D),
    ("normal(0., 1., size=(2,))", lambda m: m.normal(0.0, 1.0, size=(2,)), D),
    ("normal(float32 tensor, 1.)", lambda m: m.normal(m.zeros(2, dtype=m.float32), 1.0), "float32"),
    ("zeros(2).uniform_()", lambda m: m.zeros(2).uniform_(), D),
    ("zeros(2).normal_()", lambda m: m.zeros(2).normal_(), D),
    ("bernoulli(full((2,), .5))", lambda m: m.bernoulli(m.full((2,), 0.5)), D),
    ("randint(3, (2,))", lambda m: m.randint(3, (2,)), "int64"),
    ("randperm(3)", lambda m: m.randperm(3), "int64"),
    ("distributions.Normal(0., 1.).sample()", lambda m: m.distributions.Normal(0.0, 1.0).sample(), D),
    ("distributions.Uniform(0., 1.).sample()", lambda m: m.distributions.Uniform(0.0, 1.0).sample(), D),
    ("distributions.Normal(float32, 1.).sample()",
     lambda m: m.distributions.Normal(m.zeros(2, dtype=m.float32), 1.0).sample(), "float32"),
    # *_like and new_* keep their input's dtype
    ("zeros_like(float32)", lambda m: m.zeros_like(m.ones(2, dtype=m.float32)), "float32"),
    ("ones_like(float64)", lambda m: m.ones_like(m.ones(2, dtype=m.float64)), "float64"),
    ("rand_like(float32)", lambda m: m.rand_like(m.ones(2, dtype=m.float32)), "float32"),
    ("randn_like(float64)", lambda m: m.randn_like(m.ones(2, dtype=m.float64)), "float64"),
    ("ones_like(int64)", lambda m: m.ones_like(_i(m)), "int64"),
    ("full_like(int64, 1.5)", lambda m: m.full_like(_i(m), 1.5), "int64"),
    ("float32.new_tensor([1.5])", lambda m: m.ones(1, dtype=m.float32).new_tensor([1.5]), "float32"),
    ("float32.new_zeros(2)", lambda m: m.ones(1, dtype=m.float32).new_zeros(2), "float32"),
    # nn parameters and buffers, nn.init
    ("Linear.weight", lambda m: m.nn.Linear(2, 3).weight, D),
    ("Linear.bias", lambda m: m.nn.Linear(2, 3).bias, D),
    ("Conv2d.weight", lambda m: m.nn.Conv2d(1, 2, 3).weight, D),
    ("Conv1d.bias", lambda m: m.nn.Conv1d(1, 2, 3).bias, D),
    ("BatchNorm1d.running_mean", lambda m: m.nn.BatchNorm1d(2).running_mean, D),
    ("BatchNorm1d.running_var", lambda m: m.nn.BatchNorm1d(2).running_var, D),
    ("BatchNorm1d.num_batches_tracked", lambda m: m.nn.BatchNorm1d(2).num_batches_tracked, "int64"),
    ("LayerNorm.weight", lambda m: m.nn.LayerNorm(2).weight, D),
    ("Embedding.weight", lambda m: m.nn.Embedding(3, 2).weight, D),
    ("LSTM.weight_ih_l0", lambda m: m.nn.LSTM(2, 2).weight_ih_l0, D),
    ("PReLU.weight", lambda m: m.nn.PReLU().weight, D),
    ("Linear().float().weight", lambda m: m.nn.Linear(2, 2).float().weight, "float32"),
    ("Linear().double().weight", lambda m: m.nn.Linear(2, 2).double().weight, "float64"),
    ("init.kaiming_uniform_(empty(2, 2))", lambda m: m.nn.init.kaiming_uniform_(m.empty(2, 2)), D),
    ("Linear(2, 2)(ones(1, 2))", lambda m: m.nn.Linear(2, 2)(m.ones(1, 2)), D),
]
PROMOTION = [
    # Python numbers are weak: they lift an int tensor to the default, never a float tensor
    ("float32 * 2.5", lambda m: m.ones(2, dtype=m.float32) * 2.5, "float32"),
    ("float64 * 2.5", lambda m: m.ones(2, dtype=m.float64) * 2.5, "float64"),
    ("float16 * 2.5", lambda m: m.ones(2, dtype=m.float16) * 2.5, "float16"),
    ("int64 * 2.5", lambda m: _i(m) * 2.5, D),
    ("2.5 - int32", lambda m: 2.5 - _i(m).int(), D),
    ("bool * 1.5", lambda m: m.tensor([True, False]) * 1.5, D),
    ("int64 * 2", lambda m: _i(m) * 2, "int64"),
    ("int64 + 0-d float32", lambda m: _i(m) + m.tensor(1.0, dtype=m.float32), "float32"),
    ("int64 + 0-d float64", lambda m: _i(m) + m.tensor(1.0, dtype=m.float64), "float64"),
    ("int64 + 0-d tensor(1.5)", lambda m: _i(m) + m.tensor(1.5), D),
    ("float32 + 0-d tensor(1.5)", lambda m: m.ones(2, dtype=m.float32) + m.tensor(1.5), "float32"),
    ("where(int > 1, int, 1.5)", lambda m: m.where(_i(m) > 1, _i(m), 1.5), D),
    # true division and float functions of integers give the default
    ("int / int", lambda m: _i(m) / _i(m), D),
    ("int / 2", lambda m: _i(m) / 2, D),
    ("7 / int", lambda m: 7 / _i(m), D),
    ("int.true_divide(2)", lambda m: _i(m).true_divide(2), D),
    ("int ** 0.5", lambda m: _i(m) ** 0.5, D),
    ("sqrt(int)", lambda m: m.sqrt(_i(m)), D),
    ("exp(int)", lambda m: m.exp(_i(m)), D),
    ("int.sin()", lambda m: _i(m).sin(), D),
    ("log(int)", lambda m: m.log(_i(m)), D),
    ("sigmoid(int)", lambda m: m.sigmoid(_i(m)), D),
    ("erf(int)", lambda m: m.erf(_i(m)), D),
    ("atan2(int, int)", lambda m: m.atan2(_i(m), _i(m)), D),
    ("int // 2", lambda m: _i(m) // 2, "int64"),
    ("int.div(int, rounding_mode='trunc')", lambda m: _i(m).div(_i(m), rounding_mode="trunc"), "int64"),
    ("int.float()", lambda m: _i(m).float(), "float32"),
    ("int.double()", lambda m: _i(m).double(), "float64"),
    ("int.to(get_default_dtype())", lambda m: _i(m).to(m.get_default_dtype()), D),
    ("bool.sum()", lambda m: m.tensor([True, False]).sum(), "int64"),
    ("int.mean(dtype=float32)", lambda m: _i(m).mean(dtype=m.float32), "float32"),
]
STATE = [
    # optimizers: moments follow the parameter, step counters PyTorch's _get_scalar_dtype
    ("Adam state exp_avg", lambda m: _adam_state(m, "exp_avg"), D),
    ("Adam state step", lambda m: _adam_state(m, "step"), S),
    ("NAdam state mu_product", lambda m: _adam_state(m, "mu_product"), S),
    # DataLoader's default_collate: Python floats are float64 whatever the default
    ("default_collate([1.5, 2.5])", lambda m: m.utils.data.default_collate([1.5, 2.5]), "float64"),
    ("default_collate([1, 2])", lambda m: m.utils.data.default_collate([1, 2]), "int64"),
    ("default_collate([np.float32(1)])", lambda m: m.utils.data.default_collate([np.float32(1)]), "float32"),
    ("default_collate([tensor(1.5)])", lambda m: m.utils.data.default_collate([m.tensor(1.5)]), D),
]
TABLE += PROMOTION + STATE

# an integer input to a float-only statistic: `mean()`, `std()`, `norm()` and `softmax` refuse
# it, as PyTorch does (tests/eager/test_trust_int_refusals.py); `logsumexp` computes in the
# default float, as PyTorch's
DUALGRAD_ONLY = [
    ("logsumexp(bool, 0)", lambda m: m.logsumexp(m.tensor([True, False]), 0), D),
]
JAX_ROWS = [r for r in TABLE + DUALGRAD_ONLY if r[0] in (
    "tensor([1.5])", "zeros(2)", "rand(2)", "Linear.weight", "int64 * 2.5", "bool * 1.5", "int / int",
    "sqrt(int)", "int64 + 0-d tensor(1.5)", "float32 * 2.5", "logsumexp(bool, 0)")]


def _expected(want: str, default: str) -> str:
    if want == D:
        return default
    if want == S:
        return "float64" if default == "float64" else "float32"
    return want


def _dtype_name(result) -> str:
    return str(getattr(result, "dtype", result)).rsplit(".", 1)[-1]


def _mismatches(module, default: str, rows) -> list[str]:
    bad = []
    for what, make, want in rows:
        try:
            got = _dtype_name(make(module))
        except Exception as e:  # noqa: BLE001 - a row that raises is reported with the others
            got = f"raised {type(e).__name__}: {e}"
        if got != _expected(want, default):
            bad.append(f"{what}: {got}, expected {_expected(want, default)}")
    return bad


@pytest.mark.cpu_only
def test_every_default_float_path_follows_the_default(default) -> None:
    assert dg.get_default_dtype() is getattr(dg, default)
    assert _mismatches(dg, default, TABLE + DUALGRAD_ONLY) == []


@pytest.mark.cpu_only
def test_jax_device_programs_follow_a_change_of_default() -> None:
    """A jitted jax kernel bakes its promotion in: the programs made under float32 must not
    answer under float64 (they did: int64 * 2.5 stayed float32 on jax)."""
    dg.set_default_device("jax")
    try:
        for name in ("float32", "float64", "float32"):
            with default_dtype(name):
                assert _mismatches(dg, name, JAX_ROWS) == []
    finally:
        dg.set_default_device("cpu")


def test_the_default_is_float32_and_set_round_trips() -> None:
    assert dg.get_default_dtype() is dg.float32
    with default_dtype("float64"):
        assert dg.get_default_dtype() is dg.float64
        with default_dtype("float16"):
            assert dg.get_default_dtype() is dg.float16
        assert dg.get_default_dtype() is dg.float64
    assert dg.get_default_dtype() is dg.float32


def test_the_default_is_restored_when_a_test_body_fails() -> None:
    with pytest.raises(ZeroDivisionError), default_dtype("float64"):
        1 / 0  # noqa: B018
    assert dg.get_default_dtype() is dg.float32


@pytest.mark.parametrize("bad", [dg.int64, dg.int32, dg.bool, dg.uint8])
def test_a_non_float_dtype_is_refused_with_torchs_text(bad) -> None:
    with pytest.raises(TypeError, match="^only floating-point types are supported as the default type"):
        dg.set_default_dtype(bad)
    assert dg.get_default_dtype() is dg.float32


@pytest.mark.parametrize("bad", [float, "float64", None, np.float64, np.dtype(np.float64), 1.5])
def test_a_non_dtype_is_refused_with_torchs_text(bad) -> None:
    with pytest.raises(TypeError, match="^invalid dtype object: only floating-point types are supported"):
        dg.set_default_dtype(bad)
    assert dg.get_default_dtype() is dg.float32


# -- values: float64 under a float64 default is float64 arithmetic, not float32 cast up --------
def _float64_equal(got: dg.Tensor, want: list, device: str) -> None:
    """Bit-equal on the CPU; within 2 ulp of float64 on jax, whose XLA computes `x / 3.0` as
    `x * (1 / 3.0)` (float32 values cast up would be 1e-8 off)."""
    assert got.dtype is dg.float64
    if device == "cpu":
        assert got.tolist() == want
    else:
        np.testing.assert_allclose(got.numpy(), np.array(want, np.float64), rtol=5e-16, atol=0)


def test_float64_default_values_equal_python_float64(eager_device) -> None:
    with default_dtype("float64"):
        assert (dg.tensor(0.1) + dg.tensor(0.2)).item() == 0.1 + 0.2
        assert dg.tensor([0.1, 0.7]).tolist() == [0.1, 0.7]
        assert dg.full((2,), 0.1).tolist() == [0.1, 0.1]
        _float64_equal(dg.ones(3) / 3, [1 / 3] * 3, eager_device)
        i = dg.tensor([1, 2, 7])
        _float64_equal(i / 3, [1 / 3, 2 / 3, 7 / 3], eager_device)
        _float64_equal(i * 0.1, [0.1, 0.2, 7 * 0.1], eager_device)
        _float64_equal(dg.sqrt(i), np.sqrt(np.array([1.0, 2.0, 7.0])).tolist(), eager_device)
        _float64_equal(dg.exp(i), np.exp(np.array([1.0, 2.0, 7.0])).tolist(), eager_device)
        assert dg.arange(0, 1, 0.1).tolist() == [k * 0.1 for k in range(10)]  # start + k * step
        assert dg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_float64_default_linspace_is_torchs_two_sided_float64_formula() -> None:
    with default_dtype("float64"):
        start, end, steps = 0.1, 0.7, 7
        step = (end - start) / (steps - 1)
        half = steps // 2
        want = [start + k * step if k < half else end - (steps - 1 - k) * step for k in range(steps)]
        assert dg.linspace(start, end, steps).tolist() == want


def _float32_representable(a: np.ndarray) -> float:
    return float(np.mean(a.astype(np.float32).astype(np.float64) == a))


def test_float64_default_draws_have_53_bit_mantissas() -> None:
    with default_dtype("float64"):
        dg.manual_seed(3)
        for draw in (dg.rand(2000), dg.randn(2000), dg.empty(2000).uniform_(-1, 1),
                     dg.normal(0.0, 2.0, size=(2000,)), dg.nn.Linear(40, 50).weight.detach().reshape(-1),
                     dg.nn.init.xavier_normal_(dg.empty(40, 50)).reshape(-1)):
            a = draw.numpy()
            assert a.dtype == np.float64
            assert _float32_representable(a) < 0.01  # float32 values cast up would all be representable
        u = dg.rand(20000).numpy()
        assert 0.0 <= u.min() and u.max() < 1.0


def test_float64_default_gradients_are_float64_exact() -> None:
    with default_dtype("float64"):
        x = dg.tensor(0.1, requires_grad=True)
        (x * x * 3).backward()
        assert x.grad.dtype is dg.float64 and x.grad.item() == 6 * 0.1


@pytest.mark.cpu_only
def test_printing_hides_the_default_dtype_and_shows_the_others() -> None:
    with default_dtype("float64"):
        assert repr(dg.ones(2)) == "tensor([1., 1.])"
        assert repr(dg.ones(2, dtype=dg.float32)) == "tensor([1., 1.], dtype=dualgrad.float32)"
        assert repr(dg.tensor([])) == "tensor([])"
        assert repr(dg.tensor([], dtype=dg.float32)) == "tensor([], dtype=dualgrad.float32)"
    assert repr(dg.ones(2, dtype=dg.float64)) == "tensor([1., 1.], dtype=dualgrad.float64)"


def test_the_promotion_cache_forgets_decisions_of_the_old_default() -> None:
    i = dg.tensor([1, 2])
    assert (i * 2.5).dtype is dg.float32  # the decision for (int64, float) is cached now
    with default_dtype("float64"):
        assert (i * 2.5).dtype is dg.float64
        assert (i / i).dtype is dg.float64
    assert (i * 2.5).dtype is dg.float32 and (i / i).dtype is dg.float32


def test_compile_traces_again_when_the_default_changes() -> None:
    step = dg.compile(lambda a: a * 0.1 + dg.ones(3) / 3)
    i = dg.tensor([1, 2, 7])
    first = step(i)
    assert first.dtype is dg.float32
    with default_dtype("float64"):
        again = step(i)
        assert again.dtype is dg.float64
        np.testing.assert_allclose(again.numpy(), [k * 0.1 + 1 / 3 for k in (1, 2, 7)], rtol=5e-16)
        assert len(step.programs) == 2
    assert step(i).dtype is dg.float32 and len(step.programs) == 2  # the float32 trace, reused


def test_a_float64_fit_under_the_default_matches_numpy_lstsq() -> None:
    with default_dtype("float64"):
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal((30, 3)), rng.standard_normal(30)
        x = dg.linalg.solve(dg.tensor(a.T @ a), dg.tensor(a.T @ b))
        assert x.dtype is dg.float64
        np.testing.assert_allclose(x.numpy(), np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-12, atol=1e-12)


# -- the small top-level predicates and print options ----------------------------------------
def test_is_tensor_is_floating_point_and_numel() -> None:
    assert dg.is_tensor(dg.ones(1)) and dg.is_tensor(dg.nn.Parameter(dg.ones(1)))
    assert not dg.is_tensor(np.ones(1)) and not dg.is_tensor(1.5) and not dg.is_tensor([dg.ones(1)])
    assert dg.is_floating_point(dg.ones(1, dtype=dg.float16)) and dg.is_floating_point(dg.ones(1))
    assert not dg.is_floating_point(dg.tensor([1])) and not dg.is_floating_point(dg.tensor([True]))
    assert dg.numel(dg.ones(2, 3)) == 6 and dg.numel(dg.tensor(1.0)) == 1 and dg.numel(dg.ones(0, 4)) == 0
    with pytest.raises(TypeError, match=r"is_floating_point\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not float"):
        dg.is_floating_point(1.5)
    with pytest.raises(TypeError, match=r"numel\(\): argument 'input' \(position 1\) must be Tensor, "
                                        r"not list"):
        dg.numel([1])


@pytest.fixture
def printoptions():
    from dualgrad.eager import printing

    names = ("PRECISION", "THRESHOLD", "EDGEITEMS", "LINEWIDTH", "SCI_MODE")
    saved = [getattr(printing, n) for n in names]
    try:
        yield
    finally:
        for n, v in zip(names, saved, strict=True):
            setattr(printing, n, v)


@pytest.mark.cpu_only
def test_set_printoptions_as_torch(printoptions) -> None:
    # expected strings from PyTorch 2's set_printoptions, written out
    dg.set_printoptions(precision=2)
    assert repr(dg.tensor([1.23456, 100.0])) == "tensor([  1.23, 100.00])"
    dg.set_printoptions(sci_mode=True)
    assert repr(dg.tensor([1.5])) == "tensor([1.50e+00])"
    dg.set_printoptions(precision=3)  # sci_mode goes back to None: chosen per tensor
    assert repr(dg.tensor([1.5])) == "tensor([1.500])"
    dg.set_printoptions(profile="default")
    assert repr(dg.tensor([1.23456])) == "tensor([1.2346])"
    dg.set_printoptions(threshold=5)
    assert repr(dg.arange(10.0)) == "tensor([0., 1., 2.,  ..., 7., 8., 9.])"
    dg.set_printoptions(edgeitems=1)
    assert repr(dg.arange(10.0)) == "tensor([0.,  ..., 9.])"
    dg.set_printoptions(profile="full")
    assert "..." not in repr(dg.arange(2000.0))
    dg.set_printoptions(profile="default", sci_mode=False)
    assert repr(dg.tensor([1e-8, 1e9])) == "tensor([         0.0000, 1000000000.0000])"
    with pytest.raises(ValueError, match="profile"):
        dg.set_printoptions(profile="long")
    for bad in ({"precision": 2.5}, {"precision": -1}, {"linewidth": None, "edgeitems": True},
                {"threshold": float("nan")}, {"sci_mode": 1}):
        with pytest.raises(TypeError, match="set_printoptions: "):
            dg.set_printoptions(**bad)
    assert repr(dg.tensor([1e-8, 1e9])) == "tensor([         0.0000, 1000000000.0000])"  # unchanged


# -- promotion of any two operands: PyTorch's rule written out (c10's ResultTypeState) --------
_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
_KIND = {"bool": 0, "uint8": 1, "int8": 1, "int16": 1, "int32": 1, "int64": 1, "float16": 2, "float32": 2,
         "float64": 2}


def _promote(a: str, b: str) -> str:
    """Two dtypes of one priority group: the higher category wins, else numpy's promotion."""
    if _KIND[a] != _KIND[b]:
        return a if _KIND[a] > _KIND[b] else b
    return np.promote_types(a, b).name


def _combine(higher: str | None, lower: str | None) -> str | None:
    """c10's combine_categories: a lower group counts only by lifting the category."""
    if higher is None:
        return lower
    if lower is None or _KIND[higher] == 2:
        return higher
    if _KIND[higher] == 0 or _KIND[lower] == 2:
        return _promote(higher, lower)
    return higher


def _rule(operands, default: str, floating: bool) -> str:
    """Dimensioned tensors, then 0-d tensors, then Python numbers (bool, int64, the default)."""
    groups = {"dims": None, "zero": None, "number": None}
    for kind, value in operands:
        d = value if kind != "number" else {bool: "bool", int: "int64", float: default}[type(value)]
        groups[kind] = d if groups[kind] is None else _promote(groups[kind], d)
    out = _combine(groups["dims"], _combine(groups["zero"], groups["number"]))
    return default if floating and _KIND[out] < 2 else out


_operand = st.one_of(st.tuples(st.just("dims"), st.sampled_from(_DTYPES)),
                     st.tuples(st.just("zero"), st.sampled_from(_DTYPES)),
                     st.tuples(st.just("number"), st.sampled_from([True, 3, 2.5])))


def _make(kind: str, value):
    if kind == "number":
        return value
    return dg.ones(2, dtype=getattr(dg, value)) if kind == "dims" else dg.ones((), dtype=getattr(dg, value))


@pytest.mark.cpu_only  # (each change of default re-jits jax kernels: the jax test above covers them)
@settings(max_examples=25, deadline=None)
@given(a=_operand, b=_operand, default=st.sampled_from(["float32", "float64"]))
def test_binary_promotion_follows_pytorchs_rule_under_each_default(a, b, default) -> None:
    if a[0] == "number" and b[0] == "number":
        return  # (two Python numbers are not a tensor op)
    with default_dtype(default):
        x, y = _make(*a), _make(*b)
        assert dg.add(x, y).dtype.name == _rule([a, b], default, floating=False)
        assert dg.mul(x, y).dtype.name == _rule([a, b], default, floating=False)
        assert dg.div(x, y).dtype.name == _rule([a, b], default, floating=True)
