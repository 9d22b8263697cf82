"""`nn.Module`: PyTorch's container of parameters, buffers and child modules.

Assigning a Parameter, a Module or (to a registered name) a buffer to an attribute registers
it, so `parameters()`, `state_dict()` and `to()` find it; the rest is PyTorch's behaviour,
error texts included. `load_state_dict` checks every key and shape before it copies anything,
so a failed load leaves the module unchanged (PyTorch copies the matching entries first).
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator

import numpy as np

from .. import dtypes
from ..eager.grads import clear_grads
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, StateDictError, user_line
from . import backward_hooks
from .buffer import buffer_persistence
from .parameter import is_parameter
from .state_dict import StateDictMixin


class RemovableHandle:
    """What `register_forward_hook` and friends return: `.remove()` takes the hook out."""

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = next(self._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module(StateDictMixin):
    """Base class of all layers and models: subclass it, set layers as attributes in
    `__init__` (after `super().__init__()`), and write `forward`."""

    training: bool

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() takes no arguments")
        setter = super().__setattr__
        setter("training", True)
        setter("_parameters", OrderedDict())
        setter("_buffers", OrderedDict())
        setter("_non_persistent_buffers_set", set())
        setter("_modules", OrderedDict())
        setter("_forward_pre_hooks", OrderedDict())
        setter("_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation; subclasses define it and call the module, not forward (nn.Module.forward)."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  "function")

    # the full backward hooks: empty class-level defaults, an instance's own dicts made at its
    # first registration, which also sets `_backward_hooked` (one read per call while there is
    # none; nn/backward_hooks.py)
    _backward_hooks: OrderedDict = OrderedDict()
    _backward_pre_hooks: OrderedDict = OrderedDict()
    _backward_hooked = False

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooked):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        call = None
        if self._backward_hooks or self._backward_pre_hooks:
            args, call = backward_hooks.hook_inputs(self, args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out if call is None else backward_hooks.hook_outputs(call, out)

    # -- registration ------------------------------------------------------------------------
    def _check_name(self, name, kind: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """Adds a parameter (or None) under `name` (nn.Module.register_parameter)."""
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not is_parameter(param):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(dualgrad.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Adds a tensor that is state but not a parameter (nn.Module.register_buffer)."""
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(dualgrad Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Adds a child module under `name` (nn.Module.add_module)."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drops `name` from every store but `keep`, the one it is being written to: a name
        written again keeps its place in `keep` (PyTorch's order of parameters() and
        state_dict() after `m.w = Parameter(...)`; popping it moved it to the end)."""
        for store in (self.__dict__, self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if is_parameter(value):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=params)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(dualgrad.nn.Parameter or None expected)")
            params[name] = None
        elif params is not None and buffer_persistence(value) is not None:  # an `nn.Buffer(...)`
            self._forget(name, keep=self._buffers)
            self.register_buffer(name, value, persistent=buffer_persistence(value))
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(dualgrad.nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(dualgrad Tensor or None expected)")
            self._buffers[name] = value
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        super().__delattr__(name)

    # -- traversal ------------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every descendant, once each (nn.Module.named_modules)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, once each (nn.Module.modules)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) of the direct children (nn.Module.named_children)."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct child modules (nn.Module.children)."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, store: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for owner_prefix, owner in owners:
            for name, value in getattr(owner, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield owner_prefix + ("." if owner_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, parameter) pairs, shared ones once (nn.Module.named_parameters)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        """The parameters, shared ones once, for an optimizer (nn.Module.parameters)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs (nn.Module.named_buffers)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers (nn.Module.buffers)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The descendant at dotted path `target` (nn.Module.get_submodule)."""
        module = self
        for item in target.split(".") if target else []:
            if item not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = module._modules[item]
        return module

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Calls `fn` on every descendant, then on self; returns self (nn.Module.apply)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Sets training mode on self and descendants; returns self (nn.Module.train)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Sets evaluation mode, as `train(False)` (nn.Module.eval)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Sets `requires_grad` on every parameter; returns self (nn.Module.requires_grad_)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears every parameter's `.grad` (to None by default) (nn.Module.zero_grad)."""
        clear_grads(self.parameters(), set_to_none)

    # -- hooks -------------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, args)` before forward; a non-None result replaces the args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, args, output)` after forward; a non-None result replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` once the gradients of the module's positional
        tensor inputs are computed; a non-None result replaces grad_input."""
        return self._own_hooks("_backward_hooks", hook)

    def register_full_backward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, grad_output)` once the gradients of the module's outputs are computed;
        a non-None result replaces grad_output."""
        return self._own_hooks("_backward_pre_hooks", hook)

    def _own_hooks(self, name: str, hook: Callable) -> RemovableHandle:
        if name not in self.__dict__:
            super().__setattr__(name, OrderedDict())
            super().__setattr__("_backward_hooked", True)
        hooks = self.__dict__[name]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # -- devices and dtypes ---------------------------------------------------------------------
    def _apply_to_tensors(self, convert: Callable[[Tensor], Tensor]) -> Module:
        """Convert every parameter (and its grad) and buffer in place, keeping identities."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None:
                    p.data = convert(p.detach())
                    if p.grad is not None:
                        p.grad.data = convert(p.grad.detach())
            for name, b in module._buffers.items():
                if b is not None:
                    module._buffers[name] = convert(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """`module.to(device)`, `.to(dtype)`, `.to(tensor)` (its dtype and device) or both; only
        floating-point tensors change dtype, integer buffers keep theirs (nn.Module.to)."""
        from ..eager.api import to as tensor_to

        unknown = sorted(set(kwargs) - {"dtype", "device", "non_blocking", "copy", "memory_format"})
        if unknown:  # checked here too: a module without parameters never reaches Tensor.to
            raise TypeError(f"to() got an unexpected keyword argument {unknown[0]!r}")
        dtype, device = kwargs.get("dtype"), kwargs.get("device")
        for a in args:  # read as Tensor.to reads them, so a tensor's or `float`'s dtype is seen
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, (dtypes.DType, np.dtype)) or a in (float, int, bool) \
                    or isinstance(a, type) and issubclass(a, np.generic):
                dtype = a
            else:
                device = a
        dtype = dtypes.as_torch_dtype(dtype)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        options = {k: v for k, v in kwargs.items() if k not in ("dtype", "device")}

        def convert(t: Tensor) -> Tensor:
            return tensor_to(t, dtype=dtype if t.dtype.is_floating_point else None, device=device, **options)

        return self._apply_to_tensors(convert)

    def cpu(self) -> Module:
        """Moves parameters and buffers to the CPU (nn.Module.cpu)."""
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        """Moves parameters and buffers to the GPU (nn.Module.cuda)."""
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> Module:
        """Casts floating parameters and buffers to float32 (nn.Module.float)."""
        return self.to(dtypes.float32)

    def double(self) -> Module:
        """Casts floating parameters and buffers to float64 (nn.Module.double)."""
        return self.to(dtypes.float64)

    def half(self) -> Module:
        """Casts floating parameters and buffers to float16 (nn.Module.half)."""
        return self.to(dtypes.float16)

    def type(self, dst_type) -> Module:  # noqa: A003 (PyTorch's name)
        """Casts every parameter and buffer to `dst_type` (a dtype or a name such as
        'torch.DoubleTensor'), integer buffers too, unlike `to` (nn.Module.type); a parameter
        that requires grad refuses an integer or bool dtype, as PyTorch's."""
        from ..eager.api import type_ as tensor_type

        for p in self.parameters():
            cast = tensor_type(p.detach()[:0] if p.ndim else p.detach(), dst_type)
            if p.requires_grad and not cast.dtype.is_floating_point:
                raise DualgradRuntimeError(f"Module.type: data set to a tensor that requires gradients must "
                                           f"be floating point, got {cast.dtype.name} {user_line()}")
        return self._apply_to_tensors(lambda t: tensor_type(t, dst_type))

    # -- printing ---------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's repr parentheses; subclasses override it (nn.Module.extra_repr)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): {_addindent(repr(module), 2)}" for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    def __dir__(self):
        own = set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(set(super().__dir__()) | own)


__all__ = ["Module", "RemovableHandle", "StateDictError"]
