"""How long the year-round tools take on a large store: a roster of N synthetic rows stored by a city
officer, one follow-up entry for every tenth person, then the people list of the city and of one
district, a search by name and by ID number, and services_given over a year.

    python benchmarks/bench_people.py [N]      # default 50,000; a throwaway SQLite file (or DATABASE_URL)
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:   # removed afterwards, database and all
        run(n, Path(tmp))


def run(n: int, tmp: Path) -> None:
    os.environ.setdefault("SHAOXING_DB_PATH", str(tmp / "bench.db"))
    os.environ.setdefault("SHAOXING_ID_KEY", "bench-key")
    from sqlalchemy import insert

    from core.db import accounts, people, people_list
    from core.db.models import followups
    from core.db.session import transaction, utcnow
    from core.db.uploads import store_upload
    from core.engine import evaluate_file
    from core.synthetic import synthetic_roster

    city = accounts.add_user("bench_city", "password-123", "city_officer")
    frame = synthetic_roster(n, seed=11, error_rate=0.02)
    data = frame.to_csv(index=False).encode("utf-8")
    t0 = time.perf_counter()
    store_upload(evaluate_file(data, "bench.csv", as_of=dt.date(2021, 6, 30)), city, "bench.csv", data)
    print(f"stored {n:,} rows: {time.perf_counter() - t0:.1f} s")
    everyone = people_list.people_list(city)
    sample = everyone.iloc[::10]
    with transaction() as conn:      # one entry for every tenth person, as add_followup files it
        conn.execute(insert(followups), [dict(person_key=k, id_number_masked=m, name=nm, district=d if isinstance(d, str) else "柯桥区",
                                              kind="service", value="job_push", date=dt.date(2021, 5, 1), note="",
                                              officer=city.name, created_at=utcnow(), demo=False)
                                         for k, m, nm, d in zip(sample["person_key"], sample["id_number_masked"],
                                                                sample["name"], sample["district"])])
    timings = {
        "people_list(city)": lambda: people_list.people_list(city),
        "people_list(柯桥区, quiet 30 days)": lambda: people_list.people_list(city, "柯桥区", quiet_days=30),
        "find_people(name)": lambda: people.find_people(city, everyone["name"].iloc[n // 3][:2]),
        "find_people(ID number)": lambda: people.find_people(city, frame.iloc[n // 2, 1]),
        "services_given(2021)": lambda: people.services_given(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        "people_xlsx(city)": lambda: people_list.people_xlsx(everyone, None),
    }
    for name, fn in timings.items():
        best = min(_timed(fn) for _ in range(3))
        print(f"{name}: {best:.2f} s")


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
