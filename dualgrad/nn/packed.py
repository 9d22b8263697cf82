"""PyTorch's packed sequences (`torch.nn.utils.rnn`): `PackedSequence`, `pack_padded_sequence`,
`pad_packed_sequence`, `pack_sequence`, `unpack_sequence`, `unpad_sequence`,
`invert_permutation`, and `unroll_packed`, the time loop that `nn.RNN`/`LSTM`/`GRU` run on one.

A packed batch holds only the valid steps: `data` is (sum of lengths, *) with the sequences
sorted longest first and laid out time step by time step, and `batch_sizes[t]` counts the
sequences still running at step t. `sorted_indices[k]` is the batch position of the k-th
longest sequence, `unsorted_indices` its inverse (None when the batch came sorted).

Packing and padding are one `getitem` each, with an integer index array worked out on the
host from the lengths, so gradients flow back through the registry's gather rule; the padding
of `pad_packed_sequence` is one extra row appended to `data` that the index points at.
`batch_sizes` lives on the CPU (as PyTorch's), the index tensors on `data`'s device.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from .. import dtypes, ops
from ..eager.creation import full, tensor, zeros
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, DualgradTypeError, DualgradValueError, EagerShapeError, user_line


def _host_ints(values, what: str) -> np.ndarray:
    """A sequence or tensor of integers as a host int64 array; non-integral values are refused."""
    if isinstance(values, Tensor):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise DualgradTypeError(f"{what} must hold integers, got {array.dtype} {user_line()}")
    floating = np.issubdtype(array.dtype, np.floating)
    if floating and not np.all(np.isfinite(array) & (array == np.round(array))):
        raise DualgradValueError(f"{what} must hold whole numbers, got {array.tolist()} {user_line()}")
    return array.astype(np.int64)


def _index_tensor(values: np.ndarray, device) -> Tensor:
    return tensor(values.astype(np.int64), device=device)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation, None for None (torch.nn.utils.rnn.invert_permutation)."""
    if permutation is None:
        return None
    perm = _host_ints(permutation, "invert_permutation: permutation")
    if perm.ndim != 1 or sorted(perm.tolist()) != list(range(perm.size)):
        raise DualgradValueError(f"invert_permutation: expected a permutation of 0..n-1, got {perm.tolist()} "
                                 f"{user_line()}")
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    return _index_tensor(inverse, permutation.device if isinstance(permutation, Tensor) else None)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of variable-length sequences holding only their valid steps, as the recurrent
    layers take and return it (torch.nn.utils.rnn.PackedSequence, a 4-field named tuple)."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if batch_sizes is None:  # PyTorch's legacy form PackedSequence((data, batch_sizes))
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise DualgradTypeError(f"PackedSequence: expected data and batch_sizes {user_line()}")
            data, batch_sizes = data
        if not isinstance(data, Tensor) or not isinstance(batch_sizes, Tensor):
            raise DualgradTypeError(f"PackedSequence: data and batch_sizes must be tensors, got "
                                    f"{type(data).__name__} and {type(batch_sizes).__name__} {user_line()}")
        if batch_sizes.device != "cpu":
            raise DualgradValueError(f"PackedSequence: batch_sizes should always be on CPU (got device "
                                     f"{batch_sizes.device!r}) {user_line()}")
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """`data.to(...)`, with the index tensors following data's device (batch_sizes stays on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices, unsorted_indices = (None if i is None else i.to(data.device)
                                            for i in (self.sorted_indices, self.unsorted_indices))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs) -> PackedSequence:
        """The packed batch on the GPU (jax) device."""
        return self.to("cuda", *args, **kwargs)

    def cpu(self, *args, **kwargs) -> PackedSequence:
        """The packed batch on the CPU (numpy) device."""
        return self.to("cpu", *args, **kwargs)

    def double(self) -> PackedSequence:
        """data cast to float64."""
        return self.to(dtypes.float64)

    def float(self) -> PackedSequence:
        """data cast to float32."""
        return self.to(dtypes.float32)

    def long(self) -> PackedSequence:
        """data cast to int64 (packed token ids)."""
        return self.to(dtypes.int64)

    def int(self) -> PackedSequence:
        """data cast to int32."""
        return self.to(dtypes.int32)

    @property
    def is_cuda(self) -> bool:
        """Whether data lives on the GPU (jax) device."""
        return self.data.device != "cpu"

    def is_pinned(self) -> bool:
        """Always False: dualgrad has no pinned host memory."""
        return False


def _packed_layout(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many of the (sorted) lengths exceed t."""
    return np.array([(lengths > t).sum() for t in range(int(lengths.max()))], dtype=np.int64)


def _packed_positions(sizes: np.ndarray, order: np.ndarray | None = None) -> tuple:
    """(step, batch position) of each row of packed data: step by step, the first sizes[t]
    sequences of `order` (the sorted batch positions; 0..B-1 by default)."""
    order = np.arange(sizes[0]) if order is None else order
    return (np.concatenate([np.full(n, t) for t, n in enumerate(sizes)]),
            np.concatenate([order[:n] for n in sizes]))


def _padded_rows(sizes: np.ndarray, longest: int) -> np.ndarray:
    """(longest, B): the row of packed data at (step t, sorted slot b), or the row just past
    the data (where a padding row goes) once sequence b has ended."""
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    rows = np.full((longest, int(sizes[0])), offsets[-1], dtype=np.int64)
    for t, n in enumerate(sizes):
        rows[t, :n] = offsets[t] + np.arange(n)
    return rows


def _check_lengths(name: str, lens: np.ndarray, steps: int, batch: int, shape: tuple, batch_first: bool,
                   enforce_sorted: bool) -> None:
    """PyTorch's checks of the lengths of a batch to pack, plus one it lacks: no length past the padding."""
    if lens.ndim != 1:
        raise EagerShapeError(f"{name}: 'lengths' argument should be a 1D tensor or list, got shape "
                              f"{list(lens.shape)} {user_line()}")
    if lens.size != batch:
        raise EagerShapeError(f"{name}: Expected `len(lengths)` to be equal to batch_size, but got "
                              f"{lens.size} (batch_size={batch}) {user_line()}")
    if batch == 0:
        raise EagerShapeError(f"{name}: cannot pack an empty batch (input shape {list(shape)}) {user_line()}")
    if lens.min() <= 0:
        raise DualgradRuntimeError(f"{name}: Length of all samples has to be greater than 0, but found an "
                                   f"element in 'lengths' that is <= 0 (lengths {lens.tolist()}) "
                                   f"{user_line()}")
    if lens.max() > steps:
        layout = " (batch_first)" if batch_first else ""
        raise EagerShapeError(f"{name}: a length exceeds the padded sequence length: lengths "
                              f"{lens.tolist()}, input shape {list(shape)}{layout} {user_line()}")
    if enforce_sorted and np.any(np.diff(lens) > 0):
        raise DualgradRuntimeError(
            f"{name}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
            "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
            f"requirement if you do not need ONNX exportability. (lengths {lens.tolist()}) {user_line()}")


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """The valid steps of a padded batch (T, B, *) (or (B, T, *) with batch_first) packed for the
    recurrent layers, so they stop at each sequence's end (torch.nn.utils.rnn.pack_padded_sequence)."""
    if not isinstance(input, Tensor):
        raise DualgradTypeError(f"pack_padded_sequence: input must be a Tensor, got {type(input).__name__} "
                                f"{user_line()}")
    lens = _host_ints(lengths, "pack_padded_sequence: lengths")
    if input.ndim < 2:
        raise EagerShapeError(f"pack_padded_sequence: input must be (T, B, *) or (B, T, *), got shape "
                              f"{list(input.shape)} {user_line()}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    _check_lengths("pack_padded_sequence", lens, steps, batch, tuple(input.shape), batch_first,
                   enforce_sorted)
    if enforce_sorted:
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lens, kind="stable")  # ties keep their batch order
        sorted_indices = _index_tensor(order, input.device)
    sizes = _packed_layout(lens[order])
    t_idx, b_idx = _packed_positions(sizes, order)
    data = ops.getitem(input, key=(b_idx, t_idx) if batch_first else (t_idx, b_idx))
    return PackedSequence(data, _index_tensor(sizes, "cpu"), sorted_indices,
                          invert_permutation(sorted_indices))


def _check_packed(sequence, name: str) -> np.ndarray:
    if not isinstance(sequence, PackedSequence):
        raise DualgradTypeError(f"{name}: expected a PackedSequence, got {type(sequence).__name__} "
                                f"{user_line()}")
    sizes = _host_ints(sequence.batch_sizes, f"{name}: batch_sizes")
    if sizes.ndim != 1 or sizes.size == 0 or sizes.min() <= 0 or np.any(np.diff(sizes) > 0) \
            or sequence.data.ndim == 0 or sizes.sum() != sequence.data.shape[0]:
        raise EagerShapeError(f"{name}: batch_sizes {sizes.tolist()} must be positive, non-increasing and "
                              f"sum to data's first dim (data shape {list(sequence.data.shape)}) "
                              f"{user_line()}")
    return sizes


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """(padded (T, B, *) or (B, T, *), lengths) from a packed batch, in the batch's original
    order; the inverse of pack_padded_sequence (torch.nn.utils.rnn.pad_packed_sequence)."""
    sizes = _check_packed(sequence, "pad_packed_sequence")
    data = sequence.data
    batch, longest = int(sizes[0]), sizes.size
    if total_length is not None:
        if total_length < longest:
            raise DualgradValueError("pad_packed_sequence: Expected total_length to be at least the length "
                                     "of the longest sequence in input, but got total_length="
                                     f"{total_length} and max sequence length being {longest} {user_line()}")
        longest = int(total_length)
    rows = _padded_rows(sizes, longest)
    unsorted = None if sequence.unsorted_indices is None else \
        _host_ints(sequence.unsorted_indices, "pad_packed_sequence: unsorted_indices")
    if unsorted is not None:
        rows = rows[:, unsorted]
    lengths = (np.arange(batch)[None, :] < sizes[:, None]).sum(0)
    lengths = lengths if unsorted is None else lengths[unsorted]
    pad = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = ops.getitem(ops.concatenate(data, pad, axis=0), key=(rows.T if batch_first else rows,))
    return padded, _index_tensor(lengths, "cpu")


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """B tensors (L_i, *) packed into one batch (torch.nn.utils.rnn.pack_sequence)."""
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) and s.ndim >= 1 for s in sequences) \
            or len({tuple(s.shape[1:]) for s in sequences}) != 1:
        shapes = [list(getattr(s, "shape", ())) for s in sequences]
        raise EagerShapeError(f"pack_sequence: expected a non-empty list of tensors (L_i, *) with the same "
                              f"trailing dims, got shapes {shapes} {user_line()}")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    longest = int(lens.max()) if lens.min() > 0 else 0
    padded_shape = (longest, lens.size, *sequences[0].shape[1:])
    _check_lengths("pack_sequence", lens, longest, lens.size, padded_shape, False, enforce_sorted)
    order = np.arange(lens.size) if enforce_sorted else np.argsort(-lens, kind="stable")
    sizes = _packed_layout(lens[order])
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    rows = np.concatenate([starts[order[:n]] + t for t, n in enumerate(sizes)])
    data = ops.getitem(ops.concatenate(*sequences, axis=0), key=(rows,))
    sorted_indices = None if enforce_sorted else _index_tensor(order, sequences[0].device)
    return PackedSequence(data, _index_tensor(sizes, "cpu"), sorted_indices,
                          invert_permutation(sorted_indices))


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The B sequences (L_i, *) of a padded batch, each cut to its length
    (torch.nn.utils.rnn.unpad_sequence)."""
    lens = _host_ints(lengths, "unpad_sequence: lengths")
    axis = 0 if batch_first else 1
    if padded_sequences.ndim < 2 or lens.ndim != 1 or lens.size != padded_sequences.shape[axis] \
            or (lens.size and (lens.min() < 0 or lens.max() > padded_sequences.shape[1 - axis])):
        raise EagerShapeError(f"unpad_sequence: lengths {lens.tolist()} do not fit padded shape "
                              f"{list(padded_sequences.shape)} (batch_first={batch_first}) {user_line()}")
    out = []
    for b, n in enumerate(lens.tolist()):
        key = (b, slice(0, n)) if batch_first else (slice(0, n), b)
        out.append(ops.getitem(padded_sequences, key=key))
    return out


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The B sequences (L_i, *) of a packed batch, in its original order
    (torch.nn.utils.rnn.unpack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def unroll_packed(step: Callable, data, sizes: Sequence[int], state: tuple, reverse: bool = False) -> tuple:
    """(outputs (N, H) in packed order, final states) of a recurrent `step(x_t, state) -> state`
    (state[0] is the output) over packed `data` with `batch_sizes` `sizes`; `state` holds the
    initial (B, H) states in sorted order. Every step runs on the whole batch (one shape, so
    the jax device compiles each op once) and `where` keeps the state of the sequences that
    are not running: forward, a sequence ends with the state of its last valid step; in
    reverse, it waits at the initial state until its own last step."""
    sizes = np.asarray(sizes, dtype=np.int64)
    running = np.arange(sizes[0])[None, :] < sizes[:, None]  # (T, B): step t of sequence b is valid
    pad = zeros(1, *data.shape[1:], dtype=data.dtype, device=data.device)
    steps = ops.getitem(ops.concatenate(data, pad, axis=0), key=(_padded_rows(sizes, sizes.size),))
    outputs = []
    for t in range(sizes.size - 1, -1, -1) if reverse else range(sizes.size):
        new = step(ops.getitem(steps, key=(t,)), state)
        if running[t].all():
            state = new
        else:
            keep = running[t][:, None]
            state = tuple(ops.where(keep, n, s) for n, s in zip(new, state, strict=True))
        outputs.append(state[0])
    padded = ops.stack(*(outputs[::-1] if reverse else outputs), axis=0)  # (T, B, H)
    return ops.getitem(padded, key=_packed_positions(sizes)), state


__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "unpack_sequence", "unpad_sequence", "unroll_packed"]
