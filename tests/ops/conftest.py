"""PyTorch is an optional oracle (the `bench` extra): its comparison module is collected only
where torch is installed, rather than reported as skipped."""
from __future__ import annotations

import importlib.util

_TORCH_ORACLES = ["test_promotion_torch.py", "test_linalg_torch.py", "test_scatter_torch.py"]
collect_ignore = [] if importlib.util.find_spec("torch") else _TORCH_ORACLES
