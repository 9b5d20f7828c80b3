"""Due and payable (RULES.md, second reading): the day of the check of each upload, and per row
whether it was checked after the claim deadline and what was payable to the worker.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('total_payable_to_worker', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('roster_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_closed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('total_payable_to_worker', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('roster_rows', schema=None) as batch_op:
        batch_op.drop_column('total_payable_to_worker')
        batch_op.drop_column('claim_closed')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_column('total_payable_to_worker')
        batch_op.drop_column('as_of')
