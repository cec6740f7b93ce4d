"""api: API clients and personal access tokens

Revision ID: 20261123api
Revises: 20261123tracking
Create Date: 2026-11-22 23:50:00

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '20261123api'
down_revision = '20261123tracking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_clients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token_start', sa.String(length=12), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_api_clients_created_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_api_clients_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_clients_token_hash')))
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_clients_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_seq', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_filings_accepted_seq'), ['accepted_seq'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filings_accepted_seq'))
        batch_op.drop_column('accepted_seq')
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_clients_user_id'))
    op.drop_table('api_clients')
