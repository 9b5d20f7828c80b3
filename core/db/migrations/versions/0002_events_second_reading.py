"""Events, second reading: a fair's province; the Sichuan helped counties administrators add.

Fairs stored before this revision keep a NULL province: core.enterprise derives it from the
place where the place names it, and otherwise asks the officer to record it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province', sa.String(length=2), nullable=True))

    op.create_table('helped_counties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('aliases', sa.String(length=255), nullable=False),
    sa.Column('old_codes', sa.String(length=64), nullable=False),
    sa.Column('prefecture', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helped_counties'))
    )
    with op.batch_alter_table('helped_counties', schema=None) as batch_op:
        batch_op.create_index('uq_helped_counties_active_code', ['code'], unique=True,
                              sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('helped_counties', schema=None) as batch_op:
        batch_op.drop_index('uq_helped_counties_active_code', sqlite_where=sa.text('removed_at IS NULL'),
                            postgresql_where=sa.text('removed_at IS NULL'))

    op.drop_table('helped_counties')
    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.drop_column('province')
