"""PyTorch as the oracle for dims: every eager function that takes a dim, over shapes with 0-d,
empty and size-1 dims and dims in and out of range (an empty list and a list too), computes
what torch computes (shape, dtype and values) wherever torch computes (where torch raises,
dualgrad may accept more: a list of dims where torch takes one int). Found: `x.sum(())`
reduced no dim (PyTorch: every dim), `cumsum`/`cumprod`/`argsort` of a 0-d tensor returned
shape (1,), and many 0-d and empty cases raised.

Collected only where torch is installed (tests/eager/conftest.py); the numpy-oracle tests of
the same rules, which always run, are tests/eager/test_scalar_dims.py and test_dim_lists.py."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch  # (collected only where torch is installed: see conftest.py)

import dualgrad as dg

SHAPES = [(), (0,), (1,), (3,), (2, 0), (2, 3), (1, 3), (2, 1, 3), (0, 2, 2)]
DIMS = [None, 0, 1, -1, -2, 2, (0, 1), (-1, 0), [0], ()]


def _full(name: str):
    """The whole-tensor form when no dim is given (torch's functions reject dim=None)."""
    return lambda t, d: getattr(t, name)() if d is None else getattr(t, name)(d)


CALLS = {
    **{name: _full(name) for name in ("sum", "mean", "amax", "argmax", "std", "logsumexp", "flatten",
                                      "squeeze", "argsort")},
    "sort values": lambda t, d: t.sort()[0] if d is None else t.sort(d)[0],
    "sum keepdim": lambda t, d: t.sum() if d is None else t.sum(d, keepdim=True),
    "amin keepdim": lambda t, d: t.amin() if d is None else t.amin(d, keepdim=True),
    "max values": lambda t, d: t.max() if d is None else t.max(d)[0],
    "min indices": lambda t, d: t.min() if d is None else t.min(d)[1],
    "var, no correction": lambda t, d: t.var(d, correction=0),
    "norm": lambda t, d: t.norm(dim=d),
    "softmax": lambda t, d: t.softmax(d),
    "log_softmax": lambda t, d: t.log_softmax(d),
    "cumsum": lambda t, d: t.cumsum(d),
    "cumprod": lambda t, d: t.cumprod(d),
    "flip": lambda t, d: t.flip(d),
    "unsqueeze": lambda t, d: t.unsqueeze(d),
    "transpose": lambda t, d: t.transpose(d, 0),
    "any": lambda t, d: (t > 0).any() if d is None else (t > 0).any(d),
    "unbind": lambda t, d: t.unbind(d)[0],
    "split": lambda t, d: t.split(1, d)[-1],
    "diff": lambda t, d: t.diff(dim=d),
    "topk": lambda t, d: t.topk(1, d)[0],
    "narrow": lambda t, d: t.narrow(d, 0, 1),
}
# torch's own quirks, left out: `roll` of an empty tensor checks no dim, `logsumexp` over an
# empty dim is -inf (dualgrad raises: its max has no identity)
SKIP = {("logsumexp", shape) for shape in SHAPES if 0 in shape}


def _outcome(call, t, d):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = call(t, d)
    except Exception:  # noqa: BLE001  (either library's error type: only that it raised)
        return None
    return tuple(r.shape), str(r.dtype).split(".")[-1], np.asarray(r.detach().numpy(), np.float64)


@pytest.mark.cpu_only  # (the rules live in the front end; test_scalar_dims.py runs both devices)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_dims_follow_torch(name):
    call = CALLS[name]
    rng = np.random.default_rng(0)
    for shape, d in itertools.product(SHAPES, DIMS):
        if (name, shape) in SKIP:
            continue
        a = rng.standard_normal(shape)
        theirs = _outcome(call, torch.tensor(a), list(d) if isinstance(d, list) else d)
        ours = _outcome(call, dg.tensor(a), d)
        where = f"{name} of shape {shape}, dim {d!r}"
        if theirs is None:
            continue
        assert ours is not None, f"{where}: torch computes, dualgrad raised"
        assert ours[:2] == theirs[:2], f"{where}: {ours[:2]} != torch's {theirs[:2]}"
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=where)
