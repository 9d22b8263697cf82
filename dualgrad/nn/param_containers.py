"""`ParameterList` and `ParameterDict`: PyTorch's containers of parameters, registered under
their index or key so that `parameters()`, `state_dict()` and optimizers see them. A plain
tensor put in becomes a Parameter (PyTorch's rule); anything else is kept as an attribute."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from ..eager.tensor import Tensor
from .containers import _index
from .module import Module
from .parameter import Parameter, is_parameter


def _as_parameter(value):
    return Parameter(value) if isinstance(value, Tensor) and not is_parameter(value) else value


def _entry(key, p) -> str:
    """One line of PyTorch's repr of a parameter container."""
    if not isinstance(p, Tensor):
        return f"({key}): Object of type: {type(p).__name__}"
    kind = "Parameter" if is_parameter(p) else "Tensor"
    return f"({key}): {kind} containing: [{p.dtype.name} of size {'x'.join(map(str, p.shape))}]"


class ParameterList(Module):
    """A list of parameters, registered as '0', '1', ... (torch.nn.ParameterList)."""

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _key(self, idx: int) -> str:
        return str(_index(self._size, idx))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, self._key(idx))

    def __setitem__(self, idx: int, value) -> None:
        setattr(self, self._key(idx), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator:
        return (self[i] for i in range(self._size))

    def __iadd__(self, values: Iterable) -> ParameterList:
        return self.extend(values)

    def append(self, value) -> ParameterList:
        """Adds `value` (a tensor becomes a Parameter) at the end; returns self."""
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values: Iterable) -> ParameterList:
        """Appends each of `values`; returns self."""
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per entry, as PyTorch prints a ParameterList."""
        return "\n".join(_entry(i, p) for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of parameters by name (torch.nn.ParameterDict)."""

    def __init__(self, parameters: Mapping | Iterable | None = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str):
        return getattr(self, key)

    def __setitem__(self, key: str, value) -> None:
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __or__(self, other: ParameterDict) -> ParameterDict:
        out = self.copy()
        out.update(other)
        return out

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same parameters (not copies of them)."""
        return ParameterDict([(k, self[k]) for k in self._keys])

    def keys(self):
        """The names, in insertion order."""
        return self._keys.keys()

    def values(self):
        """The parameters, in insertion order."""
        return [self[k] for k in self._keys]

    def items(self):
        """(name, parameter) pairs, in insertion order."""
        return [(k, self[k]) for k in self._keys]

    def get(self, key: str, default=None):
        """The parameter under `key`, else `default`."""
        return self[key] if key in self._keys else default

    def pop(self, key: str):
        """Removes `key` and returns its parameter."""
        value = self[key]
        del self[key]
        return value

    def setdefault(self, key: str, default=None):
        """The parameter under `key`, put there first as `default` when missing."""
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Removes every entry."""
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Mapping | Iterable) -> None:
        """Adds the pairs of an OrderedDict, ParameterDict or iterable of (name, value) pairs in
        order, and those of another mapping (a plain dict) in sorted key order, as PyTorch's."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):  # PyTorch sorts these: parameters() order follows
            pairs = sorted(parameters.items(), key=lambda kv: kv[0])
        else:
            pairs = []
            for j, pair in enumerate(parameters):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} should be a pair, got "
                                     f"{type(pair).__name__}")
                pairs.append(tuple(pair))
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        """One line per entry, as PyTorch prints a ParameterDict."""
        return "\n".join(_entry(k, p) for k, p in self.items())


__all__ = ["ParameterDict", "ParameterList"]
