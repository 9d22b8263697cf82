"""Hooks for saved tensors, written as PyTorch's "Hooks for saved tensors" tutorial writes
them: see what autograd saves for backward (pack/unpack hooks that print), keep a model's
saved activations in float16 and cast them back for the backward (a disk-free compression
that halves their memory), and `save_on_cpu`. Ported by changing `torch` to `dualgrad`.
Run: python examples/saved_tensor_hooks.py"""
import dualgrad as dg
from dualgrad import nn


def pack_hook(x):
    print("Packing", x)
    return x


def unpack_hook(x):
    print("Unpacking", x)
    return x


def show_what_is_saved():
    a = dg.ones(5, requires_grad=True)
    b = dg.ones(5, requires_grad=True) * 2
    with dg.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
        y = a * b  # mul saves both of its inputs: b is packed first, then a
    y.sum().backward()
    return a.grad


class Counter:
    """Counts the saved tensors and their bytes; hands them back unchanged."""

    def __init__(self):
        self.packed = 0
        self.unpacked = 0
        self.bytes = 0

    def pack(self, x):
        self.packed += 1
        self.bytes += x.numel() * x.element_size()
        return x

    def unpack(self, x):
        self.unpacked += 1
        return x


def pack_half(x):
    return x.dtype, x.to(dg.float16)  # float16 storage: half the memory of each saved tensor


def unpack_half(packed):
    dtype, x = packed
    return x.to(dtype)


def gradients(model, x, target):
    model.zero_grad()
    loss = (model(x) - target).pow(2).mean()
    loss.backward()
    return loss.item(), [p.grad.clone() for p in model.parameters()]


def main(batch=32, features=8, hidden=16):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(features, hidden), nn.Tanh(), nn.Linear(hidden, 4))
    x = dg.randn(batch, features)
    target = dg.randn(batch, 4)

    a_grad = show_what_is_saved()

    counter = Counter()
    with dg.autograd.graph.saved_tensors_hooks(counter.pack, counter.unpack):
        model.zero_grad()
        (model(x) - target).pow(2).mean().backward()
    print(f"autograd saved {counter.packed} tensors ({counter.bytes} bytes), read {counter.unpacked}")

    exact_loss, exact = gradients(model, x, target)
    with dg.autograd.graph.saved_tensors_hooks(pack_half, unpack_half):
        half_loss, half = gradients(model, x, target)
    with dg.autograd.graph.save_on_cpu(pin_memory=True):
        cpu_loss, on_cpu = gradients(model, x, target)
    worst = max(float((h - e).abs().max() / e.abs().max()) for h, e in zip(half, exact, strict=True))
    print(f"loss {exact_loss:.6f}; float16 saved activations: largest relative gradient error {worst:.2e}")
    return {"a_grad": a_grad, "counter": counter, "model": model, "x": x, "target": target,
            "loss": exact_loss, "exact": exact, "half": half, "half_loss": half_loss,
            "on_cpu": on_cpu, "cpu_loss": cpu_loss}


if __name__ == "__main__":
    main()
