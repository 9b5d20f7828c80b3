"""Uploads at the same moment: nothing lost, nothing counted (or paid) twice."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from sqlalchemy import func, select

from core.db import uploads
from core.db.models import ONE_TIME_ITEMS, payments, roster_rows
from core.db.session import reading
from core.paths import ROOT
from tests.db_conftest_helpers import (  # noqa: F401  (fixtures)
    db, evaluate, person, pg_db, pg_server, roster_csv, sqlite_db, user,
)


def _ledger_and_rows():
    with reading() as conn:
        per_person = conn.execute(select(payments.c.person_key, payments.c.item, func.count())
                                  .where(payments.c.active, payments.c.item.in_(ONE_TIME_ITEMS))
                                  .group_by(payments.c.person_key, payments.c.item)).all()
        rows = conn.execute(select(func.count()).select_from(roster_rows)).scalar_one()
    return per_person, rows


def test_concurrent_uploads_of_same_and_different_files(db):
    officer = user("city_officer")
    same = roster_csv([person(i) for i in range(1, 21)])
    other_a = roster_csv([person(i, 用人单位="甲公司") for i in range(15, 31)])      # overlaps 15..20
    other_b = roster_csv([person(i, 用人单位="乙公司") for i in range(25, 41)])      # overlaps 25..30
    jobs = [("same-1.csv", same), ("same-2.csv", same), ("a.csv", other_a), ("b.csv", other_b)]
    evaluated = [evaluate(content, name) for name, content in jobs]
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i):
        try:
            barrier.wait()
            results[i] = uploads.store_upload(evaluated[i], officer, jobs[i][0], jobs[i][1])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    dup_flags = sorted(r.duplicate for r in results[:2])
    assert dup_flags == [False, True] and results[0].upload_id == results[1].upload_id
    active = uploads.list_uploads(include_withdrawn=False)
    assert len(active) == 3
    per_person, rows = _ledger_and_rows()
    assert rows == 20 + 16 + 16                                        # nothing lost, nothing twice
    assert all(n == 1 for _, _, n in per_person)                       # nobody paid an item twice
    assert len({k for k, _, _ in per_person}) == 40                    # everybody paid once
    flagged = sum(r.flagged for r in results if not r.duplicate)
    assert flagged == 6 + 6                                            # the overlaps, whoever came first
    from core.db.cli import progress_from_db

    assert progress_from_db(2018)["city"]["total"] == 40


def test_concurrent_imports_from_separate_processes(sqlite_db, tmp_path):
    user("city_officer", name="officer")
    files = []
    for k, (lo, hi) in enumerate([(1, 30), (1, 30), (20, 50)]):
        p = tmp_path / f"r{k}.csv"
        p.write_bytes(roster_csv([person(i, 用人单位=f"公司{k // 2}") for i in range(lo, hi)]))
        files.append(p)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "core", "import", str(f), "--user", "officer",
                               "--format", "json", "--as-of", "2021-06-30"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1].decode() for o in outs]
    per_person, rows = _ledger_and_rows()
    assert rows == 29 + 30
    assert all(n == 1 for _, _, n in per_person) and len({k for k, _, _ in per_person}) == 49
    assert len(uploads.list_uploads()) == 2
