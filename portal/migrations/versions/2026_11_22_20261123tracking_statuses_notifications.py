"""tracking: office statuses, notifications, calendar feeds, dashboard columns

Revision ID: 20261123tracking
Revises: 20261123requests
Create Date: 2026-11-22 23:10:00

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '20261123tracking'
down_revision = '20261123requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'office_statuses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('names', sa.JSON(), nullable=False),
        sa.Column('st27', sa.String(length=1), nullable=True),
        sa.Column('stage', sa.String(length=20), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_statuses')),
        sa.UniqueConstraint('code', name=op.f('uq_office_statuses_code')))
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('filing_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=100), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('response_due', sa.Date(), nullable=True),
        sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column('read_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column('read_by_id', sa.Integer(), nullable=True),
        sa.Column('archived_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column('responded_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column('response_filing_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='SET NULL',
                                name=op.f('fk_notifications_document_id_documents')),
        sa.ForeignKeyConstraint(['filing_id'], ['filings.id'], ondelete='CASCADE',
                                name=op.f('fk_notifications_filing_id_filings')),
        sa.ForeignKeyConstraint(['read_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_notifications_read_by_id_users')),
        sa.ForeignKeyConstraint(['response_filing_id'], ['filings.id'], ondelete='SET NULL',
                                name=op.f('fk_notifications_response_filing_id_filings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('event_id', name=op.f('uq_notifications_event_id')))
    op.create_index('ix_notifications_filing_created', 'notifications',
                    ['filing_id', 'created_at'], unique=False)
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_calendar_feeds_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
        sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id')))
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', portal.timeutil.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('office_status', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('office_status_at', portal.timeutil.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_event_at', portal.timeutil.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_event_kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('next_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('names_local', sa.String(length=1000), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filings_client_id_clients'), 'clients',
                                    ['client_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_filings_firm_activity', ['firm_id', 'last_event_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_filings_owner_activity', ['owner_id', 'last_event_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_filings_firm_deadline', ['firm_id', 'next_deadline'],
                              unique=False)
    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_filing_events_external_id'),
                                          ['external_id'])
    # Existing filings: their last activity is their last update.
    op.execute("UPDATE filings SET last_event_at = updated_at WHERE last_event_at IS NULL")
    if op.get_bind().dialect.name == 'postgresql':
        # Substring search of the dashboard in any script: trigram index (pg_trgm is a trusted
        # extension, which the database owner may create).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_filings_search_trgm ON filings "
                   "USING gin (search_text gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_filings_search_trgm")
    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_filing_events_external_id'), type_='unique')
        batch_op.drop_column('external_id')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_firm_deadline')
        batch_op.drop_index('ix_filings_owner_activity')
        batch_op.drop_index('ix_filings_firm_activity')
        batch_op.drop_constraint(batch_op.f('fk_filings_client_id_clients'), type_='foreignkey')
        for column in ('names_local', 'search_text', 'client_id', 'next_deadline', 'last_event_kind',
                       'last_event_at', 'office_status_at', 'office_status', 'delivered_at'):
            batch_op.drop_column(column)
    op.drop_table('calendar_feeds')
    op.drop_index('ix_notifications_filing_created', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('office_statuses')
