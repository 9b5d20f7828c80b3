"""Initial schema: accounts, audit log, uploads and their rows, payment ledger, events, targets.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('bases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base', sa.String(length=255), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hires', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bases'))
    )
    op.create_table('fairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fairs'))
    )
    op.create_table('login_failures',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_failures'))
    )
    op.create_table('love_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer', sa.String(length=255), nullable=False),
    sa.Column('person_name', sa.String(length=64), nullable=True),
    sa.Column('person_key', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_love_posts'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('standards',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('set_by', sa.String(length=64), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_standards'))
    )
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('paired_four', sa.Integer(), nullable=True),
    sa.Column('other_central_western', sa.Integer(), nullable=True),
    sa.Column('sichuan_helped', sa.Integer(), nullable=True),
    sa.Column('set_by', sa.String(length=64), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
    sa.UniqueConstraint('year', 'district', name=op.f('uq_targets_year_district'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('fair_enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fair_id', sa.Integer(), nullable=False),
    sa.Column('enterprise', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], name=op.f('fk_fair_enterprises_fair_id_fairs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fair_enterprises')),
    sa.UniqueConstraint('fair_id', 'enterprise', name=op.f('uq_fair_enterprises_fair_id_enterprise'))
    )
    with op.batch_alter_table('fair_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fair_enterprises_fair_id'), ['fair_id'], unique=False)

    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('district', sa.String(length=16), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('blank_rows', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('total_to_worker', sa.BigInteger(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index('uq_uploads_active_content', ['content_hash'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_payments_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index('uq_payments_active_person_item', ['person_key', 'item', 'seq'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('roster_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('sichuan_helped', sa.Boolean(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('covered', sa.String(length=16), nullable=True),
    sa.Column('covered_reason', sa.Text(), nullable=True),
    sa.Column('stabilization', sa.BigInteger(), nullable=False),
    sa.Column('stabilization_status', sa.String(length=16), nullable=True),
    sa.Column('stabilization_reason', sa.Text(), nullable=True),
    sa.Column('stabilization_next_step', sa.Text(), nullable=True),
    sa.Column('family_visit', sa.BigInteger(), nullable=False),
    sa.Column('family_visit_status', sa.String(length=16), nullable=True),
    sa.Column('family_visit_reason', sa.Text(), nullable=True),
    sa.Column('family_visit_next_step', sa.Text(), nullable=True),
    sa.Column('skill_training', sa.BigInteger(), nullable=False),
    sa.Column('skill_training_status', sa.String(length=16), nullable=True),
    sa.Column('skill_training_reason', sa.Text(), nullable=True),
    sa.Column('skill_training_next_step', sa.Text(), nullable=True),
    sa.Column('rent', sa.BigInteger(), nullable=False),
    sa.Column('rent_status', sa.String(length=16), nullable=True),
    sa.Column('rent_reason', sa.Text(), nullable=True),
    sa.Column('rent_next_step', sa.Text(), nullable=True),
    sa.Column('organizer_service', sa.BigInteger(), nullable=False),
    sa.Column('organizer_service_status', sa.String(length=16), nullable=True),
    sa.Column('organizer_service_reason', sa.Text(), nullable=True),
    sa.Column('organizer_service_next_step', sa.Text(), nullable=True),
    sa.Column('employer_social_insurance', sa.BigInteger(), nullable=False),
    sa.Column('employer_social_insurance_status', sa.String(length=16), nullable=True),
    sa.Column('employer_social_insurance_reason', sa.Text(), nullable=True),
    sa.Column('employer_social_insurance_next_step', sa.Text(), nullable=True),
    sa.Column('rent_counted_months', sa.Integer(), nullable=True),
    sa.Column('employer_social_insurance_months', sa.Integer(), nullable=True),
    sa.Column('total_to_worker', sa.BigInteger(), nullable=False),
    sa.Column('home_province', sa.String(length=32), nullable=True),
    sa.Column('home_province_code', sa.String(length=2), nullable=True),
    sa.Column('home_county', sa.String(length=64), nullable=True),
    sa.Column('registered_poor', sa.Boolean(), nullable=True),
    sa.Column('first_employment_date', sa.Date(), nullable=True),
    sa.Column('work_district', sa.String(length=16), nullable=True),
    sa.Column('employer', sa.String(length=255), nullable=True),
    sa.Column('social_insurance_months', sa.Integer(), nullable=True),
    sa.Column('continuous_months', sa.Integer(), nullable=True),
    sa.Column('certificate_level', sa.String(length=16), nullable=True),
    sa.Column('certificate_date', sa.Date(), nullable=True),
    sa.Column('training_cost', sa.Float(), nullable=True),
    sa.Column('self_rented_months', sa.Integer(), nullable=True),
    sa.Column('organizer', sa.String(length=255), nullable=True),
    sa.Column('prior_paid', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_roster_rows_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_rows'))
    )
    with op.batch_alter_table('roster_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_rows_person_key'), ['person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_rows_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_rows_work_district'), ['work_district'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_rows_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('roster_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_rows_year'))
        batch_op.drop_index(batch_op.f('ix_roster_rows_work_district'))
        batch_op.drop_index(batch_op.f('ix_roster_rows_upload_id'))
        batch_op.drop_index(batch_op.f('ix_roster_rows_person_key'))

    op.drop_table('roster_rows')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('uq_payments_active_person_item', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_payments_upload_id'))

    op.drop_table('payments')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index('uq_uploads_active_content', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.drop_table('uploads')
    with op.batch_alter_table('fair_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fair_enterprises_fair_id'))

    op.drop_table('fair_enterprises')
    op.drop_table('users')
    op.drop_table('targets')
    op.drop_table('standards')
    op.drop_table('settings')
    op.drop_table('love_posts')
    op.drop_table('login_failures')
    op.drop_table('fairs')
    op.drop_table('bases')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
