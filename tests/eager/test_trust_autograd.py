"""Issue 10, eager autograd edges: each test here failed on the code before the fix with a
plausible number and no error. Oracles are numpy float64 (always) and PyTorch where installed
(never the only check of a behaviour)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.errors import DualgradError
from dualgrad.ops import REGISTRY
from dualgrad.testing.samples import BOOL, INDEX, SHAPE, entry
from dualgrad.testing.values import domain_of

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"
VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation"

# -- in-place writes to a leaf that requires grad -----------------------------------------

INPLACE_ON_LEAF = {
    "setitem int": lambda x: x.__setitem__(0, 5.0),
    "setitem slice": lambda x: x.__setitem__(slice(0, 2), 5.0),
    "setitem mask": lambda x: x.__setitem__(dg.tensor([True, False, True]), 5.0),
    "setitem index array": lambda x: x.__setitem__([0, 2], 5.0),
    "setitem tensor value": lambda x: x.__setitem__(slice(None), dg.zeros(3)),
    "setitem numpy value": lambda x: x.__setitem__(slice(None), np.zeros(3, np.float32)),
    "add_": lambda x: x.add_(1), "sub_": lambda x: x.sub_(1), "mul_": lambda x: x.mul_(2),
    "div_": lambda x: x.div_(2), "zero_": lambda x: x.zero_(), "fill_": lambda x: x.fill_(2.0),
    "copy_": lambda x: x.copy_(dg.zeros(3)), "clamp_": lambda x: x.clamp_(0, 0.5),
    "+=": lambda x: x.__iadd__(1), "-=": lambda x: x.__isub__(1), "*=": lambda x: x.__imul__(2),
    "/=": lambda x: x.__itruediv__(2), "**=": lambda x: x.__ipow__(2), "pow_": lambda x: x.pow_(2),
}

INPLACE_ON_VIEW_OF_LEAF = {
    "slice setitem": lambda x: x[0:2].__setitem__(0, 5.0),
    "slice add_": lambda x: x[0:2].add_(1),
    "view mul_": lambda x: x.view(3).mul_(2),
    "unsqueeze zero_": lambda x: x.unsqueeze(0).zero_(),
    "reshape +=": lambda x: x.reshape(3, 1).__iadd__(1),
    "element fill_": lambda x: x[1].fill_(7.0),
}


@pytest.mark.parametrize("name", sorted(INPLACE_ON_LEAF))
def test_inplace_on_a_leaf_that_requires_grad_raises_and_changes_nothing(name):
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF) as e:
        INPLACE_ON_LEAF[name](x)
    assert isinstance(e.value, DualgradError) and "test_trust_autograd.py:" in str(e.value)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])
    assert x.is_leaf and x.grad_fn is None


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", sorted(INPLACE_ON_VIEW_OF_LEAF))
def test_inplace_through_a_view_of_a_leaf_raises_and_changes_nothing(name):
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=VIEW):
        INPLACE_ON_VIEW_OF_LEAF[name](x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])
    assert x.is_leaf and x.grad_fn is None


@pytest.mark.cpu_only
def test_inplace_on_a_leaf_is_allowed_where_pytorch_allows_it():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with dg.no_grad():
        x[0] = 5.0
        x.add_(1)
        x[1:].mul_(2)
    x.data[2] = 0.5  # `.data` is cut from the graph
    x.detach()[1] = 4.0  # so is detach()
    np.testing.assert_array_equal(x.detach().numpy(), [6.0, 4.0, 0.5])
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


def test_power_in_place_writes_the_same_tensor():
    """`w **= 2` used to fall back to `w = w ** 2`: under no_grad a parameter was left as it was."""
    w = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    same = w
    with dg.no_grad():
        w **= 2
    assert w is same
    np.testing.assert_array_equal(same.detach().numpy(), [1.0, 4.0, 9.0])
    a = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    b = a * 1
    b **= 3
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), 3 * np.array([1.0, 2.0]) ** 2)


KEYS = {
    "int": 0, "slice": slice(1, None), "mask": np.array([True, False, True, False]),
    "index array": np.array([3, 0]), "all": Ellipsis,
}


@pytest.mark.parametrize("key", sorted(KEYS))
def test_setitem_of_a_number_into_a_recorded_tensor_cuts_the_gradient_there(key):
    """`y = x * 2; y[key] = 5.0`: before the fix the write of a Python number was not recorded,
    so x's gradient stayed 2 at the overwritten places."""
    a = np.array([1.0, -2.0, 3.0, 0.5])
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True)
    y = x * 2
    y[KEYS[key]] = 5.0
    (y * y).sum().backward()
    kept = np.ones(4, bool)
    kept[KEYS[key]] = False
    expected_y = np.where(kept, 2 * a, 5.0)
    np.testing.assert_array_equal(y.detach().numpy(), expected_y)
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 2 * 2 * expected_y, 0.0), rtol=1e-15)


@pytest.mark.cpu_only
@settings(max_examples=40, deadline=None)
@given(mask=st.lists(st.booleans(), min_size=5, max_size=5), value=st.floats(-4, 4))
def test_setitem_through_a_view_of_a_recorded_tensor_matches_numpy(mask, value):
    a = np.linspace(-1.0, 1.0, 5)
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True)
    y = x * 3
    v = y[:]  # a view: the write goes through to y and must reach y's history
    v[np.array(mask)] = value
    (y * y).sum().backward()
    m = np.array(mask)
    expected_y = np.where(m, value, 3 * a)
    np.testing.assert_allclose(x.grad.numpy(), np.where(m, 0.0, 2 * expected_y * 3), rtol=1e-14)


# -- integer and bool results end the graph ----------------------------------------------

INT_DTYPES = [dg.int64, dg.int32, dg.int16, dg.int8, dg.uint8, dg.bool]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.name)
def test_an_integer_cast_ends_the_graph(dtype):
    w = dg.tensor([0.4, 1.0, 2.0], requires_grad=True)
    cut = (w * 2.7).to(dtype)
    assert not cut.requires_grad and cut.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        cut.float().sum().backward()
    assert w.grad is None
    # a float path next to the cut still gets its own gradient, and only that one
    ((w * 2.7).to(dtype).float() + w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0, 3.0])


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed examples run on both devices)
def test_integer_results_of_every_registry_op_never_require_grad():
    """An audit of the registry: call every op on float64 inputs that require grad (its own
    sample calls); whatever comes out with an integer or bool dtype carries no gradient."""
    seen_int = set()
    for name, op in sorted(REGISTRY.items()):
        rng = np.random.default_rng(0)  # per op: a new op earlier in the order changes no other's draws
        try:
            samples = entry(name)
        except KeyError:
            continue
        for case in samples.cases:
            args = []
            for i, shape in enumerate(case.shapes):
                kind = case.kind(i)
                if kind == BOOL:
                    args.append(dg.tensor(rng.random(shape) > 0.5))
                elif kind == INDEX:  # positions valid along every sampled axis (all have size >= 2)
                    high = min(2, int(domain_of(name, i)[1]))  # (segment max/min samples: one segment)
                    args.append(dg.tensor(rng.integers(0, high, shape)))
                else:
                    args.append(dg.tensor(rng.uniform(0.3, 0.9, shape), dtype=dg.float64,
                                          requires_grad=kind != SHAPE))
            out = op(*args, **dict(case.attrs))
            if not out.dtype.is_floating_point:
                seen_int.add(name)
                assert not out.requires_grad and out.grad_fn is None, (name, case)
    assert {"argmax", "equal", "greater", "cast", "size"} <= seen_int


@pytest.mark.parametrize("dtype", [ds.int32, ds.int64, ds.bool], ids=lambda d: d.name)
def test_static_gradients_through_an_integer_cast_are_none(dtype):
    ds.reset_default_graph()
    w = ds.Variable(np.array([0.4, 1.0, 2.0], np.float32))
    loss = ds.reduce_sum(w * 2.0)
    assert ds.gradients(ds.cast(loss, dtype), w) == [None]
    assert ds.gradients(ds.reduce_sum(ds.cast(ds.cast(w * 2.7, dtype), ds.float32)), w) == [None]
    (g,) = ds.gradients(ds.reduce_sum(ds.cast(w * 2.7, ds.float64)), w)  # float casts still pass
    with ds.Session() as s:
        s.run(ds.global_variables_initializer())
        got = s.run(g)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.full(3, 2.7), rtol=1e-6)


def test_symbolic_gradient_through_an_integer_cast_is_zero():
    ds.reset_default_graph()
    w = ds.Variable(ds.zeros([3]), name="w")
    loss = ds.reduce_sum(ds.cast(ds.cast(w * 2.7, ds.int32), ds.float32) + w * 3.0)
    g = symbolic.ad_grad(loss, w)
    assert all(e == 3 for e in np.asarray(g, dtype=object).reshape(-1))


# -- flatten -----------------------------------------------------------------------------


def _flatten_rule(shape: tuple, start: int, end: int):
    """PyTorch's documented rule, written out: dims in [-max(n,1), max(n,1)); start <= end."""
    n = len(shape)
    bound = max(n, 1)
    for d in (start, end):
        if not -bound <= d < bound:
            return IndexError
    s, e = start % bound, end % bound
    if s > e:
        return RuntimeError
    if n == 0:
        return (1,)
    return shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed examples run on both devices)
@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 3), max_size=4).map(tuple),
       start=st.integers(-6, 6), end=st.integers(-6, 6))
def test_flatten_follows_pytorch_rules(shape, start, end):
    x = dg.ones(*shape) if shape else dg.tensor(1.0)
    want = _flatten_rule(shape, start, end)
    if isinstance(want, tuple):
        assert tuple(x.flatten(start, end).shape) == want
        np.testing.assert_array_equal(x.flatten(start, end).numpy().reshape(-1), np.ones(int(np.prod(shape))))
    else:
        with pytest.raises(want) as e:
            x.flatten(start, end)
        assert isinstance(e.value, DualgradError) and "flatten" in str(e.value)


def test_flatten_examples_from_the_issue():
    x = dg.ones(2, 3)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(1, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.flatten(5)


# -- hooks -------------------------------------------------------------------------------

BAD_HOOKS = {
    "size": (lambda g: dg.ones(4), RuntimeError, "changed the size of value"),
    "dtype": (lambda g: g.double(), RuntimeError, "changed the type of value"),
    "not a tensor": (lambda g: 5, TypeError, "hook '<lambda>' returned 'int'"),
}


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
@pytest.mark.parametrize("name", sorted(BAD_HOOKS))
def test_a_hook_cannot_change_the_gradient_shape_or_type(name, leaf):
    hook, kind, message = BAD_HOOKS[name]
    x = dg.ones(3, requires_grad=True)
    y = x if leaf else x * 2
    y.register_hook(hook)
    with pytest.raises(kind, match=message):
        (y * 1.5).sum().backward()
    assert x.grad is None


def test_a_hook_may_replace_the_gradient_with_one_of_the_same_shape():
    x = dg.ones(3, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * 1.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [15.0, 15.0, 15.0])


# -- reductions: empty inputs, dtypes, nan ties -------------------------------------------


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed examples run on both devices)
@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple),
       dtype=st.sampled_from([dg.float32, dg.float64]), correction=st.integers(0, 2),
       axis_pick=st.integers(-1, 2), keepdim=st.booleans())
def test_var_std_mean_match_numpy_on_empty_and_tiny_inputs(shape, dtype, correction, axis_pick, keepdim):
    a = np.random.default_rng(len(shape)).standard_normal(shape)
    x = dg.tensor(a, dtype=dtype)
    axis = None if axis_pick < 0 or axis_pick >= len(shape) else axis_pick
    keep = keepdim and axis is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy and dualgrad both warn on empty slices
        want_var = np.var(a, axis=axis, ddof=correction, keepdims=keep)
        want_mean = np.mean(a, axis=axis, keepdims=keep)
        got_var = x.var(dim=axis, correction=correction, keepdim=keep)
        got_std = x.std(dim=axis, correction=correction, keepdim=keep)
        got_mean = x.mean(dim=axis, keepdim=keep)
    rtol = 1e-5 if dtype is dg.float32 else 1e-12
    for got, want in ((got_var, want_var), (got_std, np.sqrt(want_var)), (got_mean, want_mean)):
        assert got.dtype is dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=rtol)


def test_max_of_nan_and_one_on_every_device():
    x = dg.tensor([float("nan"), 1.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0])
    y = dg.tensor([[1.0, float("nan")]], requires_grad=True)
    y.amin(1).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.0, 1.0]])


def test_unbiased_and_correction_spell_the_same_divisor():
    a = np.array([1.0, 2.0, 4.0, -0.5])
    x = dg.tensor(a, dtype=dg.float64)
    for kwargs, ddof in (({}, 1), ({"unbiased": True}, 1), ({"unbiased": False}, 0),
                         ({"correction": 0}, 0), ({"correction": 2}, 2)):
        np.testing.assert_allclose(x.var(**kwargs).item(), np.var(a, ddof=ddof), rtol=1e-15)
        np.testing.assert_allclose(x.std(0, **kwargs).item(), np.std(a, ddof=ddof), rtol=1e-15)


def test_std_of_nothing_is_nan_in_the_input_dtype():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (dg.float32, dg.float64):
            out = dg.ones(0, dtype=dtype).std()
            assert out.dtype is dtype and np.isnan(out.item())
            assert np.isnan(dg.ones(1, dtype=dtype).std().item())
        assert dg.ones(3).var().dtype is dg.float32  # it was float64 before the fix


def _max_grad_oracle(a: np.ndarray, lowest: bool) -> np.ndarray:
    """d max(a) / d a: shared evenly by the positions that equal the result, the nans when the
    result is nan (PyTorch's max())."""
    nan = np.isnan(a)
    if nan.any():
        hits = nan
    else:
        hits = a == (a.min() if lowest else a.max())
    return hits / hits.sum()


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed examples run on both devices)
@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from([float("nan"), 1.0, 2.0, -1.0, 2.5]), min_size=1, max_size=6),
       lowest=st.booleans(), spelling=st.sampled_from(["max", "amax"]))
def test_max_and_min_backward_with_nans_and_ties_match_the_oracle(values, lowest, spelling):
    a = np.array(values)
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True)
    name = {"max": "min", "amax": "amin"}[spelling] if lowest else spelling
    getattr(x, name)().backward()
    np.testing.assert_allclose(x.grad.numpy(), _max_grad_oracle(a, lowest), rtol=1e-15)


@pytest.mark.cpu_only  # (hypothesis on numpy; the fixed examples run on both devices)
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.sampled_from([float("nan"), 1.0, 2.0, -1.0]), min_size=1, max_size=6),
       lowest=st.booleans())
def test_max_along_a_dim_sends_the_gradient_to_the_first_extreme(values, lowest):
    a = np.array(values)
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True)
    (x.min(0) if lowest else x.max(0)).values.backward()
    want = np.zeros_like(a)
    want[np.argmin(a) if lowest else np.argmax(a)] = 1.0  # numpy's arg* pick the first nan
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_a_zero_d_tensor_result_stays_a_tensor_in_promotion():
    """`x.sum()` holds a numpy scalar: it was promoted as a weak Python number, so
    `x.sum() / np.int64(2)` became float64 (PyTorch: float32)."""
    s = dg.ones(3).sum()
    assert (s / np.int64(2)).dtype is dg.float32
    assert (s * np.float64(2)).dtype is dg.float32
    assert (s * dg.tensor(2.0, dtype=dg.float64)).dtype is dg.float64


# -- backward/grad arguments --------------------------------------------------------------


def test_backward_with_empty_inputs_raises_and_accumulates_nothing():
    x = dg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="'inputs' argument to .backward.. cannot be empty|"
                                           "`inputs` argument to `backward\\(\\)` cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="grad requires non-empty inputs"):
        dg.autograd.grad((x * 2).sum(), [])
    (x * 2).sum().backward(inputs=[x])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


DIM_AXIS = {
    "sum": lambda x: x.sum(dim=0, axis=1), "mean": lambda x: x.mean(dim=0, axis=1),
    "prod": lambda x: x.prod(dim=0, axis=1), "max": lambda x: x.max(dim=0, axis=1),
    "min": lambda x: x.min(dim=0, axis=1), "amax": lambda x: x.amax(dim=0, axis=1),
    "amin": lambda x: x.amin(dim=0, axis=1), "argmax": lambda x: x.argmax(dim=0, axis=1),
    "argmin": lambda x: x.argmin(dim=0, axis=1), "var": lambda x: x.var(dim=0, axis=1),
    "std": lambda x: x.std(dim=0, axis=1), "norm": lambda x: x.norm(dim=0, axis=1),
    "logsumexp": lambda x: x.logsumexp(dim=0, axis=1), "softmax": lambda x: x.softmax(dim=0, axis=1),
    "log_softmax": lambda x: x.log_softmax(dim=0, axis=1),
    "unsqueeze": lambda x: x.unsqueeze(dim=0, axis=1), "squeeze": lambda x: x.squeeze(dim=0, axis=1),
    "cat": lambda x: dg.cat([x, x], dim=0, axis=1), "stack": lambda x: dg.stack([x, x], dim=0, axis=1),
    "sum keepdims": lambda x: dg.sum(x, 0, keepdim=True, keepdims=True),
    "var unbiased": lambda x: x.var(unbiased=False, correction=1),
    "std unbiased": lambda x: dg.std(x, 0, True, correction=0),
}


@pytest.mark.parametrize("name", sorted(DIM_AXIS))
def test_an_argument_given_under_both_names_raises_type_error_naming_both(name):
    x = dg.ones(2, 3)
    with pytest.raises(TypeError) as e:
        DIM_AXIS[name](x)
    msg = str(e.value)
    assert isinstance(e.value, DualgradError) and "test_trust_autograd.py:" in msg
    assert any(f"'{a}'" in msg and f"'{b}'" in msg
               for a, b in (("dim", "axis"), ("keepdim", "keepdims"), ("correction", "unbiased")))


STATIC_ALIASES = {
    "reduce_sum": lambda c: ds.reduce_sum(c, axis=0, reduction_indices=1),
    "reduce_mean keep": lambda c: ds.reduce_mean(c, keepdims=True, keep_dims=False),
    "argmax": lambda c: ds.argmax(c, axis=0, dimension=1),
    "squeeze": lambda c: ds.squeeze(c, axis=[0], squeeze_dims=[0]),
    "softmax": lambda c: ds.nn.softmax(c, axis=0, dim=1),
}


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", sorted(STATIC_ALIASES))
def test_static_aliases_given_twice_raise_value_error_as_tf1(name):
    ds.reset_default_graph()
    c = ds.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="got both") as e:
        STATIC_ALIASES[name](c)
    assert isinstance(e.value, DualgradError)


def test_pytorch_agrees_on_the_edges(torch):
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF):
        x[0] = 5.0
    assert not (x * 2.7).long().requires_grad
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        torch.ones(2, 3).flatten(1, 0)
    t = torch.tensor([float("nan"), 1.0], requires_grad=True)
    t.max().backward()
    assert t.grad.tolist() == [1.0, 0.0]
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    assert torch.ones(0).std().dtype == torch.float32
