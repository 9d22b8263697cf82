"""LazyLinear and LazyConv1d/2d/3d: before the first input, empty placeholders an optimizer can
hold; the first input's size builds the layer they become, with the initial values of that
layer constructed at that point (same seed, same numbers), in the same Parameter objects, so an
optimizer built before trains exactly as one built over the real layer; eval() survives;
PyTorch's reprs; the refusals name the module and the shape."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradError

CASES = [
    (lambda: nn.LazyLinear(3), lambda n: nn.Linear(n, 3), (5, 4), -1),
    (lambda: nn.LazyConv1d(2, 3, padding=1), lambda n: nn.Conv1d(n, 2, 3, padding=1), (2, 3, 7), 1),
    (lambda: nn.LazyConv2d(4, 3, stride=2, bias=False), lambda n: nn.Conv2d(n, 4, 3, stride=2, bias=False),
     (1, 2, 6, 6), 1),
    (lambda: nn.LazyConv3d(2, 2, groups=2), lambda n: nn.Conv3d(n, 2, 2, groups=2), (1, 2, 3, 3, 3), 1),
    (lambda: nn.LazyConv2d(3, 2), lambda n: nn.Conv2d(n, 3, 2), (2, 4, 4), 0),  # unbatched
]


@pytest.mark.parametrize("lazy, eager, shape, channel_dim", CASES)
def test_the_first_input_builds_the_layer_and_training_matches(lazy, eager, shape, channel_dim):
    x = dg.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dg.float32)
    runs = []
    for is_lazy in (True, False):
        dg.manual_seed(7)
        model = lazy() if is_lazy else None
        dg.manual_seed(11)  # the stream the layer is built from: at the lazy one's first forward
        model = model if is_lazy else eager(shape[channel_dim])
        opt = dg.optim.SGD(model.parameters(), lr=0.1)  # (the lazy one's: over its placeholders)
        params = list(model.parameters())
        for _ in range(3):
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            opt.step()
        assert all(a is b for a, b in zip(model.parameters(), params, strict=True))
        runs.append((type(model), repr(model), [p.detach().numpy() for p in params]))
    (lazy_type, lazy_repr, lazy_values), (eager_type, eager_repr, eager_values) = runs
    assert lazy_type is eager_type and lazy_repr == eager_repr
    for a, b in zip(lazy_values, eager_values, strict=True):
        np.testing.assert_array_equal(a, b)


def test_before_the_first_input():
    m = nn.LazyLinear(3, bias=False)
    assert m.has_uninitialized_params() and isinstance(m, nn.Linear) and m.bias is None
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=False)"
    assert repr(nn.LazyConv2d(4, 3)) == "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))"
    m.eval()
    m(dg.ones(2, 5))
    assert not m.training and type(m) is nn.Linear and m.in_features == 5  # (PyTorch's class change)
    m(dg.ones(2, 5))  # (now a Linear: a later input is a Linear's)
    assert tuple(m.weight.shape) == (3, 5) and type(m) is nn.Linear


@pytest.mark.parametrize("call, text", [
    (lambda: nn.LazyLinear(3)(dg.tensor(1.0)), "LazyLinear: the input must have at least one dim"),
    (lambda: nn.LazyConv2d(3, 2)(dg.ones(4)), "LazyConv2d: expected a 3-d (unbatched) or 4-d input"),
    (lambda: nn.LazyConv2d(4, 2, groups=2)(dg.ones(1, 3, 4, 4)), "in_channels must be divisible by groups"),
])
def test_refusals(call, text):
    with pytest.raises(DualgradError) as info:
        call()
    assert text in str(info.value)
