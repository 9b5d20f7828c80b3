"""Security: a hash chain over the audit log, and ID masks that show only 2 + 2 characters.

- ``audit_log.hash``: SHA-256 of the previous entry's hash and the entry (core.db.audit); the
  entries already there are chained in id order.
- ``roster_rows`` / ``love_posts`` ``id_number_masked``: masks stored as 513226********123X
  (region code and last four) become 51**************3X (core.db.ids.masked); the number itself
  was never stored, so the new mask is cut from the old one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# the audit entry hash, as core.db.audit.entry_hash computes it (kept here as it was at 0003)
_GENESIS = "0" * 64


def _entry_hash(previous: str, row) -> str:
    import datetime as dt
    import hashlib
    import json

    at = row["at"]
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    fields = [at.isoformat(timespec="microseconds") if at is not None else None, row["actor"], row["action"],
              row["target"], bool(row["ok"]) if row["ok"] is not None else None, row["ip"], row["detail"]]
    payload = json.dumps([previous, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _remask(table: str) -> None:
    # old masks keep six characters before the stars; the third character of a new one is a star
    op.execute(sa.text(
        f"UPDATE {table} SET id_number_masked = substr(id_number_masked, 1, 2) || "
        f"substr('****************', 1, length(id_number_masked) - 4) || "
        f"substr(id_number_masked, length(id_number_masked) - 1) "
        f"WHERE length(id_number_masked) >= 10 AND substr(id_number_masked, 3, 1) <> '*'"))


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                   sa.column('actor', sa.String), sa.column('action', sa.String), sa.column('target', sa.String),
                   sa.column('ok', sa.Boolean), sa.column('ip', sa.String), sa.column('detail', sa.Text),
                   sa.column('hash', sa.String))
    previous, after = _GENESIS, 0
    while True:
        rows = conn.execute(sa.select(log).where(log.c.id > after).order_by(log.c.id).limit(5000)).mappings().all()
        if not rows:
            break
        updates = []
        for r in rows:
            previous = _entry_hash(previous, r)
            updates.append({"rid": r["id"], "h": previous})
            after = r["id"]
        conn.execute(sa.update(log).where(log.c.id == sa.bindparam("rid")).values(hash=sa.bindparam("h")), updates)
    _remask('roster_rows')
    _remask('love_posts')


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
