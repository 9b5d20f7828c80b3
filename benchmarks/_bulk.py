"""Synthetic stored data loaded straight into a fresh SQLite database for the benchmarks of the
reports (bench_reconcile.py, bench_report.py): migrated with the project's migrations, then rows
inserted with sqlite3's executemany (a million rows in some seconds; storing them through the
engine would take minutes and is not what is measured)."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))


def fresh_database() -> Path:
    """A migrated SQLite database in a temporary folder, set as the project's database."""
    folder = Path(tempfile.mkdtemp(prefix="shaoxing-bench-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["SHAOXING_DB_PATH"] = str(folder / "bench.db")
    os.environ["SHAOXING_ID_KEY"] = "bench-key-not-secret"
    from core.db import session

    session.upgrade(session.engine())
    return folder / "bench.db"


def id_numbers(n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct valid GB 11643 numbers of Sichuan's 513226 (birth 1970-1999, a sequence)."""
    rng = np.random.default_rng(seed)
    days = rng.choice(np.arange(np.datetime64("1970-01-01"), np.datetime64("2000-01-01")), n, replace=True)
    seq = np.arange(n) % 1000
    births = np.datetime_as_string(days, unit="D")
    body = np.char.add(np.char.add("513226", np.char.replace(births, "-", "")), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = CHECK[(digits * WEIGHTS).sum(axis=1) % 11]
    out = np.char.add(body, check)
    _, first = np.unique(out, return_index=True)
    keep = np.sort(first)
    return out[keep]


def connect(path: Path) -> sqlite3.Connection:
    from core.db import session

    session.dispose_all()          # the project's own connections let go of the file first
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    return conn


def add_uploads(conn: sqlite3.Connection, count: int, start: dt.datetime, step_days: float) -> list[int]:
    rows = [(i + 1, "bench", "city_officer", None, f"bench-{i}.csv", f"{i:064x}", 1000,
             (start + dt.timedelta(days=step_days * i)).isoformat(sep=" "), 0, 0, 0, 0, 0, 0, 0)
            for i in range(count)]
    conn.executemany("INSERT INTO uploads (id, username, role, district, filename, content_hash, size, uploaded_at, "
                     "rows, valid, errors, blank_rows, flagged, total_to_worker, demo) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return [r[0] for r in rows]


def add_rows(conn: sqlite3.Connection, columns: dict[str, np.ndarray]) -> None:
    """roster_rows from whole columns (NOT NULL columns without a value get their default)."""
    from core.db.models import ROW_ITEMS

    cols = dict(columns)
    n = len(next(iter(cols.values())))
    for name, default in (("errors", ""), ("warnings", ""), ("prior_paid", ""), ("total_to_worker", 0)):
        cols.setdefault(name, np.full(n, default, dtype=object))
    for item in ROW_ITEMS:
        cols.setdefault(item, np.zeros(n, dtype=np.int64))
    names = list(cols)
    values = [c.tolist() for c in cols.values()]
    sql = f"INSERT INTO roster_rows ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.executemany(sql, zip(*values))
