"""The district's year-round work: follow-up entries of each person and the 工作台帐 of activities.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'followups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('id_number_masked', sa.String(length=32), nullable=True),
        sa.Column('name', sa.String(length=64), nullable=True),
        sa.Column('district', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('officer', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('corrects_id', sa.Integer(), nullable=True),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['corrects_id'], ['followups.id'],
                                name=op.f('fk_followups_corrects_id_followups')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followups')),
    )
    op.create_index(op.f('ix_followups_person_key'), 'followups', ['person_key'], unique=False)
    op.create_index(op.f('ix_followups_district'), 'followups', ['district'], unique=False)
    # one correction an entry (NULLs, the entries that correct nothing, do not collide)
    op.create_index('uq_followups_corrects_id', 'followups', ['corrects_id'], unique=True)
    op.create_table(
        'activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('district', sa.String(length=16), nullable=False),
        sa.Column('place', sa.String(length=255), nullable=False),
        sa.Column('people_reached', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('fair_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('corrects_id', sa.Integer(), nullable=True),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], name=op.f('fk_activities_fair_id_fairs')),
        sa.ForeignKeyConstraint(['corrects_id'], ['activities.id'],
                                name=op.f('fk_activities_corrects_id_activities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    )
    op.create_index(op.f('ix_activities_district'), 'activities', ['district'], unique=False)
    op.create_index('uq_activities_corrects_id', 'activities', ['corrects_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_activities_corrects_id', table_name='activities')
    op.drop_index(op.f('ix_activities_district'), table_name='activities')
    op.drop_table('activities')
    op.drop_index('uq_followups_corrects_id', table_name='followups')
    op.drop_index(op.f('ix_followups_district'), table_name='followups')
    op.drop_index(op.f('ix_followups_person_key'), table_name='followups')
    op.drop_table('followups')
