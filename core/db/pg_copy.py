"""Arrow columns as PostgreSQL's binary ``COPY`` format, built a whole column at a time.

``COPY … FROM STDIN (FORMAT binary)`` spares the server the parsing of CSV text (quotes,
numbers, dates): for the roster rows of one save of 100,000 rows its CPU fell by a fifth
(docs/PERFORMANCE_APP.md). The format (PostgreSQL's documentation, "COPY", Binary Format): a
signature, then per row a 16-bit field count and per field a 32-bit length (-1 for NULL) and the
value in the type's binary form (big-endian integers, ``date`` as days since 2000-01-01,
``timestamp`` as microseconds since 2000-01-01, ``bool`` one byte, text its UTF-8 bytes), then a
16-bit -1. Each column becomes an Arrow binary array of its fields (numpy for the numbers, the
distinct texts of a dictionary encoded once), and Arrow joins the fields of each row; no Python
value per row.

The binary form must be the column's type exactly, so each field's form comes from the table's
SQLAlchemy column type (``kind_of``); a type this module does not know raises ``TypeError``.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Integer, String, Table, Text

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
_NULL = pa.scalar((-1).to_bytes(4, "big", signed=True), pa.binary())
_EPOCH_DAYS = 10_957                    # 2000-01-01 - 1970-01-01
_EPOCH_US = _EPOCH_DAYS * 86_400 * 1_000_000
_FIXED = {"int8": ">i8", "int4": ">i4", "float8": ">f8", "bool": "u1", "date": ">i4", "timestamp": ">i8"}


def kind_of(coltype) -> str:
    """The binary form of a SQLAlchemy column type on PostgreSQL."""
    if isinstance(coltype, BigInteger):
        return "int8"
    if isinstance(coltype, Integer):
        return "int4"
    if isinstance(coltype, Boolean):
        return "bool"
    if isinstance(coltype, DateTime):
        return "timestamp"
    if isinstance(coltype, Date):
        return "date"
    if isinstance(coltype, Float):          # FLOAT without precision: double precision
        return "float8"
    if isinstance(coltype, (String, Text)):
        return "text"
    raise TypeError(f"no binary COPY form for {coltype!r}")


def _combined(arr) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _numbers(arr: pa.Array, kind: str) -> np.ndarray:
    """The column's values as the numbers its binary form holds (0 where missing)."""
    if kind == "date":
        days = arr.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy()
        return days.astype(np.int64) - _EPOCH_DAYS
    if kind == "timestamp":                     # from text (ISO) or any timestamp unit
        us = arr.cast(pa.timestamp("us")).cast(pa.int64()).fill_null(0).to_numpy()
        return us - _EPOCH_US
    if kind == "bool":
        return arr.cast(pa.uint8()).fill_null(0).to_numpy()
    if kind == "float8":
        return arr.cast(pa.float64()).fill_null(0).to_numpy()
    return arr.cast(pa.int64()).fill_null(0).to_numpy()


def _fixed_fields(arr: pa.Array, kind: str) -> pa.Array:
    dtype = np.dtype(_FIXED[kind])
    n, width = len(arr), dtype.itemsize
    values = _numbers(arr, kind)
    if kind == "int4" and len(values) and (values.min() < -2**31 or values.max() >= 2**31):
        raise OverflowError("a value does not fit an integer column")
    buf = np.empty((n, 4 + width), dtype=np.uint8)
    buf[:, :4] = np.frombuffer(width.to_bytes(4, "big"), np.uint8)
    buf[:, 4:] = values.astype(dtype).view(np.uint8).reshape(n, width)
    out = pa.FixedSizeBinaryArray.from_buffers(pa.binary(4 + width), n, [None, pa.py_buffer(buf)]).cast(pa.binary())
    return pc.if_else(arr.is_null(), _NULL, out) if arr.null_count else out


def _text_fields(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):        # each distinct text encoded once, then taken by row
        encoded = pa.concat_arrays([_text_fields(arr.dictionary.cast(pa.string())), pa.array([_NULL.as_py()])])
        return encoded.take(arr.indices.fill_null(len(arr.dictionary)))
    arr = arr.cast(pa.string())
    lengths = pc.binary_length(arr).fill_null(0).to_numpy(zero_copy_only=False).astype(">i4")
    prefix = pa.FixedSizeBinaryArray.from_buffers(pa.binary(4), len(arr), [None, pa.py_buffer(lengths.view(np.uint8))])
    out = pc.binary_join_element_wise(prefix.cast(pa.binary()), arr.cast(pa.binary()), pa.scalar(b"", pa.binary()))
    return pc.if_else(arr.is_null(), _NULL, out) if arr.null_count else out


def fields(arr, kind: str) -> pa.Array:
    """One column as an Arrow binary array: each element the length and value of its field."""
    arr = _combined(arr)
    return _text_fields(arr) if kind == "text" else _fixed_fields(arr, kind)


def rows(tbl: pa.Table, table: Table) -> pa.Buffer:
    """The rows of ``tbl`` (columns named as ``table``'s) in the binary format, without the
    header and the trailer (``HEADER`` once before the first batch, ``TRAILER`` after the last)."""
    n = tbl.num_rows
    count = pa.scalar(tbl.num_columns.to_bytes(2, "big"), pa.binary())
    parts = [fields(tbl.column(i), kind_of(table.c[name].type)) for i, name in enumerate(tbl.column_names)]
    joined = pc.binary_join_element_wise(count, *parts, pa.scalar(b"", pa.binary()))
    joined = _combined(joined)
    if joined.null_count:                       # cannot happen: every field has a form for NULL
        raise ValueError("a row could not be encoded")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[joined.offset:joined.offset + n + 1]
    return joined.buffers()[2][int(offsets[0]):int(offsets[-1])] if n else pa.py_buffer(b"")
