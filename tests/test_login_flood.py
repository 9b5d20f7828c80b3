"""Nothing one visitor does may lock the officers out (core.db.throttle, core.db.accounts):

- a flood of failed logins from many addresses stops new addresses only; an account signs in from
  a network where it signed in before (30 days) — its password still checked;
- the per-address limit counts an IPv6 client by its /64 (the client owns all of it);
- an attacker failing on purpose on an officer's name keeps a new address waiting, not the
  officer's own network.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import accounts, audit, throttle
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db  # noqa: F401  (fixtures)

OFFICE = "198.51.100.1"


class Clock:
    """One time for the audit log, the login code and the per-user wait, moved by the test."""

    def __init__(self, monkeypatch):
        self.at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        for module in (audit, accounts):
            monkeypatch.setattr(module, "utcnow", self.now)

    def now(self) -> dt.datetime:
        return self.at

    def timestamp(self) -> float:
        return self.at.replace(tzinfo=dt.timezone.utc).timestamp()

    def tick(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


def _attempt(name: str, password: str, ip: str | None, clock: Clock | None = None):
    try:
        return accounts.authenticate(name, password, ip=ip, **({"clock": clock.timestamp} if clock else {}))
    except accounts.LoginRefused as exc:
        return exc


def _refused(result, scope: str | None = None) -> bool:
    if not isinstance(result, accounts.LoginRefused) or result.key != "db.login.throttled":
        return False
    if scope is None:
        return True
    last = audit.entries(action="login_throttled", limit=1)["detail"].iloc[0]
    return f'"scope": "{scope}"' in last


def _flood(n: int, prefix: str = "192.0.2.") -> None:
    for i in range(n):
        assert _attempt(f"guess{i}", "x", f"{prefix}{i + 1}") is None


# --- 1. a flood from many addresses -------------------------------------------------------------

def test_a_flood_lets_an_account_in_from_where_it_signed_in_before(db, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 6)
    officer = accounts.add_user("fay", "password-123", "leader")
    accounts.add_user("gil", "password-456", "leader")
    assert _attempt("fay", "password-123", OFFICE) == officer            # an ordinary day
    _flood(6)
    assert _attempt("fay", "password-123", OFFICE) == officer            # the flood holds, she is in
    assert _attempt("fay", "wrong-password", OFFICE) is None             # the password still checked
    assert _refused(_attempt("fay", "password-123", "203.0.113.50"), "global")   # a new address: refused
    assert _refused(_attempt("gil", "password-456", OFFICE), "global")   # known is per account
    assert _refused(_attempt("nobody", "x", OFFICE), "global")


def test_a_sign_in_older_than_the_window_does_not_make_an_address_known(sqlite_db, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 3)
    clock = Clock(monkeypatch)
    officer = accounts.add_user("hana", "password-123", "leader")
    assert _attempt("hana", "password-123", OFFICE, clock) == officer
    clock.tick(throttle.KNOWN_DAYS * 86400 + 60)
    _flood(3)
    assert _refused(_attempt("hana", "password-123", OFFICE, clock), "global")
    clock.tick(throttle.GLOBAL_WINDOW + 1)                              # the flood over: in again
    assert _attempt("hana", "password-123", OFFICE, clock) == officer


def test_a_known_address_still_meets_the_address_limit(sqlite_db, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 4)
    monkeypatch.setattr(throttle, "ADDRESS_MAX_FAILURES", 2)
    officer = accounts.add_user("ivo", "password-123", "leader")
    assert _attempt("ivo", "password-123", OFFICE) == officer
    _flood(4)
    for _ in range(2):                                   # checked during the flood, and wrong
        assert _attempt("ivo", "wrong", OFFICE) is None
    assert _refused(_attempt("ivo", "password-123", OFFICE), "address")


# --- 2. IPv6 clients by their /64 ---------------------------------------------------------------

@pytest.mark.parametrize("address,key", [
    ("203.0.113.9", "203.0.113.9"),
    ("::ffff:203.0.113.9", "203.0.113.9"),                  # IPv4-mapped: the IPv4 client
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("[2001:db8:1:2::5]", "2001:db8:1:2::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("not-an-address", "not-an-address"),                   # kept as said (a proxy's odd header)
    (None, None),
    ("", None),
])
def test_the_network_an_address_is_counted_by(address, key):
    assert throttle.network_key(address) == key


def test_an_ipv6_client_is_limited_by_its_64_not_each_address(db, monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_MAX_FAILURES", 5)
    officer = accounts.add_user("jo", "password-123", "leader")
    for i in range(5):                                   # five addresses of one /64
        assert _attempt(f"guess{i}", "x", f"2001:db8:1:2::{i + 1:x}") is None
    assert _refused(_attempt("jo", "password-123", "2001:db8:1:2:ffff:1:2:3"), "address")
    assert _attempt("jo", "password-123", "2001:db8:1:3::1") == officer          # the next /64: its own count


def test_an_ipv4_mapped_client_is_counted_with_its_ipv4_address(sqlite_db, monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_MAX_FAILURES", 4)
    accounts.add_user("kai", "password-123", "leader")
    for i in range(2):
        assert _attempt(f"guess{i}", "x", "203.0.113.9") is None
        assert _attempt(f"other{i}", "x", "::ffff:203.0.113.9") is None
    assert _refused(_attempt("kai", "password-123", "::ffff:203.0.113.9"), "address")
    assert _refused(_attempt("kai", "password-123", "203.0.113.9"), "address")


def test_a_known_ipv6_network_passes_a_flood_from_any_of_its_addresses(db, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 4)
    officer = accounts.add_user("lu", "password-123", "leader")
    assert _attempt("lu", "password-123", "2001:db8:5:6::10") == officer
    _flood(4, "2001:db8:9::")
    assert _attempt("lu", "password-123", "2001:db8:5:6:a1b2:c3d4:e5f6:1") == officer   # a new privacy address
    assert _refused(_attempt("lu", "password-123", "2001:db8:5:7::10"), "global")    # another /64


# --- 3. failing on purpose on an officer's name -------------------------------------------------

def test_failing_on_purpose_on_a_name_keeps_new_addresses_out_not_the_officers_network(sqlite_db, monkeypatch):
    clock = Clock(monkeypatch)
    officer = accounts.add_user("mei", "password-123", "district_officer", district="越城区")
    assert _attempt("mei", "password-123", OFFICE, clock) == officer
    clock.tick(3600)
    # the attacker: wrong passwords on her name, each as soon as the wait is over, up to the
    # longest wait; then one each time it is over, from two addresses in turn (15 failures each
    # in 15 minutes, under the per-address limit of 20)
    attacker = 0

    def fail_once() -> None:
        nonlocal attacker
        assert _attempt("mei", "wrong", f"203.0.113.{1 + attacker % 2}", clock) is None   # checked, wrong
        attacker += 1

    while accounts.throttle_delay(attacker) < accounts.MAX_DELAY:
        fail_once()
        clock.tick(accounts.throttle_delay(attacker))
    refused_new, tries_new = 0, 0
    for second in range(15 * 60):
        if second % 30 == 0:
            fail_once()
        elif second % 11 == 0:                           # someone who knows the password, new address
            tries_new += 1
            refused_new += _refused(_attempt("mei", "password-123", "198.51.100.77", clock), "user")
        clock.tick(1)
    # measured: from a new address every attempt in 15 minutes was refused — the name is locked
    # for as long as the attacker goes on (30 s wait, renewed by each checked failure)
    assert tries_new > 50 and refused_new == tries_new
    # from the network she signed in from, the attacker's failures do not hold her back
    fail_once()
    assert _refused(_attempt("mei", "password-123", "198.51.100.77", clock), "user")
    assert _attempt("mei", "password-123", OFFICE, clock) == officer


def test_a_known_network_keeps_the_wait_of_its_own_failures(sqlite_db, monkeypatch):
    clock = Clock(monkeypatch)
    officer = accounts.add_user("ned", "password-123", "leader")
    assert _attempt("ned", "password-123", OFFICE, clock) == officer
    for _ in range(accounts.FREE_FAILURES):
        assert _attempt("ned", "wrong", OFFICE, clock) is None
    refused = _attempt("ned", "password-123", OFFICE, clock)
    assert _refused(refused, "user") and refused.fmt["seconds"] == accounts.throttle_delay(accounts.FREE_FAILURES)
    clock.tick(accounts.throttle_delay(accounts.FREE_FAILURES))
    assert _attempt("ned", "password-123", OFFICE, clock) == officer
    # the other addresses' failures on the name were counted as before (and reset by her sign-in)
    for _ in range(accounts.FREE_FAILURES):
        assert _attempt("ned", "wrong", "203.0.113.5", clock) is None
    assert _refused(_attempt("ned", "password-123", "203.0.113.6", clock), "user")
    assert _attempt("ned", "password-123", OFFICE, clock) == officer


def test_migration_0010_gives_the_logins_already_logged_their_network(db, monkeypatch):
    import sqlalchemy as sa

    from core.db import config, session

    url = config.database_url()
    session.dispose_all()
    eng = session.make_engine(url)
    session.upgrade(eng, "0009")
    log = sa.table("audit_log", *(sa.column(c) for c in ("at", "actor", "action", "target", "ok", "ip", "detail",
                                                          "hash")))
    previous = audit.GENESIS
    with eng.begin() as conn:
        for i, (action, ip) in enumerate((("login", "2001:db8:7:8::1"), ("login_failed", "::ffff:192.0.2.7"),
                                          ("logout", "2001:db8:7:8::1"))):
            values = dict(at=session.utcnow() - dt.timedelta(days=2, seconds=-i), actor="olga", action=action,
                          target="olga", ok=action != "login_failed", ip=ip, detail=None)
            previous = audit.entry_hash(previous, values)
            conn.execute(sa.insert(log).values(**values, hash=previous))
    session.upgrade(eng)
    eng.dispose()
    nets = audit.entries(actor="olga").sort_values("at")["net"]
    assert nets.iloc[:2].tolist() == ["2001:db8:7:8::/64", "192.0.2.7"] and nets.iloc[2:].isna().all()
    assert audit.verify() == audit.Verification(3)                  # the network is outside the chain
    from sqlalchemy import insert

    from core.db.models import users
    with session.transaction() as conn:                             # olga's account, as it was then
        conn.execute(insert(users).values(name="olga", password_hash=accounts._hasher.hash("password-123"),
                                          role="leader", active=True, created_at=session.utcnow()))
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 3)
    _flood(3)
    assert _attempt("olga", "password-123", "2001:db8:7:8:9::2") == accounts.User("olga", "leader", None)
