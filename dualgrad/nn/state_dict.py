"""`Module.state_dict` / `load_state_dict`: a module's parameters and persistent buffers by
dotted name, and loading them back all-or-nothing (PyTorch's `torch.nn.Module` methods)."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterator

from ..eager.api import to as tensor_to
from ..eager.creation import tensor as _as_tensor
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import StateDictError, user_frame
from .parameter import Parameter, is_parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns; prints as PyTorch's when everything matched."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class StateDictMixin:
    """The state-dict half of `Module` (it reads `_parameters`, `_buffers`, `_modules`)."""

    # -- state ---------------------------------------------------------------------------------------
    def _state_entries(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, b

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (detached unless `keep_vars`)."""
        destination = OrderedDict() if destination is None else destination
        for key, value in self._state_entries(prefix):
            destination[key] = value if keep_vars else value.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _all_state_entries(self) -> OrderedDict:
        """Every key `state_dict` writes: a module shared under two names has both."""
        out = OrderedDict()
        for prefix, module in self.named_modules(remove_duplicate=False):
            out.update(module._state_entries(prefix + "." if prefix else ""))
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy the values of `state_dict` into this module's parameters and buffers.

        Returns `(missing_keys, unexpected_keys)`; with `strict`, either raises PyTorch's
        error. Everything is checked before anything is copied."""
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self._all_state_entries()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, pairs = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value if isinstance(value, Tensor) else _as_tensor(value)
            if tuple(value.shape) != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                              f"checkpoint, the shape in current model is {target.shape}.")
                continue
            pairs.append((key, target, value))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise StateDictError("Error(s) in loading state_dict for {}:\n\t{}\n(at {})".format(
                type(self).__name__, "\n\t".join(errors), user_frame()))
        with no_grad():
            for key, target, value in pairs:
                if assign:
                    self._assign(key, target, value)
                else:
                    target.copy_(tensor_to(value.detach(), target.device))
        return _IncompatibleKeys(missing, unexpected)

    def _assign(self, key: str, target: Tensor, value: Tensor) -> None:
        owner_name, _, name = key.rpartition(".")
        owner = self.get_submodule(owner_name)
        if is_parameter(target):
            setattr(owner, name, Parameter(value.detach(), requires_grad=target.requires_grad))
        else:
            owner._buffers[name] = value
