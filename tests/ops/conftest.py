"""PyTorch is an optional oracle (the `bench` extra): its comparison module is collected only
where torch is installed, rather than reported as skipped."""
from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["test_promotion_torch.py"]
