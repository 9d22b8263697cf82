"""nn.Module's bookkeeping: registration, traversal, modes, hooks, state dicts, printing,
`to` — against PyTorch's documented behaviour (texts written out here) and, where torch is
installed, against torch itself."""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.register_buffer("steps", dg.zeros(1))
        self.register_buffer("scratch", dg.zeros(2), persistent=False)
        self.scale = nn.Parameter(dg.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf for p in net.parameters())
    assert not isinstance(dg.ones(2), nn.Parameter)
    assert list(net.state_dict()) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight"]


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3


def test_setattr_rules_and_errors():
    net = Net()
    net.fc1 = None
    assert net.fc1 is None and "fc1" in net._modules
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc2'"):
        net.fc2 = 3
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        net.scale = dg.ones(1)
    net.scale = None
    assert [n for n, _ in net.named_parameters()] == ["fc2.weight"]
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        net.register_buffer("forward", dg.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(dg.ones(1))

    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        _ = net.nope


def test_train_eval_and_dropout():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    assert net.training and net[1].training
    net.eval()
    assert not net.training and not net[1].training
    x = dg.randn(8, 4)
    assert np.array_equal(net(x).detach().numpy(), net[0](x).detach().numpy())
    net.train()
    out = net(dg.ones(200, 4) * 0 + 1).detach().numpy()
    kept = net[0](dg.ones(200, 4)).detach().numpy() * 2
    zero = out == 0
    assert 0.3 < zero.mean() < 0.7
    assert np.allclose(out[~zero], kept[~zero], rtol=1e-6)
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)


def test_zero_grad_set_to_none_and_to_zero():
    net = Net()
    net(dg.randn(2, 3)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_hooks_modify_and_remove():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(dg.ones(1, 2))
    assert np.allclose(out.detach().numpy(), lin.bias.detach().numpy() + 1)
    assert calls == [dg.Size([1, 2])]
    pre.remove()
    post.remove()
    assert np.allclose(lin(dg.zeros(1, 2)).detach().numpy(), lin.bias.detach().numpy())


def test_apply_and_init():
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Sequential"]
    net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert not net[0].weight.detach().numpy().any()


def test_state_dict_round_trip_and_detached():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert all(not v.requires_grad for v in sd.values())
    assert repr(b.load_state_dict(sd)) == "<All keys matched successfully>"
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert np.array_equal(p.numpy(), q.numpy()), name
    assert all(isinstance(p, nn.Parameter) for p in b.parameters())
    assert a.state_dict(keep_vars=True)["fc1.weight"] is a.fc1.weight


def test_strict_load_errors_leave_module_unchanged():
    a, b = Net(), Net()
    before = {k: v.numpy().copy() for k, v in b.state_dict().items()}
    sd = a.state_dict()
    del sd["fc1.bias"]
    sd["extra"] = dg.ones(1)
    sd["fc2.weight"] = dg.ones(3, 3)
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(sd)
    text = str(err.value)
    assert text.startswith("Error(s) in loading state_dict for Net:\n\t"
                           'Missing key(s) in state_dict: "fc1.bias". \n\t'
                           'Unexpected key(s) in state_dict: "extra". \n\t'
                           "size mismatch for fc2.weight: copying a param with shape")
    assert isinstance(err.value, dg.errors.DualgradError)
    assert all(np.array_equal(before[k], v.numpy()) for k, v in b.state_dict().items())
    del sd["fc2.weight"]
    result = b.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias", "fc2.weight"] and result.unexpected_keys == ["extra"]
    assert np.array_equal(b.fc1.weight.detach().numpy(), a.fc1.weight.detach().numpy())


def test_to_dtype_keeps_parameter_identity():
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w and w.dtype == dg.float64 and isinstance(w, nn.Parameter)
    assert net.steps.dtype == dg.float64
    out = net(dg.randn(2, 3, dtype=dg.float64))
    assert out.dtype == dg.float64
    with pytest.raises(TypeError, match="floating point"):
        net.to(dg.int64)


def test_repr_like_pytorch():
    net = nn.Sequential(OrderedDict(fc=nn.Linear(3, 4), act=nn.ReLU(),
                                    out=nn.Sequential(nn.Linear(4, 1, bias=False), nn.Sigmoid())))
    assert repr(net) == (
        "Sequential(\n"
        "  (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (act): ReLU()\n"
        "  (out): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=1, bias=False)\n"
        "    (1): Sigmoid()\n"
        "  )\n"
        ")")
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
    assert repr(nn.Parameter(dg.tensor([1.0, 2.0]))) == \
        "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_containers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Tanh())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert isinstance(layers[-1], nn.Tanh) and len(layers[1:]) == 3
    with pytest.raises(IndexError, match="index 7 is out of range"):
        layers[7]
    table = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(table) == ["a", "b"] and [n for n, _ in table.named_parameters()] == ["a.weight", "a.bias"]
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2


def test_linear_default_init_bounds():
    dg.manual_seed(3)
    lin = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01


def test_init_functions_match_their_distributions():
    w = dg.empty(300, 200)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 500)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 200)) < 0.003
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(dg.empty(3))
    g1, g2 = dg.Generator().manual_seed(5), dg.Generator().manual_seed(5)
    a, b = nn.init.normal_(dg.empty(4), generator=g1), nn.init.normal_(dg.empty(4), generator=g2)
    assert np.array_equal(a.numpy(), b.numpy())


def test_clip_grad_norm_and_value():
    ps = [nn.Parameter(dg.zeros(3)), nn.Parameter(dg.zeros(2))]
    ps[0].grad = dg.tensor([3.0, 0.0, 0.0])
    ps[1].grad = dg.tensor([0.0, 4.0])
    total = nn.utils.clip_grad_norm_(ps, 1.0)
    assert abs(total.item() - 5.0) < 1e-6
    assert np.allclose(ps[0].grad.numpy(), [0.6, 0, 0], atol=1e-6)
    assert np.allclose(ps[1].grad.numpy(), [0, 0.8], atol=1e-6)
    total = nn.utils.clip_grad_norm_(ps, 10.0, norm_type="inf")
    assert abs(total.item() - 0.8) < 1e-6 and np.allclose(ps[1].grad.numpy(), [0, 0.8], atol=1e-6)
    nn.utils.clip_grad_value_(ps, 0.5)
    assert np.allclose(ps[0].grad.numpy(), [0.5, 0, 0]) and np.allclose(ps[1].grad.numpy(), [0, 0.5])
    ps[0].grad = dg.tensor([float("nan"), 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_sequential_state_dict_layout_repr_and_forward_are_pytorchs():
    """torch.nn.Sequential's keys and repr, recorded from torch 2.13, and the forward pass in
    numpy (test_module_state_dict_matches_torch_layout compares the live torch where installed)."""
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert repr(net) == ("Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n"
                         "  (1): ReLU()\n  (2): Linear(in_features=4, out_features=2, bias=True)\n)")
    w = {k: v.numpy().astype(np.float64) for k, v in net.state_dict().items()}
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    hidden = np.maximum(x @ w["0.weight"].T + w["0.bias"], 0)
    want = hidden @ w["2.weight"].T + w["2.bias"]
    np.testing.assert_allclose(net(dg.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6)


def test_module_state_dict_matches_torch_layout(torch):
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert repr(net) == repr(tnet)
    net.load_state_dict({k: dg.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    assert np.allclose(net(dg.tensor(x)).detach().numpy(), tnet(torch.tensor(x)).detach().numpy(), atol=1e-6)
