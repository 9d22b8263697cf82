"""`nn.utils.rnn`, PyTorch's namespace for variable-length batches: `pad_sequence` (padded to
the longest and stacked, as a composition of `cat` and `stack`, so the gradient reaches each
sequence) and the packed sequences of `nn/packed.py` (`PackedSequence`, `pack_padded_sequence`,
`pad_packed_sequence`, `pack_sequence`, ...), which `nn.RNN`/`LSTM`/`GRU` take."""
from __future__ import annotations

from collections.abc import Sequence

from ...eager.api import cat, stack
from ...eager.creation import full
from ...eager.tensor import Tensor
from ...errors import DualgradValueError, ShapeError, user_line
from ..packed import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    unpack_sequence,
    unpad_sequence,
)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """(L, B, *) (or (B, L, *) with `batch_first`) from B tensors (L_i, *), each padded with
    `padding_value` on `padding_side` to the longest L (torch.nn.utils.rnn.pad_sequence)."""
    if padding_side not in ("left", "right"):
        raise DualgradValueError(f"pad_sequence: Expected padding_side to be one of left or right, but got "
                                 f"{padding_side!r} {user_line()}")
    sequences = list(sequences)
    if not sequences:
        raise DualgradValueError(f"pad_sequence: received an empty list of sequences {user_line()}")
    rest = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.ndim == 0 or tuple(s.shape[1:]) != rest:
            raise ShapeError(f"pad_sequence: each sequence must be (L, *) with the same trailing dims, got "
                             f"shapes {[tuple(t.shape) for t in sequences]} {user_line()}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        gap = longest - s.shape[0]
        if gap:
            fill = full((gap, *rest), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return stack(padded, 1 if not batch_first else 0)


__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]
