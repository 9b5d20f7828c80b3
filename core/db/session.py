"""Engine and transactions.

``engine()`` returns one engine per database URL, with the schema migrated to the newest Alembic
revision on first use in the process. ``transaction()`` is a write transaction: on SQLite it
starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue (busy timeout) instead of
failing; on PostgreSQL unique indexes decide between concurrent writers (callers retry on
``IntegrityError``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from core.db import config

_engines: dict[str, Engine] = {}
_lock = threading.RLock()
_log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_SECONDS = 60
# reads of a file database through a memory map rather than a read() a page: the reports' look-ups
# over a million rows take a fifth less CPU (docs/STORAGE.md); the map grows with the file up to this
SQLITE_MMAP_BYTES = 1 << 30


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _private_sqlite_file(path: Path) -> None:
    """The SQLite file (and its -wal/-shm, which SQLite creates with the file's mode) readable by
    its owner only: created empty with mode 0600 when missing, tightened when it was wider."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        config.private_file(p)


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (no migration)."""
    u = make_url(config.normalise_url(url))
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            _private_sqlite_file(Path(u.database))
        eng = create_engine(u, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None           # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            try:
                cur.execute("PRAGMA journal_mode=WAL")
            except Exception:  # pragma: no cover - read-only media
                pass
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn):
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return eng
    return create_engine(u, pool_pre_ping=True)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration of ``core/db/migrations``."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(eng: Engine, revision: str = "head") -> str | None:
    """Migrate ``eng``'s database to ``revision``; returns the revision reached."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config(eng.url.render_as_string(hide_password=False))
    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(160201800)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    with eng.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: from the environment), migrated on first use."""
    url = config.normalise_url(url or config.database_url())
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            eng = make_engine(url)
            upgrade(eng)
            _engines[url] = eng
        return eng


def dispose_all() -> None:
    """Forget every engine (tests switch databases through the environment)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


@contextmanager
def transaction(url: str | None = None) -> Iterator[Connection]:
    """A write transaction: commit on success, roll back on error."""
    with engine(url).begin() as conn:
        yield conn


@contextmanager
def bulk_transaction(url: str | None = None) -> Iterator[Connection]:
    """A write transaction of many rows (an upload stored): as ``transaction``, but on SQLite the
    WAL checkpoint its commit would run (copying the pages just written from the WAL into the
    database file: 0.2-0.3 s after 100,000 rows) is run after it, on a background thread, so the
    officer's save does not wait for it. The commit itself is unchanged: the WAL is written and
    synced (``synchronous`` FULL) before it returns, so the stored rows survive a power cut
    whether or not the checkpoint has run; a checkpoint is never needed for that."""
    eng = engine(url)
    if eng.dialect.name != "sqlite" or eng.url.database in (None, "", ":memory:"):
        with eng.begin() as conn:
            yield conn
        return
    with eng.connect() as conn:
        raw = conn.connection.driver_connection          # the driver's own: no transaction begun
        before = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        raw.execute("PRAGMA wal_autocheckpoint=0")
        try:
            with conn.begin():
                yield conn
        finally:
            raw.execute(f"PRAGMA wal_autocheckpoint={int(before)}")
    _checkpoint_soon(eng)


_checkpointing: set[str] = set()


def _checkpoint_soon(eng: Engine) -> None:
    """A passive WAL checkpoint (it waits for no reader or writer) on a background thread, one
    per database at a time; a failure is logged (the next commit of any connection checkpoints)."""
    key = str(eng.url)
    with _lock:
        if key in _checkpointing:
            return
        _checkpointing.add(key)

    def run() -> None:
        try:
            with eng.connect() as conn:
                conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:  # noqa: BLE001 - logged; the database is consistent without it
            _log.warning("WAL checkpoint after a bulk write failed", exc_info=True)
        finally:
            with _lock:
                _checkpointing.discard(key)

    threading.Thread(target=run, name="sqlite-checkpoint", daemon=True).start()


@contextmanager
def reading(url: str | None = None) -> Iterator[Connection]:
    """A read-only transaction (deferred on SQLite: does not queue behind writers)."""
    eng = engine(url).execution_options(sqlite_begin="DEFERRED")
    with eng.connect() as conn:
        with conn.begin():
            yield conn
