"""Limits on logins: per address, for the whole server, and on concurrent password hashing; the
client's real address behind a trusted reverse proxy.

- Per user name: ``core.db.accounts`` (exponential wait after a few failures in a row).
- Per address: at most ``ADDRESS_MAX_FAILURES`` failed logins in ``ADDRESS_WINDOW`` seconds; then
  refused until the oldest of them leaves the window. An "address" is the client's network as
  ``network_key`` gives it: an IPv4 address (an IPv4-mapped IPv6 address as its IPv4 address), an
  IPv6 address by its /64 — a client owns a whole /64 (2^64 addresses) and could otherwise take a
  new address for every attempt.
- Whole server: at most ``GLOBAL_MAX_FAILURES`` failed logins in ``GLOBAL_WINDOW`` seconds (a
  flood from many addresses); then a login is refused for the rest of the window unless it is for
  an account from a network where that same account signed in within ``KNOWN_DAYS`` days
  (``known_network``: the audit log's ``login`` entries and their client address). Such a login
  is still checked against the password, the per-address limit and the account's wait. A flood
  from 15 addresses under the per-address limit therefore stops newcomers only, not the officers
  at their usual desks.
- The per-user wait, for a login from a known network, counts only the failures on the account
  from that network since its last sign-in (``failures_from``): an attacker failing on purpose on
  an officer's name keeps new addresses waiting, not the officer's own network.

Known networks come from the audit log rather than a per-browser "known device" cookie: the log
already keeps every successful sign-in and its address (through ``client_address``, which
believes only trusted proxies, so an attacker cannot claim an office's address), nothing new is
stored or handed to browsers, and it covers every browser of an office. Its limit: an officer on a
mobile network with a new address during a flood waits, as everybody did before.

Failures are counted from the audit log (action ``login_failed``; each entry keeps its network in
``audit_log.net``, migration 0010, derived from ``ip``, so outside the hash chain), so every server
process sharing the database counts the same. A refused attempt is never waited out in the request
thread: the user is told how many seconds to wait.
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
KNOWN_DAYS = 30
HASH_WAIT = 5.0
IPV6_PREFIX = 64


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


def network_key(ip: str | None) -> str | None:
    """What the per-address limit counts and a known network is compared by: an IPv4 address as
    is, an IPv4-mapped IPv6 address as its IPv4 address, an IPv6 address as its /64
    (``2001:db8:1:2::/64``; a zone such as ``%eth0`` dropped). Text that is no address is kept as
    said (at most 64 characters); nothing, None."""
    text = (ip or "").strip()
    if not text:
        return None
    addr = _address(text.split("%", 1)[0])
    if addr is None:
        return text[:64]
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.version == 4:
        return str(addr)
    return str(ipaddress.IPv6Network((int(addr) >> (128 - IPV6_PREFIX) << (128 - IPV6_PREFIX), IPV6_PREFIX)))


def _failures_since(conn: Connection, since: dt.datetime, ip: str | None = None) -> tuple[int, dt.datetime | None]:
    q = select(func.count(), func.min(audit_log.c.at)).where(audit_log.c.action == "login_failed",
                                                             audit_log.c.at >= since)
    if ip is not None:
        q = q.where(audit_log.c.net == network_key(ip))
    n, oldest = conn.execute(q).one()
    return int(n), oldest


def known_network(conn: Connection, name: str, ip: str | None, now: dt.datetime) -> bool:
    """Whether account ``name`` signed in from the network of ``ip`` within ``KNOWN_DAYS`` days."""
    net = network_key(ip)
    if not name or net is None:
        return False
    q = (select(audit_log.c.id).where(audit_log.c.net == net, audit_log.c.action == "login",
                                      audit_log.c.at >= now - dt.timedelta(days=KNOWN_DAYS),
                                      audit_log.c.actor == name).limit(1))
    return conn.execute(q).first() is not None


def failures_from(conn: Connection, name: str, ip: str | None, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Failed logins on account ``name`` from the network of ``ip`` since the account's last
    sign-in (looking back ``KNOWN_DAYS`` days at most), and when the last of them was: the
    per-user wait of a login from a known network."""
    since = now - dt.timedelta(days=KNOWN_DAYS)
    last_login = conn.execute(select(func.max(audit_log.c.id)).where(
        audit_log.c.actor == name, audit_log.c.action == "login", audit_log.c.at >= since)).scalar()
    n, last = conn.execute(select(func.count(), func.max(audit_log.c.at)).where(
        audit_log.c.net == network_key(ip), audit_log.c.action == "login_failed", audit_log.c.at >= since,
        audit_log.c.actor == name, audit_log.c.id > (last_login or 0))).one()
    return int(n), last


def wait_seconds(conn: Connection, ip: str | None, now: dt.datetime, known: bool = False) -> tuple[float, str | None]:
    """Seconds to wait before a login may be checked, and which limit says so ("address",
    "global"), or (0, None). ``known``: the login is from a network where its account signed in
    before (``known_network``), which the whole server's limit lets through."""
    if not known:
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
