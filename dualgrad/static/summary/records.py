"""TensorBoard's event files, written without protobuf or TensorFlow: the protobuf wire format
of `Event`, `Summary`, `HistogramProto` and a minimal `GraphDef`, framed as TFRecords
(length, masked CRC-32C of the length, data, masked CRC-32C of the data)."""
from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

_CASTAGNOLI = 0x82F63B78


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CASTAGNOLI if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    """TFRecord's mask, so a CRC over data that holds CRCs stays well distributed."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


# -- protobuf wire format ------------------------------------------------------------------

def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # int64: negatives as two's complement, ten bytes
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def field_double(field: int, value: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", value)


def field_float(field: int, value: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", value)


def field_int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(int(value))


def field_bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _key(field, 2) + _varint(len(data)) + data


def field_packed_doubles(field: int, values: Iterable[float]) -> bytes:
    return field_bytes(field, b"".join(struct.pack("<d", v) for v in values))


# -- messages --------------------------------------------------------------------------------

def _bucket_limits() -> np.ndarray:
    """TensorFlow's default histogram buckets: +-1e-12 growing by 1.1 up to 1e20, then +-DBL_MAX."""
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    positive.append(np.finfo(np.float64).max)
    positive = np.array(positive)
    return np.concatenate([-positive[::-1], [0.0], positive])


BUCKET_LIMITS = _bucket_limits()


def histogram_proto(values: np.ndarray) -> bytes:
    """`HistogramProto` of `values` with TF's buckets; runs of empty buckets collapsed as TF does."""
    values = np.asarray(values, dtype=np.float64).ravel()
    counts = np.bincount(np.searchsorted(BUCKET_LIMITS, values, side="right"),
                         minlength=len(BUCKET_LIMITS))[: len(BUCKET_LIMITS)].astype(np.float64)
    limits, buckets = [], []
    i = 0
    while i < len(counts):
        end, count = BUCKET_LIMITS[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, count = BUCKET_LIMITS[i], counts[i]
                i += 1
        limits.append(end)
        buckets.append(count)
    empty = values.size == 0
    return (field_double(1, 0.0 if empty else values.min()) + field_double(2, 0.0 if empty else values.max())
            + field_double(3, float(values.size)) + field_double(4, float(values.sum()))
            + field_double(5, float(np.dot(values, values))) + field_packed_doubles(6, limits)
            + field_packed_doubles(7, buckets))


def scalar_value(tag: str, value: float) -> bytes:
    """One `Summary.Value` holding a scalar."""
    return field_bytes(1, field_bytes(1, tag) + field_float(2, float(value)))


def histogram_value(tag: str, values: np.ndarray) -> bytes:
    """One `Summary.Value` holding a histogram."""
    return field_bytes(1, field_bytes(1, tag) + field_bytes(5, histogram_proto(values)))


def event(wall_time: float, step: int = 0, *, file_version: str | None = None,
          summary: bytes | None = None, graph_def: bytes | None = None) -> bytes:
    """A serialized `Event`; `summary` is a serialized `Summary` (concatenated values)."""
    out = field_double(1, wall_time) + (field_int(2, step) if step else b"")
    if file_version is not None:
        out += field_bytes(3, file_version)
    if graph_def is not None:
        out += field_bytes(4, graph_def)
    if summary is not None:
        out += field_bytes(5, summary)
    return out


def graph_def(nodes: Iterable[tuple[str, str, list[str]]]) -> bytes:
    """A `GraphDef` of (name, op type, input names) nodes: enough for TensorBoard's graph view."""
    body = b"".join(field_bytes(1, field_bytes(1, name) + field_bytes(2, op)
                                + b"".join(field_bytes(3, i) for i in inputs))
                    for name, op, inputs in nodes)
    return body + field_bytes(4, field_int(1, 27))  # versions { producer: 27 }
