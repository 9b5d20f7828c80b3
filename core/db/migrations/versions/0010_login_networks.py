"""The client's network beside its address in the audit log, for the login limits.

- ``audit_log.net``: an IPv4 address as is (an IPv4-mapped IPv6 address as its IPv4 address), an
  IPv6 address as its /64 (core.db.throttle.network_key): the per-address limit counts an IPv6
  client by the /64 it owns, and a login during a flood of failures is let through from a network
  where its account signed in before. Derived from ``ip``, so not part of the audit chain's hash.
- Indexes (net, action, at) and (actor, action, at): the limits' look-ups at every login; and
  (action, at) in place of the index on action alone: the whole server's count of failed logins
  in the last five minutes read every failure ever logged through that one (140 ms a login on
  SQLite with a million entries, a year's worth); with (action, at) it reads the window only.

The entries of logins and failed logins already there get their network (the others need none).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import ipaddress

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _network(ip):
    """core.db.throttle.network_key as it was at 0010."""
    text = (ip or "").strip()
    if not text:
        return None
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return text[:64]
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.version == 4:
        return str(addr)
    return str(ipaddress.IPv6Network((int(addr) >> 64 << 64, 64)))


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('net', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_log_net_action_at', 'audit_log', ['net', 'action', 'at'], unique=False)
    op.create_index('ix_audit_log_actor_action_at', 'audit_log', ['actor', 'action', 'at'], unique=False)
    op.create_index('ix_audit_log_action_at', 'audit_log', ['action', 'at'], unique=False)
    op.drop_index('ix_audit_log_action', table_name='audit_log')
    conn = op.get_bind()
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('action', sa.String),
                   sa.column('ip', sa.String), sa.column('net', sa.String))
    after = 0
    while True:
        rows = conn.execute(sa.select(log.c.id, log.c.ip).where(
            log.c.id > after, log.c.action.in_(('login', 'login_failed')), log.c.ip.isnot(None))
            .order_by(log.c.id).limit(5000)).all()
        if not rows:
            break
        conn.execute(sa.update(log).where(log.c.id == sa.bindparam('rid')).values(net=sa.bindparam('n')),
                     [{"rid": r.id, "n": _network(r.ip)} for r in rows])
        after = rows[-1].id


def downgrade() -> None:
    op.create_index('ix_audit_log_action', 'audit_log', ['action'], unique=False)
    for name in ('ix_audit_log_action_at', 'ix_audit_log_actor_action_at', 'ix_audit_log_net_action_at'):
        op.drop_index(name, table_name='audit_log')
    # in place (SQLite 3.35+ too): the table as 0009 left it, not copied into a new one
    op.execute("ALTER TABLE audit_log DROP COLUMN net")
