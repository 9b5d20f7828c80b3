"""The bulk writer's value forms (core/db/bulk.py, core/db/pg_copy.py): PostgreSQL's binary COPY
byte for byte, and every kind of value of a stored row or ledger entry (texts with quotes,
separators, line ends, backslashes, 4-byte characters, empty text and missing text, integers past
32 bits, dates around 2000-01-01, missing dates, floats, missing booleans, a category with a
missing value) read back exactly as SQLAlchemy's own insert stores them, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import insert, select

from core.db import bulk, pg_copy, uploads
from core.db.models import payments, roster_rows
from core.db.session import reading, transaction, utcnow
from core.validate import SEP
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db, user  # noqa: F401  (fixtures)
from tests.test_db_bulk import _old_records, _param_records

TEXTS = ['甲"乙,丙', "第一行\n第二行\r\n", "反斜杠\\N \\. 制表\t", f"警告一{SEP}警告二", "", None, "😀 四字节", "x" * 300]


def _field(value: bytes | None) -> bytes:
    return struct.pack(">i", -1) if value is None else struct.pack(">i", len(value)) + value


def test_binary_copy_rows_byte_for_byte():
    tbl = pa.table({
        "upload_id": pa.array([7, 8], pa.int64()),                     # int4
        "stabilization": pa.array([2**40, -3], pa.int64()),            # int8
        "valid": pa.array([True, None]),
        "first_employment_date": pa.array([dt.date(2000, 1, 2), dt.date(1999, 12, 31)]),
        "training_cost": pa.array([1.5, None]),
        "name": pa.array(["é", ""]),
        "covered": pa.DictionaryArray.from_arrays(pa.array([1, None], pa.int32()), pa.array(["eligible", "unknown"])),
    })
    got = pg_copy.rows(tbl, roster_rows).to_pybytes()
    want = b"".join([
        struct.pack(">h", 7), _field(struct.pack(">i", 7)), _field(struct.pack(">q", 2**40)), _field(b"\x01"),
        _field(struct.pack(">i", 1)), _field(struct.pack(">d", 1.5)), _field("é".encode()), _field(b"unknown"),
        struct.pack(">h", 7), _field(struct.pack(">i", 8)), _field(struct.pack(">q", -3)), _field(None),
        _field(struct.pack(">i", -1)), _field(None), _field(b""), _field(None),
    ])
    assert got == want
    assert pg_copy.HEADER == b"PGCOPY\n\xff\r\n\x00" + bytes(8) and pg_copy.TRAILER == b"\xff\xff"


def test_binary_copy_refuses_what_its_column_cannot_hold():
    with pytest.raises(OverflowError):
        pg_copy.rows(pa.table({"row": pa.array([2**31], pa.int64())}), roster_rows)
    with pytest.raises(TypeError):
        pg_copy.kind_of(object())


def _edge_frame(n: int = len(TEXTS)) -> pd.DataFrame:
    """A frame of every stored column, each with awkward values."""
    texts = pd.Series(TEXTS * (n // len(TEXTS)), dtype=object)
    frame = pd.DataFrame(index=range(n))
    for col in bulk.ROW_COLUMNS:
        sql_type = type(roster_rows.c[col].type).__name__
        if col in bulk.DATE_COLUMNS:
            frame[col] = pd.to_datetime(pd.Series(["2000-01-01", "1999-12-31", None, "2018-03-05", "2030-12-31",
                                                   None, "2000-01-02", "1970-01-01"][:n]))
        elif col in bulk.INT_COLUMNS:
            frame[col] = np.array([0, 2**40, -5, 3000, 1, 0, 7, 2**33][:n], dtype="int64")
        elif col in bulk.NULLABLE_INT:
            frame[col] = pd.array([None, 0, 36, -1, 2**31 - 1, 12, None, 2018][:n], dtype="Int64")
        elif col == "training_cost":
            frame[col] = [0.1, None, 1234.5, 0.0, -2.25, np.nan, 1e-7, 3.0][:n]
        elif sql_type == "Boolean":
            frame[col] = pd.array([True, False, None, True, None, False, True, False][:n], dtype="boolean") \
                if col != "valid" else np.array([True, False] * (n // 2), dtype=bool)
        elif col == "row":
            frame[col] = np.arange(2, n + 2)
        elif col.endswith("_status") or col == "covered":
            frame[col] = pd.Categorical(["eligible", None, "not_eligible", "unknown", "error", None, "eligible",
                                         "unknown"][:n], categories=["eligible", "not_eligible", "unknown", "error"])
        else:
            frame[col] = texts.to_numpy()
    frame["person_key"] = [f"{i:064x}" for i in range(n)]
    frame.loc[5, "person_key"] = None
    for col in bulk.ROW_COLUMNS:               # texts as long as their column holds
        limit = getattr(roster_rows.c[col].type, "length", None)
        if limit and frame[col].dtype != "category":
            frame[col] = frame[col].map(lambda v, k=limit: v[:k] if isinstance(v, str) else None)
    for col in ("errors", "warnings", "prior_paid"):
        frame[col] = frame[col].fillna("")            # NOT NULL columns
    return frame


def _read(table, upload_id: int) -> pd.DataFrame:
    cols = [c for c in table.c if c.name not in ("id", "upload_id")]
    with reading() as conn:
        res = conn.execute(select(*cols).where(table.c.upload_id == upload_id).order_by(table.c.row, *cols[:1]))
        return pd.DataFrame(res.all(), columns=list(res.keys()))


def test_bulk_values_read_back_as_sqlalchemy_stores_them(db, monkeypatch):
    # batches of 5 rows and, on PostgreSQL, COPY slices of 3 of them: values at every offset
    monkeypatch.setattr(bulk, "BATCH_ROWS", 5)
    monkeypatch.setattr(bulk, "PG_BATCH_ROWS", 3)
    frame = _edge_frame()
    ledger = pd.DataFrame({"person_key": [f"{i:064x}" for i in range(4)], "item": ["rent", "skill_training", "rent", "x"],
                           "seq": [0, 3, 1, 0], "months": pd.array([12, None, 2**31 - 1, None], dtype="Int64"),
                           "amount": [2**40, 800, 0, -1], "row": [2, 3, 4, 5]})
    officer = user("city_officer")
    now = dt.datetime(2026, 11, 30, 23, 59, 58, 123456)
    with transaction() as conn:
        ids = [uploads.open_upload(conn, officer, f"{i}.csv", f"{i}" * 64, 1, len(frame), 0, False, None, utcnow())
               for i in range(2)]
        assert bulk.write_rows(conn, frame, ids[0]) == len(frame)
        assert bulk.write_ledger(conn, ledger, ids[0], now) == len(ledger)
        conn.execute(insert(roster_rows), _old_records(frame, ids[1]))
        conn.execute(insert(payments), _param_records({
            "person_key": ledger["person_key"], "item": ledger["item"], "seq": ledger["seq"],
            "months": ledger["months"], "amount": ledger["amount"], "row": ledger["row"],
            "upload_id": np.full(len(ledger), ids[1]), "active": np.full(len(ledger), False),
            "created_at": np.full(len(ledger), now, dtype=object)}))
    for table in (roster_rows, payments):
        bulk_rows, orm_rows = _read(table, ids[0]), _read(table, ids[1])
        if table is payments:
            assert list(bulk_rows["active"]) == [True] * len(ledger)
            bulk_rows, orm_rows = bulk_rows.drop(columns="active"), orm_rows.drop(columns="active")
        assert len(bulk_rows) == len(orm_rows) > 0
        pd.testing.assert_frame_equal(bulk_rows, orm_rows, obj=table.name)
    rows = _read(roster_rows, ids[0])
    # what the writer stored is what was sent (not only the same as the other path)
    assert _values(rows["name"]) == [v if v is None else v[:64] for v in TEXTS]
    assert _values(rows["errors"]) == [v if v is not None else "" for v in TEXTS]
    assert _values(rows["errors"])[4] == "" and _values(rows["employer"])[5] is None
    assert _values(rows["stabilization"])[1] == 2**40
    assert _values(rows["first_employment_date"])[:3] == [dt.date(2000, 1, 1), dt.date(1999, 12, 31), None]
    assert _values(rows["covered"])[:2] == ["eligible", None]
    assert _values(_read(payments, ids[0])["months"])[2] == 2**31 - 1


def _values(column: pd.Series) -> list:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT else v
            for v in column.astype(object)]


def test_none_is_still_bound_as_null_on_sqlite():
    """bulk registers a fast adapter for None (the driver's slow path skipped): still NULL."""
    import sqlite3

    assert sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol)) is not None
    con = sqlite3.connect(":memory:")
    assert con.execute("SELECT ? IS NULL, typeof(?)", (None, None)).fetchone() == (1, "null")
    con.execute("CREATE TABLE t (a TEXT NOT NULL)")
    with pytest.raises(sqlite3.IntegrityError):
        con.executemany("INSERT INTO t VALUES (?)", [("x",), (None,)])
