"""The login limits' look-ups (core.db.throttle) on a large audit log: the whole server's and the
address's failure counts, whether a network is known to an account, an account's failures from a
network. Every login runs them, a refused one included, so they must stay cheap as the log grows.

    python benchmarks/bench_login_limits.py [ENTRIES]      (default 1,000,000: about a year)

Entries are written straight into a fresh migrated SQLite database (one every 30 s, logins and
failed logins half of them, addresses IPv4 and IPv6), then each look-up is timed 200 times.
Measured (2026-12, 2 shared cores): all four together about 1 ms with a million entries; the
whole server's count took 140 ms before migration 0010's index on (action, at).
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import time

from _bulk import fresh_database

ENTRIES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ACTIONS = ["login"] * 2 + ["login_failed"] * 3 + ["upload", "logout", "followup_add", "report", "login_throttled"]


def main() -> None:
    fresh_database()
    from sqlalchemy import insert

    from core.db import session, throttle
    from core.db.models import audit_log

    now, rnd = session.utcnow(), random.Random(1)
    rows = []
    for i in range(ENTRIES):
        ip = (f"2001:db8:{rnd.randrange(5000):x}:{rnd.randrange(4):x}::{rnd.randrange(99):x}" if i % 3 == 0
              else f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}")
        rows.append(dict(at=now - dt.timedelta(seconds=(ENTRIES - i) * 30), actor=f"user{rnd.randrange(3000)}",
                         action=rnd.choice(ACTIONS), ok=True, ip=ip, net=throttle.network_key(ip)))
    started = time.perf_counter()
    with session.transaction() as conn:
        for k in range(0, ENTRIES, 50_000):
            conn.execute(insert(audit_log), rows[k:k + 50_000])
    print(f"{ENTRIES:,} audit entries written in {time.perf_counter() - started:.1f} s")
    ip, name = rows[-5]["ip"], rows[-5]["actor"]
    for label, look in (("whole server + address counts", lambda c: throttle.wait_seconds(c, ip, now)),
                        ("known network", lambda c: throttle.known_network(c, name, ip, now)),
                        ("failures from a network", lambda c: throttle.failures_from(c, name, ip, now)),
                        ("known network, unknown name", lambda c: throttle.known_network(c, "nobody", ip, now))):
        with session.reading() as conn:
            look(conn)
            started = time.perf_counter()
            for _ in range(200):
                look(conn)
            print(f"{label}: {(time.perf_counter() - started) / 200 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
