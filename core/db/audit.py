"""The audit trail: who did what, when, from where. Rows are only ever added."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select

from core.db.models import audit_log
from core.db.session import reading, transaction, utcnow

ACTIONS = (
    "login", "login_failed", "logout", "setup_admin", "user_add", "user_disable", "password_reset",
    "upload", "upload_duplicate", "withdraw", "target_set", "standard_set",
    "event_add", "event_withdraw", "event_update", "demo_load", "county_add", "county_remove",
)


def record(conn: Connection | None, action: str, actor: str | None = None, target: str | None = None,
           ok: bool = True, ip: str | None = None, **detail: Any) -> None:
    """Append one entry, inside ``conn``'s transaction (or its own when ``conn`` is None)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = dict(at=utcnow(), actor=actor, action=action, target=None if target is None else str(target)[:255],
                  ok=ok, ip=ip[:64] if isinstance(ip, str) else None, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None)
    if conn is None:
        with transaction() as c:
            c.execute(insert(audit_log).values(**values))
    else:
        conn.execute(insert(audit_log).values(**values))


def entries(limit: int = 500, action: str | None = None, actor: str | None = None) -> pd.DataFrame:
    """The newest entries first: id, at, actor, action, target, ok, ip, detail."""
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action:
        q = q.where(audit_log.c.action == action)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    with reading() as conn:
        rows = conn.execute(q).mappings().all()
    cols = [c.name for c in audit_log.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=cols)
