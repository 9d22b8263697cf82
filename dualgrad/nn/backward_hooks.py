"""`Module.register_full_backward_hook` and `register_full_backward_pre_hook`, as PyTorch's
`torch.utils.hooks.BackwardHook` does them: the module's positional tensor inputs and its
outputs pass through identity Functions. The outputs' node sees the gradients of the outputs
(`grad_output`: pre-hooks run there and may replace them); the inputs' node sees the gradients
of the inputs (`grad_input`: the full hooks run there, `hook(module, grad_input,
grad_output)`, and may replace them)."""
from __future__ import annotations

import warnings

from ..eager import grad_mode
from ..eager.function import Function
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, user_line, user_stacklevel

_NO_INPUT_GRAD = ("Full backward hook is firing when gradients are computed with respect to module "
                  "outputs since no inputs require gradients. See the documentation of "
                  "Module.register_full_backward_hook for more details.")


class _Call:
    """One call of a hooked module: what its two identity nodes share."""

    def __init__(self, module, n_inputs: int) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.inputs_index: list | None = None  # positions of the inputs that require grad
        self.n_outputs = 0
        self.outputs_index: list = []
        self.grad_outputs: tuple | None = None

    def run_full_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            result = (result,) if isinstance(result, Tensor) else tuple(result)
            if len(result) != len(grad_input):
                raise DualgradRuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                           f"{len(result)}, but expected {len(grad_input)} {user_line()}")
            grad_input = result
        return grad_input


def _spread(index: list, values, size: int) -> tuple:
    out = [None] * size
    for i, v in zip(index, values, strict=True):
        out[i] = v
    return tuple(out)


class _InputsHook(Function):
    """Identity on the inputs that require grad; its backward runs the full backward hooks."""

    @staticmethod
    def forward(ctx, call: _Call, *tensors):
        """The tensors, unchanged."""
        ctx.call = call
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        """The full hooks' grad_input (replacements included), for the wrapped inputs."""
        call = ctx.call
        grad_input = call.run_full_hooks(_spread(call.inputs_index, grads, call.n_inputs))
        return (None, *(grad_input[i] for i in call.inputs_index))


class _OutputsHook(Function):
    """Identity on the outputs that require grad; its backward runs the pre-hooks."""

    @staticmethod
    def forward(ctx, call: _Call, *tensors):
        """The tensors, unchanged (unused outputs' gradients reach backward as None)."""
        ctx.call = call
        ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        """The pre-hooks' grad_output (replacements included), for the wrapped outputs."""
        call = ctx.call
        module = call.module
        grad_output = _spread(call.outputs_index, grads, call.n_outputs)
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grad_output)
            if result is not None:
                result = (result,) if isinstance(result, Tensor) else tuple(result)
                if len(result) != len(grad_output):
                    raise DualgradRuntimeError(f"Backward pre hook returned an invalid number of "
                                               f"grad_output, got {len(result)}, but expected "
                                               f"{len(grad_output)} {user_line()}")
                grad_output = result
        call.grad_outputs = grad_output
        if call.inputs_index is None and module._backward_hooks:  # no input to wait for
            warnings.warn(_NO_INPUT_GRAD, UserWarning, stacklevel=user_stacklevel())
            call.run_full_hooks((None,) * call.n_inputs)
        return (None, *(grad_output[i] for i in call.outputs_index))


def hook_inputs(module, args: tuple) -> tuple[tuple, _Call]:
    """The module's arguments with those that require grad passed through the inputs' node."""
    call = _Call(module, len(args))
    index = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if index and grad_mode.is_grad_enabled() and module._backward_hooks:
        wrapped = _InputsHook.apply(call, *(args[i] for i in index))
        args = list(args)
        for i, t in zip(index, wrapped, strict=True):
            args[i] = t
        args = tuple(args)
        call.inputs_index = index
    return args, call


def hook_outputs(call: _Call, out):
    """The module's output (a tensor or a tuple of them) with the tensors that require grad
    passed through the outputs' node."""
    single = isinstance(out, Tensor)
    items = (out,) if single else out
    if not isinstance(items, tuple) or not grad_mode.is_grad_enabled():
        return out
    index = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
    if not index:
        return out
    call.n_outputs, call.outputs_index = len(items), index
    wrapped = _OutputsHook.apply(call, *(items[i] for i in index))
    items = list(items)
    for i, t in zip(index, wrapped, strict=True):
        items[i] = t
    return items[0] if single else tuple(items)
