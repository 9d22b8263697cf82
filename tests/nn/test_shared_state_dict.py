"""A module reachable under two names (a shared submodule, a tied weight): `state_dict` lists
it under each name, as PyTorch's does, and `load_state_dict` must take that dict back."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn


class Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(3, 3)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))
        self.again = self.encoder  # the same module under a second name

    def forward(self, x):
        return self.head(self.again(self.encoder(x)))


def test_a_shared_submodule_round_trips_through_its_own_state_dict():
    """It raised 'Unexpected key(s) in state_dict: "again.weight", "again.bias"'."""
    dg.manual_seed(1)
    source = Shared()
    state = source.state_dict()
    assert list(state) == ["encoder.weight", "encoder.bias", "head.1.weight", "head.1.bias", "again.weight",
                           "again.bias"]
    dg.manual_seed(2)
    target = Shared()
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key].numpy())
    x = dg.randn(4, 3)
    np.testing.assert_array_equal(target(x).detach().numpy(), source(x).detach().numpy())


def test_a_shared_submodule_is_still_checked_under_each_name():
    state = Shared().state_dict()
    del state["again.bias"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "again.bias"'):
        Shared().load_state_dict(state)
    assert Shared().load_state_dict(state, strict=False).missing_keys == ["again.bias"]


def test_tied_weights_round_trip():
    dg.manual_seed(3)
    source = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False))
    source[1].weight = source[0].weight
    target = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False))
    target[1].weight = target[0].weight
    target.load_state_dict(source.state_dict())
    assert target[1].weight is target[0].weight
    np.testing.assert_array_equal(target[1].weight.detach().numpy(), source[0].weight.detach().numpy())
