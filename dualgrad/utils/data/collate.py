"""`default_collate`: a list of samples to one batch, as PyTorch's does — tensors and numpy
arrays stacked, numbers to a tensor (floats float64, ints int64; ints with a float among them
the default float dtype, as `torch.tensor(batch)`), tuples and lists transposed
(to a list), dicts key by key, strings left as a list. `default_convert`: one sample as a
`DataLoader(batch_size=None)` yields it — numpy arrays and numbers to tensors, no batch dim."""
from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence

import numpy as np

from ...eager.api import stack
from ...eager.creation import tensor
from ...eager.tensor import Tensor
from ...errors import ShapeError, user_line


def default_collate(batch: list):
    """A batch of samples stacked into tensors, recursing into tuples, lists and dicts (default_collate)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        return tensor(np.stack(batch))
    if isinstance(elem, (bool, np.bool_)):
        return tensor(batch)
    if isinstance(elem, np.generic):  # numpy numbers keep their dtype (PyTorch: as_tensor)
        return tensor(np.asarray(batch))
    if isinstance(elem, float):
        return tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):  # PyTorch's torch.tensor(batch): a float among the ints makes it float
        if all(isinstance(b, int) for b in batch):
            return tensor(np.asarray(batch, dtype=np.int64))
        return tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):  # the sample's mapping type kept (OrderedDict, defaultdict), as PyTorch's
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)
            clone.update(collated)
            return clone
        return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(s) != len(elem) for s in batch):
            raise ShapeError(f"each element in list of batch should be of equal size {user_line()}")
        return [default_collate(list(s)) for s in zip(*batch, strict=True)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def default_convert(data: object) -> object:
    """One sample with its numpy arrays and numpy numbers as tensors (their dtype kept; string
    and object arrays left), recursing into dicts, tuples (to lists) and lists; Python numbers
    and tensors as they are: what `DataLoader(batch_size=None)` yields (default_convert)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "OSUV" else tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return tensor(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        if isinstance(data, MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        if isinstance(data, MutableSequence):
            clone = copy.copy(data)
            for i, d in enumerate(data):
                clone[i] = default_convert(d)
            return clone
        return [default_convert(d) for d in data]
    return data
