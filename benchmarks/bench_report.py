"""The monthly statistics table over a million stored rows (a script, not a test):

    python benchmarks/bench_report.py [--rows 1000000] [--database-url postgresql+psycopg://…/EMPTY_DB]

Loads ``--rows`` roster rows (100 uploads over 2019-2021, 700,000 people, so some come back in
later uploads with another date; valid and counted mostly, all six districts), 200,000 ledger
entries, 40 fairs and 20,000 follow-up entries into a fresh SQLite database
(benchmarks/_bulk.py), then times the city's and one district's table for June 2020, its xlsx,
and the bulletin. Target: the table under 3 s. Wall and CPU seconds are printed: on a machine
shared with others the CPU seconds say more. With ``--database-url`` (an empty PostgreSQL
database) the same data is copied there (migrated, COPY, VACUUM ANALYZE) and timed there: the CPU
seconds are then this process's only, the server's are in the wall time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import _bulk  # noqa: E402


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def span(a, b) -> str:
    return f"{b[0] - a[0]:.2f} s (CPU {b[1] - a[1]:.2f} s)"


def person_keys(people: int) -> np.ndarray:
    """One key per person as the store holds them: 64 hexadecimal characters (an HMAC-SHA256, see
    core/db/ids.py), so the indexes are as large as a real store's."""
    return np.array([hashlib.sha256(b"bench-%d" % i).hexdigest() for i in range(people)], dtype=object)


def load(path, n: int) -> None:
    from core import reference
    from core.db.models import ROW_ITEMS

    rng = np.random.default_rng(11)
    districts = reference.districts()["name"].to_numpy(dtype=object)
    conn = _bulk.connect(path)
    ups = _bulk.add_uploads(conn, 100, dt.datetime(2019, 1, 10), 10.9)
    people = max(1, int(n * 0.7))
    person = rng.integers(0, people, n)
    keys = person_keys(people)
    start = np.datetime64("2019-01-01")
    days = rng.integers(0, 3 * 365, n)
    dates = start + days.astype("timedelta64[D]")
    valid = rng.random(n) < 0.97
    cat = np.where(rng.random(n) < 0.3, "paired_four", np.where(rng.random(n) < 0.9, "other_central_western",
                                                                "not_counted")).astype(object)
    prov = np.where(cat == "paired_four", "51", "41").astype(object)
    county = np.where((cat == "paired_four") & (rng.random(n) < 0.6), "金川县", "").astype(object)
    cols = {
        "upload_id": np.sort(rng.choice(ups, n)), "row": np.arange(n) % 10_000 + 2,
        "person_key": keys[person],
        "id_number_masked": np.full(n, "51**************00", dtype=object),
        "name": np.full(n, "测试", dtype=object), "valid": valid.astype(int),
        "category": cat, "sichuan_helped": (county == "金川县").astype(int),
        "year": dates.astype("datetime64[Y]").astype(int) + 1970,
        "home_province_code": prov, "home_county": county,
        "first_employment_date": np.datetime_as_string(dates, unit="D").astype(object),
        "work_district": rng.choice(districts, n),
    }
    for item in ROW_ITEMS:
        cols[item] = np.where(valid & (rng.random(n) < 0.3), rng.choice([500, 1000, 2000], n), 0)
    t0 = time.perf_counter()
    _bulk.add_rows(conn, cols)
    m = 200_000
    conn.executemany(
        "INSERT INTO payments (person_key, item, seq, amount, upload_id, row, active, created_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        zip(keys[rng.integers(0, people, m)].tolist(), rng.choice(list(ROW_ITEMS), m).tolist(),
            np.arange(m).tolist(), rng.choice([500, 1000], m).tolist(), rng.choice(ups, m).tolist(),
            (np.arange(m) % 10_000 + 2).tolist(), [1] * m,
            [(dt.datetime(2019, 1, 10) + dt.timedelta(days=int(d))).isoformat(sep=" ") for d in rng.integers(0, 1090, m)]))
    fairs = [(i + 1, districts[i % 6], dt.date(2019 + i % 3, 1 + i % 12, 10).isoformat(), "金川县", "51", "bench",
              "2019-01-01 00:00:00", 0) for i in range(40)]
    conn.executemany("INSERT INTO fairs (id, district, date, venue, province, created_by, created_at, demo) "
                     "VALUES (?,?,?,?,?,?,?,?)", fairs)
    conn.executemany("INSERT INTO fair_enterprises (fair_id, enterprise) VALUES (?,?)",
                     [(f[0], f"企业{j}") for f in fairs for j in range(5)])
    k = 20_000
    kinds = ["consultation", "unemployment_registration", "job_push", "training", "other"]
    conn.executemany(
        "INSERT INTO followups (person_key, district, kind, value, date, note, officer, created_at, demo) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        [(keys[i % people], districts[i % 6], "service", kinds[i % 5], (dt.date(2019, 1, 1) + dt.timedelta(days=i % 1000)).isoformat(),
          "", "bench", "2019-01-01 00:00:00", 0) for i in range(k)])
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"loaded {n:,} rows, {m:,} ledger entries, {len(fairs)} fairs, {k:,} follow-ups in "
          f"{time.perf_counter() - t0:.1f} s")


TABLES = ("uploads", "roster_rows", "payments", "fairs", "fair_enterprises", "followups")


def to_postgres(path, url: str) -> None:
    """Copy the loaded SQLite tables into the empty PostgreSQL database ``url`` (migrated here)
    and make it the project's database."""
    import os
    import sqlite3

    from core.db import session

    t0 = time.perf_counter()
    os.environ["DATABASE_URL"] = url
    session.dispose_all()
    eng = session.engine()
    src = sqlite3.connect(path)
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        for table in TABLES:
            rows = src.execute(f"SELECT * FROM {table}")
            cols = ", ".join(f'"{d[0]}"' for d in rows.description)
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
        src.close()
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(f"copied into PostgreSQL in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--database-url", help="an empty PostgreSQL database to time the report in")
    args = ap.parse_args()
    path = _bulk.fresh_database()
    load(path, args.rows)
    if args.database_url:
        to_postgres(path, args.database_url)
    from core.bulletin import bulletin_docx
    from core.db import events, report_queries  # noqa: F401  (imported before timing, as in the
    # running app: core.db.accounts hashes a dummy password when imported, some 0.5 s)
    from core.report import monthly_report, to_xlsx_bytes

    for attempt in range(3):
        c0 = clock()
        city = monthly_report(2020, 6)
        c1 = clock()
        monthly_report(2020, 6, "柯桥区")
        c2 = clock()
        to_xlsx_bytes(city)
        c3 = clock()
        bulletin_docx(2020, 6)
        c4 = clock()
        print(f"run {attempt + 1}: city {span(c0, c1)} (target < 3 s), 柯桥区 {span(c1, c2)}, "
              f"xlsx {span(c2, c3)}, bulletin {span(c3, c4)}")
    print({k: city["new_hires"][k] for k in ("month", "year_to_date")})


if __name__ == "__main__":
    try:
        main()
    finally:
        import os
        import shutil

        if os.environ.get("SHAOXING_DB_PATH", "").startswith(tempfile.gettempdir()):
            shutil.rmtree(Path(os.environ["SHAOXING_DB_PATH"]).parent, ignore_errors=True)
