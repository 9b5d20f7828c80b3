"""One index on roster rows that answers "which is this person's earliest counted row?" without
reading the table (docs/STORAGE.md): (person_key, first_employment_date, upload_id, row, valid,
category, year). The monthly statistics table and the bulletin (core.db.report_queries) look up,
for each row of the year, whether the same person has an earlier counted row; with every column
that look-up reads in the index, SQLite answers it from the index alone. It begins with
person_key, so it also serves every look-up by person the old ``ix_roster_rows_person_key`` served,
which it replaces (one index to keep up on each row written, as before). On PostgreSQL it is
created on the partitioned table, hence on every partition.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = ['person_key', 'first_employment_date', 'upload_id', 'row', 'valid', 'category', 'year']


def upgrade() -> None:
    op.create_index('ix_roster_rows_person_first', 'roster_rows', COLUMNS, unique=False)
    op.drop_index('ix_roster_rows_person_key', table_name='roster_rows')


def downgrade() -> None:
    op.create_index('ix_roster_rows_person_key', 'roster_rows', ['person_key'], unique=False)
    op.drop_index('ix_roster_rows_person_first', table_name='roster_rows')
