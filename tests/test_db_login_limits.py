"""Login limits per address and for the whole server, the cap on concurrent password hashing, and
the client's address behind a trusted proxy (core.db.throttle)."""
from __future__ import annotations

import threading

import pytest

from core.db import accounts, audit, throttle
from tests.db_conftest_helpers import db, pg_db, pg_server, sqlite_db  # noqa: F401  (fixtures)


def _attempt(name: str, password: str, ip: str | None):
    try:
        return accounts.authenticate(name, password, ip=ip)
    except accounts.LoginRefused as exc:
        return exc


def test_one_address_guessing_many_names_is_refused(db, monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_MAX_FAILURES", 5)
    accounts.add_user("erin", "password-123", "leader")
    for i in range(5):                                   # five names, one failure each: no name limit
        assert _attempt(f"guess{i}", "x", "203.0.113.9") is None
    refused = _attempt("erin", "password-123", "203.0.113.9")
    assert isinstance(refused, accounts.LoginRefused) and refused.key == "db.login.throttled"
    assert 0 < refused.fmt["seconds"] <= throttle.ADDRESS_WINDOW
    assert _attempt("erin", "password-123", "198.51.100.7") == accounts.User("erin", "leader", None)
    entry = audit.entries(action="login_throttled").iloc[0]
    assert entry["ip"] == "203.0.113.9" and '"scope": "address"' in entry["detail"]


def test_a_flood_from_many_addresses_stops_every_login(db, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_MAX_FAILURES", 6)
    accounts.add_user("fay", "password-123", "leader")
    for i in range(6):
        assert _attempt(f"n{i}", "x", f"192.0.2.{i}") is None
    refused = _attempt("fay", "password-123", "198.51.100.1")
    assert isinstance(refused, accounts.LoginRefused)
    assert '"scope": "global"' in audit.entries(action="login_throttled")["detail"].iloc[0]


def test_password_hashing_runs_in_a_few_slots_at_once(sqlite_db, monkeypatch):
    accounts.add_user("gus", "password-123", "leader")
    slots = threading.BoundedSemaphore(2)
    monkeypatch.setattr(throttle, "_slots", slots)
    monkeypatch.setattr(throttle, "HASH_WAIT", 300.0)   # a loaded machine: every attempt gets its turn
    running, most, lock = [0], [0], threading.Lock()
    real = accounts._hasher

    class Counting:                                  # the hasher, counting the checks running at once
        def verify(self, *args):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                return real.verify(*args)
            finally:
                with lock:
                    running[0] -= 1

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    threads = [threading.Thread(target=_attempt, args=("gus", "password-123", f"10.1.0.{i}")) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert 1 <= most[0] <= 2          # twelve at once, never more than two hashing
    assert len(audit.entries(action="login")) == 12


def test_no_free_slot_is_refused_as_busy_without_waiting_long(sqlite_db, monkeypatch):
    accounts.add_user("hal", "password-123", "leader")
    monkeypatch.setattr(throttle, "_slots", threading.BoundedSemaphore(1))
    monkeypatch.setattr(throttle, "HASH_WAIT", 0.05)
    with throttle.hashing_slot():
        refused = _attempt("hal", "password-123", "10.0.0.1")
    assert isinstance(refused, accounts.LoginRefused) and refused.key == "db.login.busy"
    assert _attempt("hal", "password-123", "10.0.0.1") is not None


PROXY = ["127.0.0.1/32", "10.0.0.0/8"]


@pytest.mark.parametrize("peer,forwarded,trusted,expected", [
    ("203.0.113.5", "1.2.3.4", [], "203.0.113.5"),                    # no proxy configured: the peer
    ("203.0.113.5", "1.2.3.4", PROXY, "203.0.113.5"),                 # an untrusted peer's header: ignored
    ("10.0.0.2", "198.51.100.9", PROXY, "198.51.100.9"),              # behind the proxy: the client
    (None, "198.51.100.9", PROXY, "198.51.100.9"),                    # a proxy on localhost
    ("10.0.0.2", "6.6.6.6, 198.51.100.9, 10.0.0.3", PROXY, "198.51.100.9"),   # a forged left part ignored
    ("10.0.0.2", "not-an-address", PROXY, "10.0.0.2"),
    ("10.0.0.2", None, PROXY, "10.0.0.2"),
    ("10.0.0.2", "2001:db8::1", PROXY, "2001:db8::1"),
])
def test_client_address_believes_only_trusted_proxies(peer, forwarded, trusted, expected):
    import ipaddress

    nets = [ipaddress.ip_network(n) for n in trusted]
    assert throttle.client_address(peer, forwarded, nets) == expected


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHAOXING_TRUSTED_PROXIES", "127.0.0.1, ::1,10.0.0.0/8")
    assert throttle.client_address("10.9.8.7", "198.51.100.2") == "198.51.100.2"
    monkeypatch.delenv("SHAOXING_TRUSTED_PROXIES")
    assert throttle.client_address("10.9.8.7", "198.51.100.2") == "10.9.8.7"
