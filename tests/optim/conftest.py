"""PyTorch is an optional oracle (the `bench` extra), not a CI requirement: where it is not
installed its comparison modules are not collected at all, rather than reported as skipped."""
from __future__ import annotations

import importlib.util

TORCH_ORACLES = ["test_torch_optim_oracle.py", "test_more_optim_torch.py", "test_tensor_lr_torch.py"]
collect_ignore = [] if importlib.util.find_spec("torch") else TORCH_ORACLES
