"""Reconciling a province's list with the stored people (a script, not a test):

    python benchmarks/bench_reconcile.py [--rows 100000] [--people 100000]

Loads ``--people`` stored people of 柯桥区 into a fresh SQLite database (benchmarks/_bulk.py), writes
a province's list of ``--rows`` rows as a GBK CSV (most of them the stored people, some with
another name or province, some new, a few bad or repeated ID numbers), then times what the page
and ``python -m core reconcile`` do: reading the list in the reading process, loading the
district's people, the comparison, and the JSON and xlsx outputs. Target: reading + loading +
comparing under 5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

if __name__ != "__mp_main__":      # the reading process runs this file again: nothing heavy then
    sys.path.insert(0, str(Path(__file__).resolve().parent))

    import numpy as np
    import pandas as pd

    import _bulk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--people", type=int, default=100_000)
    args = ap.parse_args()
    path = _bulk.fresh_database()
    from core.db import ids

    rng = np.random.default_rng(7)
    n_people, n_rows = args.people, args.rows
    numbers = _bulk.id_numbers(n_people + n_rows, seed=3)
    stored = numbers[:n_people]
    t0 = time.perf_counter()
    keys = ids.person_keys(pd.Series(stored, dtype="string")).to_numpy(dtype=object)
    masked = ids.masked(pd.Series(stored, dtype="string")).to_numpy(dtype=object)
    conn = _bulk.connect(path)
    uploads = _bulk.add_uploads(conn, 10, dt.datetime(2019, 1, 5), 30)
    per = -(-n_people // len(uploads))
    _bulk.add_rows(conn, {
        "upload_id": np.repeat(uploads, per)[:n_people], "row": np.arange(n_people) % per + 2,
        "person_key": keys, "id_number_masked": masked,
        "name": np.char.add("测试", np.arange(n_people).astype(str)).astype(object),
        "valid": np.ones(n_people, dtype=int), "home_province": np.full(n_people, "四川省", dtype=object),
        "home_province_code": np.full(n_people, "51", dtype=object),
        "home_county": np.full(n_people, "金川县", dtype=object),
        "work_district": np.full(n_people, "柯桥区", dtype=object),
        "first_employment_date": np.full(n_people, "2019-03-01", dtype=object),
        "category": np.full(n_people, "paired_four", dtype=object), "year": np.full(n_people, 2019),
    })
    conn.commit()
    conn.close()
    print(f"stored {n_people:,} people in {time.perf_counter() - t0:.1f} s")

    # the list: 90 % stored people (2 % with another name, 1 % another province), 10 % new,
    # 0.5 % bad numbers, 0.5 % repeats
    take = rng.choice(n_people, int(n_rows * 0.9), replace=False)
    ids_ = np.concatenate([stored[take], numbers[n_people:n_people + n_rows - len(take)]])
    names = np.char.add("测试", np.concatenate([take, np.arange(len(ids_) - len(take)) + n_people]).astype(str))
    names = np.where(rng.random(len(ids_)) < 0.02, "张三", names)
    prov = np.where(rng.random(len(ids_)) < 0.01, "贵州省", "四川省")
    bad = rng.random(len(ids_)) < 0.005
    ids_ = np.where(bad, np.char.replace(ids_, "5132", "51x2"), ids_)
    rep = rng.choice(len(ids_), int(len(ids_) * 0.005), replace=False)
    ids_[rep[: len(rep) // 2]] = ids_[rep[len(rep) // 2:]]
    frame = pd.DataFrame({"序号": np.arange(1, len(ids_) + 1), "姓名": names, "身份证号": ids_, "户籍省份": prov,
                          "备注": ""})
    data = frame.to_csv(index=False).encode("gbk")
    print(f"province's list: {len(frame):,} rows, {len(data) / 1e6:.1f} MB GBK CSV")

    from core import reconcile
    from core.db.stored_people import district_people
    from core.reader import read_province_list_isolated

    def clock() -> tuple[float, float]:
        """(wall, CPU of this process and its finished children): on a machine shared with
        others the CPU seconds say more than the wall time."""
        import resource

        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.perf_counter(), time.process_time() + kids.ru_utime + kids.ru_stime

    for attempt in range(3):
        c0 = clock()
        raw = read_province_list_isolated(data, "province.csv")
        c1 = clock()
        people = district_people("柯桥区")
        c2 = clock()
        rec = reconcile.reconcile(raw, people, "柯桥区")
        c3 = clock()
        reconcile.to_json_dict(rec)
        c4 = clock()
        reconcile.to_xlsx_bytes(rec)
        c5 = clock()

        def d(a, b):
            return f"{b[0] - a[0]:.2f} s (CPU {b[1] - a[1]:.2f} s)"
        print(f"run {attempt + 1}: read {d(c0, c1)}, people {d(c1, c2)}, compare {d(c2, c3)}; "
              f"together {d(c0, c3)} (target < 5 s); JSON {d(c3, c4)}, xlsx {d(c4, c5)}")
    print({k: v for k, v in rec.summary.items() if k != "compared"})


if __name__ == "__main__":
    try:
        main()
    finally:
        import os
        import shutil

        if os.environ.get("SHAOXING_DB_PATH", "").startswith(tempfile.gettempdir()):
            shutil.rmtree(Path(os.environ["SHAOXING_DB_PATH"]).parent, ignore_errors=True)
