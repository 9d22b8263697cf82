"""`dualgrad.func`: torch.func's composable transforms (grad, vjp, jvp, jacrev, jacfwd,
hessian, vmap, functional_call, stack_module_state) over the eager engine, so
`from torch.func import ...` ports by changing the import. vmap runs the function once per
slice (docs/func.md)."""
from __future__ import annotations

from .functional_call import functional_call
from .grad import grad, grad_and_value
from .jacobians import hessian, jacfwd, jacrev
from .stacking import stack_module_state
from .vjp_jvp import jvp, vjp
from .vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "vjp", "vmap"]
