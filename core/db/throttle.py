"""Limits on logins: per address, for the whole server, and on concurrent password hashing; the
client's real address behind a trusted reverse proxy.

- Per user name: ``core.db.accounts`` (exponential wait after a few failures in a row).
- Per address: at most ``ADDRESS_MAX_FAILURES`` failed logins in ``ADDRESS_WINDOW`` seconds; then
  refused until the oldest of them leaves the window.
- Whole server: at most ``GLOBAL_MAX_FAILURES`` failed logins in ``GLOBAL_WINDOW`` seconds; then
  every login is refused for the rest of the window (a flood from many addresses).
  Failures are counted from the audit log (action ``login_failed``), so every server process sharing
  the database counts the same. A refused attempt is never waited out in the request thread: the
  user is told how many seconds to wait.
- Password hashing (argon2id, 64 MiB each) runs in at most ``hash_slots()`` threads of a process
  at once (``SHAOXING_LOGIN_HASH_SLOTS``, default 4); an attempt that finds no free slot within
  ``HASH_WAIT`` seconds is refused as busy. 64 parallel attempts used to take 2.5 GB.
- ``client_address``: behind a reverse proxy the connection comes from the proxy. The proxies
  listed in ``SHAOXING_TRUSTED_PROXIES`` (addresses or networks, comma-separated, e.g.
  ``127.0.0.1,::1,10.0.0.0/8``) are believed about ``X-Forwarded-For``; nobody else is.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import threading
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, func, select

from core.db.models import audit_log

ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW = 15 * 60
GLOBAL_MAX_FAILURES = 300
GLOBAL_WINDOW = 5 * 60
HASH_WAIT = 5.0


class NoHashingSlot(RuntimeError):
    """Every password-hashing slot stayed busy for ``HASH_WAIT`` seconds."""


def hash_slots() -> int:
    try:
        return max(1, int(os.environ.get("SHAOXING_LOGIN_HASH_SLOTS", "4")))
    except ValueError:
        return 4


_slots = threading.BoundedSemaphore(hash_slots())


@contextmanager
def hashing_slot(wait: float | None = None):
    """One of the process's password-hashing slots, for the duration of the block."""
    if not _slots.acquire(timeout=HASH_WAIT if wait is None else wait):
        raise NoHashingSlot
    try:
        yield
    finally:
        _slots.release()


def _failures_since(conn: Connection, since: dt.datetime, ip: str | None = None) -> tuple[int, dt.datetime | None]:
    q = select(func.count(), func.min(audit_log.c.at)).where(audit_log.c.action == "login_failed",
                                                             audit_log.c.at >= since)
    if ip is not None:
        q = q.where(audit_log.c.ip == ip[:64])
    n, oldest = conn.execute(q).one()
    return int(n), oldest


def wait_seconds(conn: Connection, ip: str | None, now: dt.datetime) -> tuple[float, str | None]:
    """Seconds to wait before a login may be checked, and which limit says so ("address",
    "global"), or (0, None)."""
    n, oldest = _failures_since(conn, now - dt.timedelta(seconds=GLOBAL_WINDOW))
    if n >= GLOBAL_MAX_FAILURES:
        return max(1.0, GLOBAL_WINDOW - (now - oldest).total_seconds()), "global"
    if ip:
        n, oldest = _failures_since(conn, now - dt.timedelta(seconds=ADDRESS_WINDOW), ip)
        if n >= ADDRESS_MAX_FAILURES:
            return max(1.0, ADDRESS_WINDOW - (now - oldest).total_seconds()), "address"
    return 0.0, None


# --- the client's address -----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _parse_trusted(raw: str) -> tuple:
    nets = []
    for part in raw.split(","):
        part = part.strip()
        if part:
            nets.append(ipaddress.ip_network(part, strict=False))
    return tuple(nets)


def trusted_proxies() -> tuple:
    """The networks of ``SHAOXING_TRUSTED_PROXIES`` (none when unset)."""
    return _parse_trusted(os.environ.get("SHAOXING_TRUSTED_PROXIES", ""))


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None


def _trusted(addr, nets) -> bool:
    return addr is not None and any(addr.version == n.version and addr in n for n in nets)


def client_address(peer: str | None, forwarded_for: str | None, trusted=None) -> str | None:
    """The client's address: the connection's peer, unless the peer is a trusted proxy; then the
    right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy (what the
    nearest untrusted hop said cannot be believed further left). A peer of None is a local
    connection (Streamlit gives no address for localhost)."""
    nets = trusted_proxies() if trusted is None else tuple(trusted)
    peer_addr = _address(peer) if peer else ipaddress.ip_address("127.0.0.1")
    if not nets or not _trusted(peer_addr, nets) or not forwarded_for:
        return peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        addr = _address(hop)
        if addr is None:
            return peer                      # a malformed chain: believe only the connection
        if not _trusted(addr, nets):
            return str(addr)
    return peer
