"""`nn.Buffer` (PyTorch 2.5's): assigned to a Module's attribute, it registers as a buffer, in
`state_dict` unless `persistent=False`; it is the detached data, not a copy."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn as nn


class Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.steps = nn.Buffer(dg.zeros(()))
        self.cache = nn.Buffer(dg.ones(3), persistent=False)

    def forward(self, x):
        self.steps += 1
        return self.linear(x) * self.cache[:2]


def test_a_buffer_registers_where_it_is_assigned() -> None:
    m = Counter()
    assert [name for name, _ in m.named_buffers()] == ["steps", "cache"]
    assert sorted(m.state_dict()) == ["linear.bias", "linear.weight", "steps"]  # (cache: not persistent)
    m(dg.ones(1, 2))
    other = Counter()
    other.load_state_dict(m.state_dict())
    assert other.steps.item() == 1.0
    assert isinstance(m.steps, nn.Buffer) and not isinstance(m.linear.weight, nn.Buffer)
    assert not isinstance(dg.zeros(()), nn.Buffer)


def test_a_buffer_is_the_detached_data() -> None:
    data = dg.tensor([1.0, 2.0], requires_grad=True)
    b = nn.Buffer(data * 1)
    assert b.requires_grad and b.is_leaf  # (detached, its requires_grad kept, as PyTorch)
    source = dg.zeros(2)
    view = nn.Buffer(source)
    source.add_(3.0)
    np.testing.assert_array_equal(view.numpy(), [3.0, 3.0])
    with pytest.raises(TypeError, match="Buffer expects a Tensor"):
        nn.Buffer([1.0, 2.0])
