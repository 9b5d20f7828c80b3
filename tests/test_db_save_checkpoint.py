"""On SQLite the save of an upload commits without waiting for the WAL checkpoint
(core.db.session.bulk_transaction): the rows are in the synced WAL, readable by a new connection
at once, and copied into the database file afterwards by a background checkpoint; the save's
connection gets its automatic checkpoints back; other transactions keep theirs."""
from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from core.db import session, uploads
from core.synthetic import synthetic_roster
from tests.db_conftest_helpers import evaluate, sqlite_db, user  # noqa: F401  (fixtures)


def _db_file() -> Path:
    return Path(os.environ["SHAOXING_DB_PATH"])


def _join_checkpoints() -> None:
    for th in threading.enumerate():
        if th.name == "sqlite-checkpoint":
            th.join(60)


def test_save_commits_before_the_checkpoint_which_runs_after_it(sqlite_db, monkeypatch):
    officer = user("city_officer")
    content = synthetic_roster(6000, seed=7).to_csv(index=False).encode("utf-8")
    result = evaluate(content)
    _join_checkpoints()
    later = []
    real = session._checkpoint_soon
    monkeypatch.setattr(session, "_checkpoint_soon", later.append)
    size_before = _db_file().stat().st_size
    summary = uploads.store_upload(result, officer, "a.csv", content)
    # committed and durable: the WAL holds the rows (a new connection reads them) ...
    wal = Path(str(_db_file()) + "-wal")
    assert wal.stat().st_size > 4_000_000
    with sqlite3.connect(_db_file()) as other:
        assert other.execute("SELECT count(*) FROM roster_rows WHERE upload_id = ?",
                             (summary.upload_id,)).fetchone()[0] == 6000
    # ... but the commit did not copy them into the database file (the automatic checkpoint
    # of a 4 MB WAL would have): that is left to the checkpoint asked for once, after it
    assert _db_file().stat().st_size < size_before + 1_000_000
    assert len(later) == 1
    real(later[0])
    _join_checkpoints()
    assert _db_file().stat().st_size > size_before + 4_000_000
    # the pooled connections check point on their own again
    with session.engine().connect() as conn:
        assert conn.connection.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_a_failed_save_asks_for_no_checkpoint_and_restores_the_setting(sqlite_db, monkeypatch):
    user("city_officer")
    later = []
    monkeypatch.setattr(session, "_checkpoint_soon", later.append)
    try:
        with session.bulk_transaction() as conn:
            raw = conn.connection.driver_connection
            assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert later == []
    with session.engine().connect() as conn:
        assert conn.connection.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
