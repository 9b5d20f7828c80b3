"""ID protection (mask, key apart from the data, private files) and the audit log's hash chain."""
from __future__ import annotations

import datetime as dt
import stat

import pandas as pd
import pytest
from sqlalchemy import delete, insert, select, update

from core.db import audit, config, ids, session
from core.db.models import audit_log, love_posts, roster_rows, uploads
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, pg_db, pg_server, sqlite_db,
)
from tests.test_db_cli import run


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the mask --------------------------------------------------------------------------------

def test_the_mask_shows_two_and_two_characters_only():
    out = ids.masked(pd.Series(["51322619900101001X", " 110105199001010021 ", "12345", None]))
    assert out.tolist()[:3] == ["51**************1X", "11**************21", "*****"] and pd.isna(out.iloc[3])
    assert all(len(m) == 18 for m in out.tolist()[:2])


# --- the key, apart from the data -------------------------------------------------------------

@pytest.fixture
def no_key_env(tmp_path, monkeypatch):
    for name in ("SHAOXING_ID_KEY", "SHAOXING_ID_KEY_FILE", "SHAOXING_KEY_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SHAOXING_DB_PATH", str(tmp_path / "data" / "shaoxing.db"))
    return tmp_path


def test_the_key_file_is_not_beside_the_database_and_is_private(no_key_env):
    key = config.id_key()
    path = config.key_file()
    assert path == no_key_env / "config" / "shaoxing-subsidy" / "id_key"
    assert config.sqlite_path().parent not in path.parents
    assert len(key) == 64 and config.id_key() == key
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_a_key_left_beside_the_database_is_moved_apart(no_key_env):
    legacy = no_key_env / "data" / "id_key"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("old-key-value\n")
    assert config.id_key() == b"old-key-value"          # the same key: stored people still match
    assert not legacy.exists() and config.key_file().read_text() == "old-key-value"


def test_a_configured_key_directory(no_key_env, monkeypatch):
    monkeypatch.setenv("SHAOXING_KEY_DIR", str(no_key_env / "secrets"))
    config.id_key()
    assert config.key_file() == no_key_env / "secrets" / "id_key" and _mode(config.key_file()) == 0o600


def test_postgresql_needs_a_key_set_by_the_operator(no_key_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1:1/none")
    with pytest.raises(config.KeyConfigError):
        config.id_key()
    monkeypatch.setenv("SHAOXING_ID_KEY", "from-the-environment")
    assert config.id_key() == b"from-the-environment"


def test_the_sqlite_files_are_readable_by_their_owner_only(sqlite_db, tmp_path):
    audit.record(None, "login", actor="x")                # creates the file and writes (WAL)
    path = config.sqlite_path()
    assert _mode(path) == 0o600
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            assert _mode(extra) == 0o600
    session.dispose_all()
    path.chmod(0o644)                                      # an older, wider file is tightened
    audit.record(None, "login", actor="y")
    assert _mode(path) == 0o600


# --- the audit chain --------------------------------------------------------------------------

def _entries(n: int) -> None:
    for i in range(n):
        audit.record(None, "login", actor=f"user{i}", ip="10.0.0.1", detail_n=i)


def test_the_chain_verifies_and_finds_a_changed_entry(db):
    _entries(5)
    assert audit.verify(batch=2) == audit.Verification(5)
    with session.transaction() as conn:
        ids_ = conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars().all()
        conn.execute(update(audit_log).where(audit_log.c.id == ids_[2]).values(actor="someone-else"))
    assert audit.verify(batch=2) == audit.Verification(2, ids_[2])


def test_the_chain_finds_a_removed_entry(db):
    _entries(4)
    with session.transaction() as conn:
        ids_ = conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars().all()
        conn.execute(delete(audit_log).where(audit_log.c.id == ids_[1]))
    assert audit.verify() == audit.Verification(1, ids_[2])


def test_audit_verify_on_the_command_line(db, tmp_path):
    _entries(3)
    ok = run(tmp_path, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "3" in ok.stdout
    with session.transaction() as conn:
        first = conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars().first()
        conn.execute(update(audit_log).where(audit_log.c.id == first).values(detail='{"n": 99}'))
    bad = run(tmp_path, "audit", "verify")
    assert bad.returncode == 1 and str(first) in bad.stderr


def test_the_pages_of_the_log_cover_every_entry(db):
    _entries(7)
    assert audit.count() == 7 and audit.count(actor="user3") == 1
    pages = [audit.entries(limit=3, offset=o) for o in (0, 3, 6)]
    seen = [i for p in pages for i in p["id"]]
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)


# --- the migration: existing entries chained, existing masks cut ------------------------------

def test_migration_0003_chains_old_entries_and_cuts_old_masks(db):
    url = config.database_url()
    session.dispose_all()
    eng = session.make_engine(url)
    session.upgrade(eng, "0001")
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678901)
    with eng.begin() as conn:
        for i in range(3):
            conn.execute(insert(audit_log.c.at.table).values(
                at=now + dt.timedelta(seconds=i), actor=f"a{i}", action="login", target=None, ok=i != 1,
                ip=None, detail=None if i else '{"x": 1}'))
        up = conn.execute(insert(uploads).values(
            username="u", role="city_officer", filename="f.csv", content_hash="h", size=1, uploaded_at=now,
            rows=1, valid=1, errors=0).returning(uploads.c.id)).scalar_one()
        conn.execute(insert(roster_rows).values(upload_id=up, row=2, valid=True, errors="", warnings="",
                                                total_to_worker=0, prior_paid="",
                                                id_number_masked="513226********123X",
                                                **{c: 0 for c in ("stabilization", "family_visit", "skill_training",
                                                                  "rent", "organizer_service",
                                                                  "employer_social_insurance")}))
        conn.execute(insert(love_posts).values(employer="e", year=2018, months=3, created_at=now,
                                               id_number_masked="110105********0021"))
    session.upgrade(eng)
    eng.dispose()
    assert audit.verify() == audit.Verification(3)
    with session.reading() as conn:
        assert conn.execute(select(roster_rows.c.id_number_masked)).scalar() == "51**************3X"
        assert conn.execute(select(love_posts.c.id_number_masked)).scalar() == "11**************21"
    audit.record(None, "logout", actor="a0")               # new entries continue the same chain
    assert audit.verify() == audit.Verification(4)


def test_concurrent_writers_keep_one_chain(db):
    import threading

    audit.record(None, "login", actor="warm-up")           # the schema exists before the threads start
    errors = []

    def write(k):
        try:
            for i in range(10):
                audit.record(None, "login", actor=f"t{k}-{i}")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert audit.verify() == audit.Verification(61)


def test_a_named_key_file_never_takes_another_key(no_key_env, monkeypatch):
    beside = no_key_env / "data" / "id_key"
    beside.parent.mkdir(parents=True)
    beside.write_text("someone-elses-key")
    monkeypatch.setenv("SHAOXING_ID_KEY_FILE", str(no_key_env / "named" / "id_key"))
    key = config.id_key()
    assert key != b"someone-elses-key" and beside.read_text() == "someone-elses-key"
