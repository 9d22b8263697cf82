"""The promotion table of test_promotion.py is PyTorch's: each case run through torch itself."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from .test_promotion import CASES

TORCH_OPS = {
    "add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "divide": torch.div,
    "power": torch.pow, "maximum": torch.maximum, "exp": torch.exp, "sqrt": torch.sqrt,
    "sigmoid": torch.sigmoid, "negative": torch.neg, "less": torch.lt, "equal": torch.eq,
    "where": torch.where, "sum": torch.sum, "mean": torch.mean,
    "concatenate": lambda *xs: torch.cat(xs), "stack": lambda *xs: torch.stack(xs),
}


def _torch_arg(a):
    return torch.from_numpy(np.array(a)) if isinstance(a, np.ndarray) else a


@pytest.mark.parametrize(("name", "args", "expected"), [c for c in CASES if c[0] in TORCH_OPS])
def test_case_matches_torch(name, args, expected):
    out = TORCH_OPS[name](*[_torch_arg(a) for a in args])
    assert str(out.dtype).removeprefix("torch.") == np.dtype(expected).name
