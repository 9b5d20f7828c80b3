"""App performance figures (a script, not a test): ``python benchmarks/bench_app.py [--rows N]``.

1. Self-check: the server time of one rerun of the filled-in page, measured with AppTest (the
   whole script: navigation, form, engine, cards), and the engine part alone. Goal: < 100 ms.
2. Roster: a 100,000-row .xlsx (core.synthetic + XlsxWriter), from the uploaded bytes to the
   result table the page shows (read + evaluate + display table + the first filter). Goal: < 10 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if __name__ != "__mp_main__":
    # not again in each process that reads a roster (core.reader_worker): multiprocessing runs a
    # script given by its path once more in each child, as "__mp_main__"
    import xlsxwriter  # noqa: E402

    from core.person import estimate  # noqa: E402
    from core.synthetic import synthetic_roster  # noqa: E402
    from pages import _common, _roster_tables, _self_check_form  # noqa: E402
    from streamlit import logger as _st_logger  # noqa: E402


def _quiet() -> None:
    """No bare-mode warnings between the figures (AppTest resets Streamlit's log level)."""
    _st_logger.set_log_level("error")


if __name__ != "__mp_main__":
    _quiet()

ANSWERS = {"registered_poor": "yes", "home_province": "四川省", "home_county": "金川县",
           "first_employment_date": dt.date(2018, 3, 1), "work_district": "柯桥区",
           "social_insurance_months": 12, "continuous_months": 13, "certificate_level": "中级工",
           "certificate_date": dt.date(2018, 6, 1), "self_rented_months": 10}


def bench_self_check(reruns: int) -> None:
    from streamlit.testing.v1 import AppTest

    _common.accounts_enabled = lambda: False   # the public page, no database needed
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    for key, value in (("sc_poor", "yes"), ("sc_province", "四川省"), ("sc_first_date.year", 2018),
                       ("sc_first_date.month", 3), ("sc_first_date.day", 1),      # 年 / 月 / 日 choices
                       ("sc_district", "柯桥区"), ("sc_si", "12"), ("sc_continuous", "13"), ("sc_rent", "10")):
        widgets = [w for w in (*at.radio, *at.selectbox, *at.text_input, *at.number_input) if w.key == key]
        widgets[0].set_value(value)
        at.run()
    at.button(key="sc_submit").click().run()
    assert not at.exception, at.exception
    times = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    engine = []
    for _ in range(reruns):
        start = time.perf_counter()
        estimate(_self_check_form.person_from_answers(ANSWERS))
        engine.append(time.perf_counter() - start)
    print(f"self-check rerun (AppTest, whole page): median {1000 * statistics.median(times):.1f} ms, "
          f"max {1000 * max(times):.1f} ms over {reruns} reruns  (goal < 100 ms)")
    print(f"self-check engine (answers -> estimate): median {1000 * statistics.median(engine):.1f} ms")


def build_xlsx(rows: int) -> bytes:
    frame = synthetic_roster(rows, seed=2018, error_rate=0.02)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, list(frame.columns))
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for i in range(rows):
        for j, col in enumerate(columns):
            if col[i] is not None:
                sheet.write_string(i + 1, j, col[i])
    book.close()
    return buf.getvalue()


def bench_roster(rows: int) -> None:
    _quiet()
    start = time.perf_counter()
    data = build_xlsx(rows)
    print(f"built a {rows:,}-row xlsx ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s")
    marks = []
    start = time.perf_counter()
    loaded = _common.process_roster(data, "bench.xlsx", on_step=lambda f, text: marks.append((f, time.perf_counter())))
    keep = _roster_tables.row_filter(loaded.result.frame, errors_only=False, query="")
    shown = loaded.table[keep]
    total = time.perf_counter() - start
    assert loaded.error is None and len(shown) == rows
    steps = [b - a for (_, a), (_, b) in zip(marks, marks[1:])]
    print(f"roster {rows:,} rows: read {steps[0]:.2f} s, evaluate {steps[1]:.2f} s, table {steps[2]:.2f} s; "
          f"upload to result table {total:.2f} s  (goal < 10 s)")
    from core.reader import read_roster, read_roster_isolated

    start = time.perf_counter()
    read_roster(data, "bench.xlsx")
    here = time.perf_counter() - start
    start = time.perf_counter()
    read_roster_isolated(data, "bench.xlsx")
    there = time.perf_counter() - start
    print(f"reading alone: {there:.2f} s in a separate process (as the page does), {here:.2f} s in this process "
          f"({there - here:+.2f} s)")
    start = time.perf_counter()
    _roster_tables.row_filter(loaded.result.frame, errors_only=True, query="")
    name = str(loaded.result.frame["name"].iloc[0])
    _roster_tables.row_filter(loaded.result.frame, query=name)
    print(f"filter + search over {rows:,} rows: {time.perf_counter() - start:.3f} s")
    bench_as_stored(loaded)


def bench_as_stored(loaded) -> None:
    """An officer who can save sees the file as the database keeps it: the same file's people,
    already paid by an earlier upload, set to 0 (a throwaway SQLite database)."""
    import os
    import tempfile
    from types import SimpleNamespace

    folder = tempfile.mkdtemp(prefix="bench-app-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["SHAOXING_DB_PATH"] = os.path.join(folder, "bench.db")
    os.environ["SHAOXING_ID_KEY"] = "bench-only-key"
    from core.db.uploads import as_stored, store_upload

    officer = SimpleNamespace(name="bench", role="city_officer", district=None)
    start = time.perf_counter()
    stored = store_upload(loaded.result, officer, "first.xlsx", loaded.data)
    saved = time.perf_counter() - start
    start = time.perf_counter()
    # the same people as another upload: the same rows would be the same upload (core.db.dedup),
    # so the result is passed without what was read, and other bytes make it another upload
    from dataclasses import replace

    view = as_stored(replace(loaded.result, raw=None), officer, loaded.data + b" ")
    shown = time.perf_counter() - start
    print(f"saving {stored.rows:,} rows: {saved:.2f} s; the same people again, shown as stored "
          f"({view.result.summary['flagged']:,} rows already paid): {shown:.2f} s")
    import shutil

    from core.db.session import dispose_all

    dispose_all()
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reruns", type=int, default=30)
    args = parser.parse_args()
    bench_self_check(args.reruns)
    bench_roster(args.rows)


if __name__ == "__main__":
    main()
