"""A parameter or submodule written again keeps its place in `parameters()`, `named_parameters()`
and `state_dict()`, as PyTorch's (insertion order, a key written again stays where it was).
`Module.__setattr__` popped the name before registering it again, so `m.w = Parameter(...)`,
`plist[0] = ...`, `pdict['a'] = ...` or `mlist[0] = Linear(...)` moved it to the end: code
that pairs two models' parameters by position (`zip(ema.parameters(), model.parameters())`,
copying weights, an optimizer built after the write) paired the wrong tensors, without an
error when their shapes agree. Oracle: the order written out."""
from __future__ import annotations

import pytest

import dualgrad as dg
from dualgrad import nn


class Two(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(dg.ones(2))
        self.v = nn.Parameter(dg.ones(2))
        self.first = nn.Linear(2, 2)
        self.second = nn.Linear(2, 2)


def _attr_param(m):
    m.w = nn.Parameter(dg.zeros(2))


def _attr_module(m):
    m.first = nn.Linear(2, 2)


def _none_then_param(m):
    m.w = None
    m.w = nn.Parameter(dg.zeros(2))


LINEARS = ["0.weight", "0.bias", "1.weight", "1.bias"]
TWO = ["w", "v", "first.weight", "first.bias", "second.weight", "second.bias"]
# name: (build, write again, the order PyTorch keeps)
CASES = {
    "attribute parameter": (Two, _attr_param, TWO),
    "attribute submodule": (Two, _attr_module, TWO),
    "parameter set to None and back": (Two, _none_then_param, TWO),
    "ParameterList[0]": (lambda: nn.ParameterList([dg.ones(2), dg.ones(3), dg.ones(4)]),
                         lambda m: m.__setitem__(0, dg.zeros(2)), ["0", "1", "2"]),
    "ParameterList[-2]": (lambda: nn.ParameterList([dg.ones(2), dg.ones(3), dg.ones(4)]),
                          lambda m: m.__setitem__(-2, dg.zeros(3)), ["0", "1", "2"]),
    "ParameterDict['a']": (lambda: nn.ParameterDict({"a": dg.ones(1), "b": dg.ones(2)}),
                           lambda m: m.__setitem__("a", dg.zeros(1)), ["a", "b"]),
    "ModuleList[0]": (lambda: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]),
                      lambda m: m.__setitem__(0, nn.Linear(2, 2)), LINEARS),
    "Sequential[0]": (lambda: nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)),
                      lambda m: m.__setitem__(0, nn.Linear(2, 2)), LINEARS),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_name_written_again_keeps_its_place(name):
    build, write, order = CASES[name]
    m = build()
    write(m)
    assert [n for n, _ in m.named_parameters()] == order
    assert list(m.state_dict()) == order
    by_name = dict(m.named_parameters())
    assert [id(p) for p in m.parameters()] == [id(by_name[n]) for n in order]


def test_pairing_two_models_by_position_after_a_write():
    """An exponential moving average of weights, as written with zip: each pair is one name."""
    model, ema = Two(), Two()
    model.w = nn.Parameter(dg.full((2,), 3.0))
    with dg.no_grad():
        for e, p in zip(ema.parameters(), model.parameters(), strict=True):
            e.copy_(p)
    for (ne, e), (nm, p) in zip(ema.named_parameters(), model.named_parameters(), strict=True):
        assert ne == nm
        assert (e == p).all()
