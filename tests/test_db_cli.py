"""The command line of the storage, run as officers and administrators would, from another folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.db import audit, uploads
from core.paths import ROOT
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, person, pg_db, pg_server, roster_csv, sqlite_db,
)


def _head() -> str:
    from alembic.script import ScriptDirectory

    from core.db.session import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


HEAD = _head()      # the newest migration (0002: the events' second reading)


def run(cwd, *args, stdin: str | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)


def test_upgrade_users_import_progress_from_any_folder(db, tmp_path):
    up = run(tmp_path, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert HEAD in up.stdout
    assert run(tmp_path, "users", "add", "chief", "--role", "admin", stdin="long-password\n").returncode == 0
    r = run(tmp_path, "users", "add", "ke", "--role", "district_officer", "--district", "柯桥区",
            stdin="other-password\n")
    assert r.returncode == 0, r.stderr
    bad = run(tmp_path, "users", "add", "x", "--role", "district_officer", stdin="other-password\n")
    assert bad.returncode == 1 and "区县" in bad.stderr
    listed = json.loads(run(tmp_path, "users", "list", "--format", "json").stdout)
    assert [(u["name"], u["role"], u["district"]) for u in listed] == [
        ("chief", "admin", None), ("ke", "district_officer", "柯桥区")]
    from core.db.accounts import authenticate

    assert authenticate("ke", "other-password") is not None

    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv([person(i, district=d) for i, d in
                                   enumerate(["柯桥区", "越城区", "柯桥区", "诸暨市"], start=1)]))
    first = run(tmp_path, "import", str(roster), "--user", "chief", "--format", "json")
    assert first.returncode == 0, first.stderr
    out1 = json.loads(first.stdout)
    assert out1["rows"] == 4 and not out1["duplicate"]
    from_file = run(tmp_path, "progress", str(roster), "--year", "2018", "--format", "json")
    from_db = run(tmp_path, "progress", "--from-db", "--year", "2018", "--format", "json")
    assert from_db.returncode == 0, from_db.stderr
    assert json.loads(from_db.stdout) == json.loads(from_file.stdout)
    assert json.loads(from_db.stdout)["city"]["total"] == 4
    again = json.loads(run(tmp_path, "import", str(roster), "--user", "chief", "--format", "json").stdout)
    assert again["duplicate"] and again["upload_id"] == out1["upload_id"]
    assert json.loads(run(tmp_path, "progress", "--from-db", "--year", "2018").stdout) == json.loads(from_db.stdout)
    # a later year's targets, entered by an administrator, also reach the progress of a file
    from core.db import targets
    from core.db.accounts import list_users

    chief = next(u for u in list_users() if u.name == "chief")
    assert json.loads(run(tmp_path, "progress", str(roster), "--year", "2019").stdout)["targets"]["total"] is None
    targets.set_targets(2019, {"total": 500, "paired_four": 100, "other_central_western": 400}, chief)
    from_file_2019 = json.loads(run(tmp_path, "progress", str(roster), "--year", "2019").stdout)
    assert from_file_2019["targets"] == {"total": 500, "paired_four": 100, "other_central_western": 400,
                                         "sichuan_helped": None}
    assert len(uploads.load_rows()) == 4
    # the district officer's import: other districts' rows are error rows, audited as an upload
    roster2 = tmp_path / "ke.csv"
    roster2.write_bytes(roster_csv([person(10, district="柯桥区"), person(11, district="越城区")]))
    ke = json.loads(run(tmp_path, "import", str(roster2), "--user", "ke", "--format", "json").stdout)
    assert (ke["valid"], ke["errors"]) == (1, 1)
    ups = audit.entries(action="upload")
    assert list(ups["actor"]) == ["ke", "chief"] and ups["detail"].str.contains('"source": "cli"').all()
    assert run(tmp_path, "import", str(roster2), "--user", "nobody").returncode == 1
    missing = run(tmp_path, "import", str(tmp_path / "missing.csv"), "--user", "chief")
    assert missing.returncode == 2
    assert run(tmp_path, "users", "disable", "ke").returncode == 0
    assert run(tmp_path, "import", str(roster), "--user", "ke").returncode == 1


def test_demo_is_loaded_once_and_clearly_marked(sqlite_db, tmp_path):
    r = run(tmp_path, "demo", "--rows", "60")
    assert r.returncode == 0, r.stderr
    assert "演示" in r.stdout
    rows = uploads.load_rows()
    assert len(rows) == 60 and rows["demo"].all() and rows["name"].str.startswith("【演示】").all()
    ups = uploads.list_uploads()
    assert len(ups) == 1 and "演示" in ups["filename"].iloc[0]
    again = run(tmp_path, "demo", "--rows", "60")
    assert again.returncode == 0 and len(uploads.load_rows()) == 60
    from core.db import events

    assert events.fairs_frame()["demo"].all() and len(events.bases_frame()) == 3


@pytest.mark.parametrize("bad", ["--role=boss"])
def test_users_add_refuses_unknown_role(sqlite_db, tmp_path, bad):
    r = run(tmp_path, "users", "add", "x", bad, stdin="long-password\n")
    assert r.returncode != 0


def test_import_refuses_what_is_not_a_regular_file_and_reads_in_a_separate_process(db, tmp_path):
    """`import` reads like `evaluate`: /dev/zero or a folder is one sentence and exit 2; a file
    that makes the reader crash does not take the command down with a trace."""
    assert run(tmp_path, "users", "add", "chief", "--role", "admin", stdin="long-password\n").returncode == 0
    for target in ("/dev/zero", str(tmp_path)):
        r = run(tmp_path, "import", target, "--user", "chief")
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    broken = tmp_path / "broken.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)      # an OLE header alone
    r = run(tmp_path, "import", str(broken), "--user", "chief")
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()


def test_a_new_setup_code_from_the_command_line(sqlite_db, tmp_path):
    from core.db import accounts

    first = accounts.issue_setup_code(echo=None)
    made = run(tmp_path, "users", "setup-code")
    assert made.returncode == 0, made.stderr
    new = made.stdout.strip().rsplit("：", 1)[-1]
    assert new != first and len(new) == 19
    user = accounts.create_first_admin(new, "root", "password-123")
    assert user.role == "admin"
    assert run(tmp_path, "users", "setup-code").returncode == 1      # accounts exist: no more codes
