"""post-filing requests: office numbers on filings, annual fees by year

Revision ID: 20261123requests
Revises: 20261122receipt
Create Date: 2026-11-22 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261123requests'
down_revision = '20261122receipt'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('registration_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_filings_office_number', ['office_number'], unique=False)
        batch_op.create_index('ix_filings_registration_number', ['registration_number'],
                              unique=False)

    with op.batch_alter_table('fee_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('year_to', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('fee_rules', schema=None) as batch_op:
        batch_op.drop_column('year_to')
        batch_op.drop_column('year_from')

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_registration_number')
        batch_op.drop_index('ix_filings_office_number')
        batch_op.drop_column('expires_on')
        batch_op.drop_column('registration_number')
        batch_op.drop_column('office_number')
