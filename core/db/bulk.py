"""Writing many rows at once: roster rows and ledger entries from whole columns, in batches.

PostgreSQL: one ``COPY … FROM STDIN (FORMAT binary)`` per table, its bytes built from Arrow
columns a batch at a time (``core.db.pg_copy``) and sent on psycopg 3's queued writer (its own
thread) while the next batch is built. SQLite: ``executemany`` of plain tuples on the driver's
cursor, a batch at a time, in the value forms the driver binds fastest (``_py_values``). Either
way no Python dict per row and no SQLAlchemy parameter processing per row; memory grows with the
batch, not with the roster.

Values are stored exactly as SQLAlchemy's own types store them (SQLite: dates as
``YYYY-MM-DD`` text, booleans as 0/1, times as ``YYYY-MM-DD HH:MM:SS.ffffff``), so rows written
here and rows written through SQLAlchemy read back the same (tests/test_db_bulk.py).
"""
from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

from core.db import pg_copy
from core.db.models import ROW_ITEMS, payments, roster_rows

# The SQLite driver looks for an adapter for every value that is not exactly an int, float, str or
# bytes: for None two attribute look-ups that fail, then NULL is bound (~0.25 µs a value; a stored
# row has several missing values: 0.2 s of a 100,000-row save, measured). An adapter for None that
# returns None (a C method: no Python frame) is found at once; what is bound is the same NULL, for
# every connection of the process.
sqlite3.register_adapter(type(None), {}.get)

BATCH_ROWS = 50_000
#: roster rows per COPY batch on PostgreSQL (slices of a batch): small, so the server starts early
#: and stores each while the next is encoded
PG_BATCH_ROWS = 10_000
SQLITE_CACHE_KB = 131_072

ROW_COLUMNS = [c.name for c in roster_rows.columns if c.name not in ("id", "upload_id")]
INT_COLUMNS = [*ROW_ITEMS, "total_to_worker"]
NULLABLE_INT = ["year", "rent_counted_months", "employer_social_insurance_months", "social_insurance_months",
                "continuous_months", "self_rented_months", "total_payable_to_worker"]
DATE_COLUMNS = ["first_employment_date", "certificate_date"]
_NULLABLE_BOOL = ("sichuan_helped", "registered_poor", "claim_closed")
LEDGER_COLUMNS = ["person_key", "item", "seq", "months", "amount", "upload_id", "row", "active", "created_at"]


def _typed_column(col: str, v: pd.Series) -> pa.Array:
    """One roster column of a batch as the Arrow type its database column holds."""
    if col in DATE_COLUMNS:
        d = pd.to_datetime(v, errors="coerce")
        return pa.array(d.to_numpy(dtype="datetime64[ms]"), mask=d.isna().to_numpy(),
                        type=pa.timestamp("ms")).cast(pa.date32(), safe=False)
    if col in INT_COLUMNS:
        return pa.array(pd.to_numeric(v, errors="coerce").fillna(0).to_numpy().astype("int64"))
    if col in NULLABLE_INT or col == "row":     # the Excel row number: an integer column too
        return pa.array(pd.to_numeric(v, errors="coerce").astype("Int64"), type=pa.int64(), from_pandas=True)
    if col == "training_cost":
        return pa.array(pd.to_numeric(v, errors="coerce").astype("float64"), type=pa.float64(), from_pandas=True)
    if col == "valid":
        return pa.array(v.to_numpy(dtype=bool))
    if col in _NULLABLE_BOOL:
        return pa.array(v.astype("boolean"), type=pa.bool_(), from_pandas=True)
    if isinstance(v.dtype, pd.CategoricalDtype):
        # the engine's texts repeat (reasons, statuses): kept as a dictionary, each text once
        cats = pa.array(v.cat.categories.astype("string"), type=pa.string(), from_pandas=True)
        codes = v.cat.codes.to_numpy()
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0, type=pa.int32()), cats)
    return pa.array(v.astype("string"), type=pa.string(), from_pandas=True)


def row_batches(frame: pd.DataFrame, upload_id: int, batch: int | None = None):
    """The frame as roster_rows columns (``upload_id`` first), one Arrow table per batch."""
    batch = batch or BATCH_ROWS
    names = ["upload_id", *ROW_COLUMNS]
    for start in range(0, len(frame), batch):
        part = frame.iloc[start:start + batch]
        n = len(part)
        arrays = [pa.array(np.full(n, upload_id, dtype="int64"))]
        for col in ROW_COLUMNS:
            v = part[col] if col in part else pd.Series([None] * n, index=part.index, dtype=object)
            arrays.append(_typed_column(col, v))
        yield pa.Table.from_arrays(arrays, names=names)


def ledger_table(ledger: pd.DataFrame, upload_id: int, now: dt.datetime) -> pa.Table:
    """Ledger entries (``core.db.ledger``) as payments columns, in the order of the unique index
    (person, item, seq): two uploads writing the same people lock them in the same order."""
    n = len(ledger)
    tbl = pa.Table.from_arrays([
        pa.array(ledger["person_key"], type=pa.string(), from_pandas=True),
        pa.array(ledger["item"].astype("string"), type=pa.string(), from_pandas=True),
        pa.array(pd.to_numeric(ledger["seq"]).to_numpy().astype("int64")),
        pa.array(pd.to_numeric(ledger["months"]).astype("Int64"), type=pa.int64(), from_pandas=True),
        pa.array(pd.to_numeric(ledger["amount"]).to_numpy().astype("int64")),
        pa.array(np.full(n, upload_id, dtype="int64")),
        pa.array(pd.to_numeric(ledger["row"]).to_numpy().astype("int64")),
        pa.array(np.ones(n, dtype=bool)),
        pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype="int32")), pa.array([_sqlite_datetime(now)])),
    ], names=LEDGER_COLUMNS)
    return tbl.take(pc.sort_indices(tbl, [("person_key", "ascending"), ("item", "ascending"),
                                          ("seq", "ascending")]))


def _sqlite_datetime(value: dt.datetime) -> str:
    """How SQLAlchemy keeps a DateTime on SQLite (PostgreSQL reads the same text)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def write(conn: Connection, table: Table, batches) -> int:
    """Append Arrow ``batches`` (column names of ``table``) inside ``conn``'s transaction. A
    database error comes back as SQLAlchemy's (``IntegrityError`` for a unique index)."""
    dbapi_conn = conn.connection
    try:
        if conn.dialect.name == "postgresql":
            return _copy_postgres(dbapi_conn.driver_connection, table, batches)
        return _executemany_sqlite(dbapi_conn, table.name, batches)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(f"bulk write into {table.name}", None, exc,
                                  conn.dialect.loaded_dbapi.Error) from exc


def _copy_postgres(raw, table: Table, batches) -> int:
    """``COPY … (FORMAT binary)`` (``core.db.pg_copy``): the server reads the values in their
    binary form instead of parsing CSV text. Each batch is sent as soon as it is built, so the
    server stores one batch while this process builds the next (psycopg's ``QueuedLibpqWriter``
    sends on its own thread)."""
    from psycopg.copy import QueuedLibpqWriter     # PostgreSQL's driver, imported only here

    it = iter(batches)
    first = next(it, None)
    if first is None:
        return 0
    cols = ", ".join(f'"{c}"' for c in first.column_names)
    written = 0
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN (FORMAT binary)',
                                       writer=QueuedLibpqWriter(cur)) as copy:
        copy.write(pg_copy.HEADER)
        for tbl in itertools.chain([first], it):
            copy.write(memoryview(pg_copy.rows(tbl, table)))
            written += tbl.num_rows
        copy.write(pg_copy.TRAILER)
    return written


def _py_values(arr: pa.ChunkedArray | pa.Array) -> list:
    """A column as Python values for the SQLite driver (None for missing), in the forms the
    driver binds fastest (measured, docs/PERFORMANCE_APP.md): plain ints (a bool costs the driver an
    adapter look-up per value; SQLite keeps both as 0/1) and each distinct text as one Python
    string shared by its rows (its UTF-8 form is then made once)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_date32(arr.type):
        arr = arr.cast(pa.string())            # SQLAlchemy's SQLite Date: 'YYYY-MM-DD'
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = pc.dictionary_encode(arr)
    if pa.types.is_dictionary(arr.type):       # each distinct text made a Python string once
        values = np.array(arr.dictionary.to_pylist() + [None], dtype=object)
        codes = arr.indices.fill_null(len(arr.dictionary)).to_numpy(zero_copy_only=False)
        return values[codes].tolist()
    if pa.types.is_boolean(arr.type):
        arr = arr.cast(pa.int8())
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        if not arr.null_count:
            return arr.to_numpy().tolist()
        values = arr.fill_null(0).to_numpy().astype(object)
        values[arr.is_null().to_numpy(zero_copy_only=False)] = None
        return values.tolist()
    return arr.to_pylist()


def _executemany_sqlite(dbapi_conn, name: str, batches) -> int:
    written = 0
    cur = dbapi_conn.cursor()
    cache = cur.execute("PRAGMA cache_size").fetchone()[0]
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")     # the indexes' pages stay in memory meanwhile
    try:
        for tbl in batches:
            cols = ", ".join(f'"{c}"' for c in tbl.column_names)
            sql = f'INSERT INTO "{name}" ({cols}) VALUES ({", ".join("?" * tbl.num_columns)})'
            cur.executemany(sql, zip(*[_py_values(tbl.column(i)) for i in range(tbl.num_columns)]))
            written += tbl.num_rows
    finally:
        cur.execute(f"PRAGMA cache_size={int(cache)}")
        cur.close()
    return written


def write_rows(conn: Connection, frame: pd.DataFrame, upload_id: int) -> int:
    """The evaluated (and adjusted) rows of one upload into roster_rows."""
    batches = row_batches(frame, upload_id)
    if conn.dialect.name == "postgresql":       # slices of each batch's Arrow columns (no copy)
        batches = (tbl.slice(i, PG_BATCH_ROWS) for tbl in batches for i in range(0, tbl.num_rows, PG_BATCH_ROWS))
    return write(conn, roster_rows, batches)


def write_ledger(conn: Connection, ledger: pd.DataFrame, upload_id: int, now: dt.datetime) -> int:
    """Ledger entries into payments; raises IntegrityError when a concurrent upload holds one."""
    if not len(ledger):
        return 0
    tbl = ledger_table(ledger, upload_id, now)
    return write(conn, payments, (tbl.slice(i, BATCH_ROWS) for i in range(0, tbl.num_rows, BATCH_ROWS)))
