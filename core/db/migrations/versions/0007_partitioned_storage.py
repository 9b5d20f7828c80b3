"""The layout that scales on PostgreSQL (docs/STORAGE.md): the payments ledger hash-partitioned by
person, roster rows partitioned by year. SQLite keeps its plain tables (nothing to do there).

- ``payments``: ``PARTITION BY HASH (person_key)`` in 16 partitions ``payments_h00`` …
  ``payments_h15``. Every entry of a person lies in one partition whatever district or year it
  came from, so "paid once" (the partial unique index on person, item, seq among active entries)
  is still one index entry per person; a unique index on a partitioned table must hold the
  partition key, and person_key is in it. A primary key would have to be (id, person_key): one
  more index of long keys to keep up on every entry written, for a column nothing refers to; the
  partitioned ledger has none, its ids still come from the one sequence.
- ``roster_rows``: ``PARTITION BY RANGE (year)``, one partition a year 2018-2030
  (``roster_rows_y2018`` …) and ``roster_rows_other`` for rows with no year (rows with errors)
  or another year. ``year`` may be NULL, so it cannot be part of a primary key: the partitioned
  table has none; ``id`` stays unique by its sequence (nothing refers to a roster row by id).

Existing rows are moved into the new tables; indexes, foreign keys and sequences keep their names.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LEDGER_PARTITIONS = 16
YEARS = range(2018, 2031)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _replace(table: str, partition_by: str | None, partitions: list[str]) -> None:
    """Move ``table`` into a new table of the same columns (partitioned or plain) under its name."""
    op.execute(f"CREATE TABLE {table}_new (LIKE {table} INCLUDING DEFAULTS)"
               + (f" PARTITION BY {partition_by}" if partition_by else ""))
    for ddl in partitions:
        op.execute(ddl.format(parent=f"{table}_new"))
    op.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY NONE")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_upload_id_uploads "
               f"FOREIGN KEY (upload_id) REFERENCES uploads (id)")


def _payments_indexes() -> None:
    op.execute("CREATE UNIQUE INDEX uq_payments_active_person_item ON payments (person_key, item, seq) WHERE active")
    op.execute("CREATE INDEX ix_payments_upload_id ON payments (upload_id)")


def _roster_rows_indexes() -> None:
    for col in ("upload_id", "person_key", "year", "work_district"):
        op.execute(f"CREATE INDEX ix_roster_rows_{col} ON roster_rows ({col})")


def upgrade() -> None:
    if not _postgres():
        return
    _replace("payments", "HASH (person_key)",
             [f"CREATE TABLE payments_h{i:02d} PARTITION OF {{parent}} "
              f"FOR VALUES WITH (MODULUS {LEDGER_PARTITIONS}, REMAINDER {i})" for i in range(LEDGER_PARTITIONS)])
    _payments_indexes()
    _replace("roster_rows", "RANGE (year)",
             [f"CREATE TABLE roster_rows_y{y} PARTITION OF {{parent}} FOR VALUES FROM ({y}) TO ({y + 1})"
              for y in YEARS] + ["CREATE TABLE roster_rows_other PARTITION OF {parent} DEFAULT"])
    _roster_rows_indexes()


def downgrade() -> None:
    if not _postgres():
        return
    _replace("payments", None, [])
    op.execute("ALTER TABLE payments ADD CONSTRAINT pk_payments PRIMARY KEY (id)")
    _payments_indexes()
    _replace("roster_rows", None, [])
    op.execute("ALTER TABLE roster_rows ADD CONSTRAINT pk_roster_rows PRIMARY KEY (id)")
    _roster_rows_indexes()
