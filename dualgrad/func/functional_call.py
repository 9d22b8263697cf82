"""`functional_call` (torch.func's): run a module with some parameters and buffers replaced
by given tensors, putting the module's own back afterwards, also when the call raises."""
from __future__ import annotations

from typing import Any

from ..errors import DualgradRuntimeError, DualgradValueError, user_line


def _merged(parameter_and_buffer_dicts: Any) -> dict:
    if isinstance(parameter_and_buffer_dicts, dict):
        return dict(parameter_and_buffer_dicts)
    if not isinstance(parameter_and_buffer_dicts, (list, tuple)):
        raise DualgradValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                                 f"dicts, but got {type(parameter_and_buffer_dicts)} {user_line()}")
    if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
        raise DualgradValueError(f"Expected all elements of parameter_and_buffer_dicts to be dictionaries "
                                 f"{user_line()}")
    seen: dict = {}
    for d in parameter_and_buffer_dicts:
        for k in d:
            seen[k] = seen.get(k, 0) + 1
    repeated = [k for k, n in seen.items() if n > 1]
    if repeated:
        raise DualgradValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call "
                                 f"is ambiguous {user_line()}")
    return {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}


def _named(module) -> list:
    """(dotted name, tensor) of every parameter and buffer, tied ones under each name."""
    return [*module.named_parameters(remove_duplicate=False), *module.named_buffers(remove_duplicate=False)]


def _untied(module, values: dict) -> dict:
    """`values` with each given tensor also set under the names tied to it (torch's
    tie_weights): `{'foo': v}` sets `tied_foo` too."""
    groups: dict = {}
    for name, t in _named(module):
        groups.setdefault(id(t), []).append(name)
    out = dict(values)
    for names in groups.values():
        given = [n for n in names if n in values]
        if len(names) < 2 or not given:
            continue
        if len({id(values[n]) for n in given}) != 1:
            raise DualgradValueError(f"functional_call got multiple values for keys {sorted(given)}, which "
                                     f"are tied. Consider using tie_weights=False {user_line()}")
        for n in names:
            out[n] = values[given[0]]
    return out


def _check_strict(module, values: dict) -> None:
    known = {n for n, _ in _named(module)}
    errors = []
    unexpected = [k for k in values if k not in known]
    missing = [k for k in sorted(known) if k not in values]
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise DualgradRuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
            type(module).__name__, "\n\t".join(errors)) + f" {user_line()}")


_ABSENT = object()


def _swap(module, name: str, value: Any) -> Any:
    """Put `value` at dotted `name` (a parameter, buffer or plain attribute) and return what
    was there (_ABSENT when nothing was)."""
    owner_path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(owner_path) if owner_path else module
    for store in (owner._parameters, owner._buffers):
        if leaf in store:
            old, store[leaf] = store[leaf], value
            return old
    old = owner.__dict__.get(leaf, _ABSENT)
    if value is _ABSENT:
        owner.__dict__.pop(leaf, None)
    else:
        owner.__dict__[leaf] = value
    return old


def functional_call(module, parameter_and_buffer_dicts: Any, args: Any = None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """`module(*args, **kwargs)` with the named parameters and buffers of
    `parameter_and_buffer_dicts` in place of its own (torch.func.functional_call); the module's
    own are put back afterwards, also when the call raises."""
    values = _merged(parameter_and_buffer_dicts)
    if tie_weights:
        values = _untied(module, values)
    if strict:
        _check_strict(module, values)
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    swapped: list = []
    try:
        for name, value in values.items():
            swapped.append((name, _swap(module, name, value)))
        return module(*args, **(kwargs or {}))
    finally:
        for name, old in reversed(swapped):
            _swap(module, name, old)
