"""Fixtures for the storage tests: a fresh SQLite file, or a fresh database on a real PostgreSQL.

PostgreSQL: ``DATABASE_URL_TEST`` when set; otherwise, when Debian's server binaries are there
(/usr/lib/postgresql/*/bin/initdb), a throwaway cluster in a temporary directory on a free port
(run as user postgres when we are root), dropped after the session. With neither, the tests are
skipped, unless REQUIRE_POSTGRES=1, then they fail.
"""
from __future__ import annotations

import datetime as dt
import glob
import io
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import pytest

from core import reference

TEST_KEY = "test-id-key-not-secret"


def _reset_db_state():
    from core.db import accounts, counties, session

    session.dispose_all()
    accounts._issued_codes.clear()
    counties._loaded_at = None
    reference.set_helped_county_extensions([])      # another database's additions are not this one's


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAOXING_DB_PATH", str(tmp_path / "db" / "shaoxing.db"))
    monkeypatch.setenv("SHAOXING_ID_KEY", TEST_KEY)
    _reset_db_state()
    yield f"sqlite:///{tmp_path / 'db' / 'shaoxing.db'}"
    _reset_db_state()


# --- PostgreSQL ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-c", " ".join(cmd)]


def _skip_or_fail(reason: str):
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    """A server URL (to its maintenance database ``postgres``)."""
    url = os.environ.get("DATABASE_URL_TEST", "").strip()
    if url:
        yield url
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        _skip_or_fail("no DATABASE_URL_TEST and no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    bindir = Path(bins[-1]).parent
    if os.geteuid() == 0:
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            _skip_or_fail("running as root and there is no 'postgres' user to run the server")
    base = Path(tempfile.mkdtemp(prefix="shaoxing-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        os.chown(base, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                       check=True, capture_output=True)
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                                     "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                                           f"-c synchronous_commit=off -c full_page_writes=off",
                                     "start"]),
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        _skip_or_fail(f"could not start a throwaway PostgreSQL: {exc.stderr.decode(errors='replace')} {log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_db(pg_server, monkeypatch, tmp_path):
    """A fresh, empty database on the server for one test; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from core.db.config import normalise_url

    server = make_url(normalise_url(pg_server))
    name = f"shaoxing_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHAOXING_ID_KEY", TEST_KEY)
    monkeypatch.setenv("SHAOXING_DB_PATH", str(tmp_path / "unused.db"))
    _reset_db_state()
    try:
        yield url
    finally:
        _reset_db_state()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request):
    """Each test against SQLite and against PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


# --- rosters --------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def make_id(region: str, birth: str, seq: int) -> str:
    """A valid GB 11643 number (FACTS.md) from region code, YYYYMMDD and a 3-digit sequence."""
    first = f"{region}{birth}{seq:03d}"
    return first + _CHECK[sum(int(d) * w for d, w in zip(first, _WEIGHTS)) % 11]


def person(n: int, district: str = "柯桥区", **over) -> dict:
    """One roster row (Chinese headers) for a Sichuan 建档立卡 worker eligible for several items."""
    row = {
        "姓名": f"测试{n}",
        "身份证号": make_id("513226", "19900101", n),
        "户籍省份": "四川省",
        "户籍县（市、区）": "金川县",
        "建档立卡": "是",
        "首次来绍就业日期": "2018-03-01",
        "就业区县": district,
        "用人单位": "某纺织有限公司",
        "社保缴纳月数": "14",
        "连续工作月数": "13",
        "职业资格等级": "中级工",
        "取证日期": "2018-09-01",
        "培训费用": "",
        "自行租房月数": "6",
        "组织输入机构": "某劳务合作社",
    }
    row.update(over)
    return row


def roster_csv(rows: list[dict]) -> bytes:
    headers = [c.header for c in reference.columns()]
    frame = pd.DataFrame(rows, columns=headers)
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


# A day of the check before the claim deadline (2021-12-31), so that what is due is payable and
# enters the ledger; after the deadline nothing is paid (test_db_uploads tests that too).
CHECK_DAY = dt.date(2021, 6, 30)


def evaluate(content: bytes, filename: str = "roster.csv", district: str | None = None,
             as_of: dt.date = CHECK_DAY):
    from core.engine import evaluate_file

    return evaluate_file(content, filename, as_of=as_of, only_district=district)


def user(role: str = "city_officer", name: str | None = None, district: str | None = None):
    """An account in the database (password 'password-123') and its User."""
    from core.db.accounts import add_user

    return add_user(name or f"{role}-{district or 'all'}", "password-123", role, district)
