"""`default_collate`: a list of samples to one batch, as PyTorch's does — tensors and numpy
arrays stacked, numbers to a tensor (floats float64, ints int64), tuples and lists transposed
(to a list), dicts key by key, strings left as a list."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    if isinstance(elem, int):
        return tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(s) != len(elem) for s in batch):
            raise ShapeError(f"each element in list of batch should be of equal size {user_line()}")
        return [default_collate(list(s)) for s in zip(*batch, strict=True)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")
