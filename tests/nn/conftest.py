"""PyTorch is an optional oracle (the `bench` extra), not a CI requirement: where it is not
installed its comparison modules are not collected at all, rather than reported as skipped."""
from __future__ import annotations

import importlib.util

TORCH_ORACLES = ["test_torch_nn_oracle.py", "test_activations_torch.py", "test_norm_embed_torch.py",
                 "test_conv_torch.py", "test_more_losses_torch.py", "test_attention_torch.py"]
TORCH_ORACLES += ["test_nnmore_torch.py"]
collect_ignore = [] if importlib.util.find_spec("torch") else TORCH_ORACLES
