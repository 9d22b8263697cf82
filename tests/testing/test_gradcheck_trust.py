"""Issue 10: gradcheck must neither fail a right gradient nor pass a wrong one.

Before the fix `dg.autograd.gradcheck` failed every function whose output is a view of its
input (perturbing the input moved the stored output), returned True when no input required
grad, and `dualgrad.testing.gradcheck(fn, (a, b))` called `fn` with one stacked array."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import testing
from dualgrad.autograd import GradcheckError, gradcheck, gradgradcheck
from dualgrad.errors import DualgradError


def _x(shape=(3, 3), seed=0):
    rng = np.random.default_rng(seed)
    return dg.tensor(rng.uniform(-1.0, 1.0, shape), dtype=dg.float64, requires_grad=True)


# one-argument functions built from registry ops; the first group returns views of the input
STEPS = {
    "unsqueeze": lambda x: x.unsqueeze(-1),
    "reshape": lambda x: x.reshape(-1),
    "transpose": lambda x: x.transpose(0, -1),
    "reverse": lambda x: x[..., ::-1] if x.ndim else x,  # (a 0-d tensor has no dim to reverse)
    "alias": lambda x: x[...],
    "expand": lambda x: x.unsqueeze(0).expand(2, *x.shape),
    "first row": lambda x: x[0] if x.ndim else x,
    "sin": lambda x: x.sin(),
    "square": lambda x: x * x,
    "exp": lambda x: (x * 0.3).exp(),
    "sum keepdim": lambda x: x.sum(0, keepdim=True),
}
VIEWS = ("unsqueeze", "reshape", "transpose", "reverse", "alias", "expand", "first row")


def _compose(names):
    def fn(x):
        for n in names:
            x = STEPS[n](x)
        return x

    return fn


@pytest.mark.parametrize("name", VIEWS)
def test_a_function_returning_a_view_of_its_input_passes(name):
    x = _x()
    assert gradcheck(STEPS[name], (x,))
    np.testing.assert_array_equal(x.detach().numpy(), _x().detach().numpy())  # input untouched


def test_the_example_from_the_issue():
    b = dg.tensor([0.3, -1.2], dtype=dg.float64, requires_grad=True)
    assert gradcheck(lambda b: b.unsqueeze(-1), (b,))
    assert gradgradcheck(lambda b: b.unsqueeze(-1) * b.unsqueeze(-1), (b,))


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=3))
@example(names=["first row", "first row", "reverse"])  # down to 0-d, then a reversal
def test_compositions_of_registry_ops_pass_gradcheck(names):
    assert gradcheck(_compose(names), (_x(),))


def _wrong(names, corrupt):
    """A custom Function with fn's forward and a corrupted copy of its true backward."""
    fn = _compose(names)

    class Wrong(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return fn(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            with dg.enable_grad():
                xx = x.detach().requires_grad_()
                (right,) = dg.autograd.grad(fn(xx), xx, g)
            return corrupt(right)

    return Wrong.apply


CORRUPTIONS = {"scaled by 1.01": lambda g: g * 1.01, "negated": lambda g: -g,
               "zero": lambda g: g * 0.0}


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=3),
       corruption=st.sampled_from(sorted(CORRUPTIONS)))
def test_a_wrong_backward_is_caught(names, corruption):
    wrong = _wrong(names, CORRUPTIONS[corruption])
    assert gradcheck(_wrong(names, lambda g: g), (_x(),))  # the uncorrupted copy passes
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(wrong, (_x(),))
    assert gradcheck(wrong, (_x(),), raise_exception=False) is False


def test_a_transposed_gradient_is_caught():
    wrong = _wrong(["sin"], lambda g: g.t())
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(wrong, (_x(),))


def test_no_input_that_requires_grad_is_refused():
    x = dg.tensor([1.0, 2.0], dtype=dg.float64)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient") as e:
        gradcheck(lambda a: a * 2, (x,))
    assert isinstance(e.value, DualgradError)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradgradcheck(lambda a: a * 2, (x,))


def test_outputs_and_inputs_that_carry_no_gradient_are_left_out():
    x = _x((2,))
    assert gradcheck(lambda a: (a * 2, a.detach()), (x,))  # a detached output is not checked
    assert gradcheck(lambda a: (a * 2, a.sin()), (x,))  # several outputs
    assert gradcheck(lambda a: (a * 2, a.long()), (x,))  # an integer output ends the graph
    assert gradcheck(lambda a, i: a * i, (x, dg.tensor([1, 2])))  # an integer input
    assert gradcheck(lambda a, k: a * k, (x, 3.0))  # a number


def test_when_no_output_requires_grad_the_function_must_not_depend_on_its_inputs():
    x = _x((2,))
    assert gradcheck(lambda a: dg.ones(2, dtype=dg.float64), (x,))
    with pytest.raises(GradcheckError, match="expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))
    assert gradcheck(lambda a: a.detach() * 2, (x,), raise_exception=False) is False


@pytest.mark.parametrize("layout", ["transposed", "expanded", "sliced"])
def test_inputs_that_are_views_are_checked_and_left_as_they_were(layout):
    base = dg.tensor(np.arange(6.0).reshape(2, 3) / 7, dtype=dg.float64)
    x = {"transposed": lambda: base.t(), "expanded": lambda: base[0:1].expand(2, 3),
         "sliced": lambda: base[:, ::2]}[layout]().requires_grad_()
    before = x.detach().numpy().copy()
    assert gradcheck(lambda a: (a.sin() * a).sum(0), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    np.testing.assert_array_equal(base.numpy(), np.arange(6.0).reshape(2, 3) / 7)


def test_single_precision_inputs_warn():
    x = dg.tensor([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda a: a * 2, (x,), raise_exception=False)


def test_gradgradcheck_checks_the_grad_outputs_too():
    class DetachedSecond(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    x = _x((2,))
    assert gradcheck(DetachedSecond.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(DetachedSecond.apply, (x,))
    assert gradgradcheck(lambda a: a ** 3, (x,))


def test_unknown_and_unsupported_keywords_are_refused():
    x = _x((2,))
    with pytest.raises(TypeError, match="atoll"):
        gradcheck(lambda a: a * 2, (x,), atoll=1e-3)
    with pytest.raises(ValueError, match="check_forward_ad"):
        gradcheck(lambda a: a * 2, (x,), check_forward_ad=True)
    assert gradcheck(lambda a: a * 2, (x,), fast_mode=True, nondet_tol=0.0, check_grad_dtypes=True)


# -- dualgrad.testing.gradcheck ------------------------------------------------------------


def test_testing_gradcheck_calls_fn_with_each_input_of_a_tuple():
    seen = []

    def fn(a, b):
        seen.append((tuple(a.shape), tuple(b.shape)))
        return (a * b.sin()).sum()

    a, b = np.linspace(0.1, 0.9, 3), np.linspace(-1.0, 1.0, 3)
    assert testing.gradcheck(fn, (a, b))
    assert testing.gradcheck(fn, [a, b])
    assert testing.gradcheck(fn, a, b)
    assert set(seen) == {((3,), (3,))}
    assert testing.gradcheck(lambda v: (v * v).sum(), [0.5, 1.5])  # a list of numbers: one input


def test_testing_gradcheck_still_catches_a_wrong_gradient_given_a_tuple():
    class Swapped(dg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * 2 * a * b, g * b * b

    with pytest.raises(AssertionError, match="VJP of input"):
        testing.gradcheck(Swapped.apply, (np.array([0.3, 0.7]), np.array([1.1, -0.4])))


def test_testing_gradcheck_refuses_what_it_cannot_check():
    with pytest.raises(ValueError, match="no floating-point input"):
        testing.gradcheck(lambda i: (i * 2).sum(), np.arange(3))
    with pytest.raises(ValueError, match="not float64"):
        testing.gradcheck(lambda v: v.float().sum(), np.ones(3))


def test_pytorch_agrees(torch):
    b = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda b: b.unsqueeze(-1), (b,))
    assert torch.autograd.gradcheck(lambda a: (a * 2, a.detach()), (b,))
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        torch.autograd.gradcheck(lambda a: a * 2, (b.detach(),))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.autograd.gradcheck(lambda a: a * 2, (b.float().detach().requires_grad_(),),
                                 raise_exception=False)
    assert any("double precision" in str(w.message) for w in caught)
