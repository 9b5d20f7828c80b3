"""PostgreSQL: the roster rows and the ledger entries without a foreign key check per row.

A foreign key is checked by a trigger that runs one query per inserted row: storing 100,000 rows
and their 123,000 ledger entries spent 1.3 s of the server's CPU there, about half of what the
inserts cost (docs/STORAGE.md). Both tables are written only by ``core.db.bulk``, with the id the
same transaction's own upload row was given, and an upload is never deleted (it is withdrawn).
So the two foreign keys on ``upload_id`` are dropped on PostgreSQL and the direction that can
still go wrong by hand is guarded once per upload instead of once per row: a trigger on
``uploads`` refuses to delete (or renumber) an upload that rows or ledger entries name.

SQLite keeps its foreign keys (its check is a B-tree look-up in the same process; nothing to
gain there). The downgrade adds the foreign keys back (checking the rows stored meanwhile).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FOREIGN_KEYS = {"roster_rows": "fk_roster_rows_upload_id_uploads", "payments": "fk_payments_upload_id_uploads"}

_GUARD = """
CREATE FUNCTION uploads_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM roster_rows WHERE upload_id = OLD.id)
     OR EXISTS (SELECT 1 FROM payments WHERE upload_id = OLD.id) THEN
    RAISE EXCEPTION 'upload % is named by stored rows or ledger entries', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    for table, name in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute(_GUARD)
    op.execute("CREATE TRIGGER tr_uploads_keep_referenced BEFORE DELETE OR UPDATE OF id ON uploads "
               "FOR EACH ROW EXECUTE FUNCTION uploads_keep_referenced()")


def downgrade() -> None:
    if not _postgres():
        return
    op.execute("DROP TRIGGER tr_uploads_keep_referenced ON uploads")
    op.execute("DROP FUNCTION uploads_keep_referenced()")
    for table, name in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (upload_id) REFERENCES uploads (id)")
