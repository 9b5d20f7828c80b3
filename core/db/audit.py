"""The audit trail: who did what, when, from where. Rows are only ever added.

Tamper evidence: each entry carries ``hash`` = SHA-256 of the previous entry's hash and its own
fields (``entry_hash``), so changing, removing or inserting an entry breaks the chain from there
on; ``verify()`` (``python -m core audit verify``) finds the first broken entry. Writers of the
chain queue: SQLite's write transactions already do (BEGIN IMMEDIATE); on PostgreSQL a
transaction-level advisory lock is taken before the last hash is read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, text

from core.db.models import audit_log
from core.db.session import reading, transaction, utcnow
from core.db.throttle import network_key

ACTIONS = (
    "login", "login_failed", "logout", "setup_admin", "user_add", "user_disable", "password_reset",
    "upload", "upload_duplicate", "withdraw", "target_set", "standard_set",
    "event_add", "event_withdraw", "event_update", "demo_load", "county_add", "county_remove",
    "lookup_other_districts", "login_throttled", "user_enable", "password_change", "password_set",
    "followup_add", "followup_correct", "activity_add", "activity_correct",    # core.db.people, core.db.activities
    "reconcile", "report", "bulletin",
)
GENESIS = "0" * 64                 # the "previous hash" of the first entry
_CHAIN_LOCK = 160201802            # pg_advisory_xact_lock key of the audit chain
_HASHED = ("at", "actor", "action", "target", "ok", "ip", "detail")


def entry_hash(previous: str, values: dict) -> str:
    """The chained hash of one entry: SHA-256 over the previous hash and the entry's fields as
    stored (time to the microsecond, text as is, yes/no as true/false, missing as null)."""
    at = values["at"]
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    fields = [at.isoformat(timespec="microseconds") if at is not None else None]
    for name in _HASHED[1:]:
        v = values.get(name)
        fields.append(bool(v) if name == "ok" and v is not None else v)
    payload = json.dumps([previous, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _last_hash(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK})"))
    last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    return last or GENESIS


def record(conn: Connection | None, action: str, actor: str | None = None, target: str | None = None,
           ok: bool = True, ip: str | None = None, **detail: Any) -> None:
    """Append one entry, inside ``conn``'s transaction (or its own when ``conn`` is None)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = dict(at=utcnow(), actor=actor, action=action, target=None if target is None else str(target)[:255],
                  ok=ok, ip=ip[:64] if isinstance(ip, str) else None, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None)
    # the client's network (an IPv6 client's /64) beside its address, for the login limits
    # (core.db.throttle); derived from ``ip``, so not part of the chained hash
    net = network_key(ip if isinstance(ip, str) else None)

    def append(c: Connection) -> None:
        c.execute(insert(audit_log).values(**values, net=net, hash=entry_hash(_last_hash(c), values)))

    if conn is None:
        with transaction() as c:
            append(c)
    else:
        append(conn)


def _filtered(q, action: str | None, actor: str | None):
    if action:
        q = q.where(audit_log.c.action == action)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    return q


def entries(limit: int = 500, action: str | None = None, actor: str | None = None,
            offset: int = 0) -> pd.DataFrame:
    """The newest entries first (``offset`` skips that many): id, at, actor, action, target, ok,
    ip, detail, hash."""
    q = _filtered(select(audit_log).order_by(audit_log.c.id.desc()), action, actor).limit(limit).offset(offset)
    with reading() as conn:
        rows = conn.execute(q).mappings().all()
    cols = [c.name for c in audit_log.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=cols)


def count(action: str | None = None, actor: str | None = None) -> int:
    """How many entries (with these filters) there are: the pages of the audit page."""
    with reading() as conn:
        return conn.execute(_filtered(select(func.count()).select_from(audit_log), action, actor)).scalar_one()


@dataclass(frozen=True)
class Verification:
    entries: int                   # entries checked
    broken_id: int | None = None   # the first entry whose hash does not follow, or None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(batch: int = 5000, conn: Connection | None = None) -> Verification:
    """Walk the whole chain in id order; the first entry whose stored hash is not the hash of the
    previous one and its own fields is broken (a changed, removed or inserted entry)."""
    def walk(c: Connection) -> Verification:
        previous, seen, after = GENESIS, 0, 0
        while True:
            rows = c.execute(select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id)
                             .limit(batch)).mappings().all()
            if not rows:
                return Verification(seen)
            for r in rows:
                if r["hash"] != entry_hash(previous, r):
                    return Verification(seen, int(r["id"]))
                previous, seen, after = r["hash"], seen + 1, r["id"]

    if conn is not None:
        return walk(conn)
    with reading() as c:
        return walk(c)
