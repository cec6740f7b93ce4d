"""languages: office texts per language, notification templates

Revision ID: 20261123languages
Revises: 20261123console
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '20261123languages'
down_revision = '20261123console'
branch_labels = None
depends_on = None


def upgrade():
    # The office's name and address, and each notification, in other languages than the
    # office's default one.
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), nullable=True))

    op.create_table(
        'notification_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('response_days', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column('updated_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_templates')),
        sa.UniqueConstraint('code', name=op.f('uq_notification_templates_code')))


def downgrade():
    op.drop_table('notification_templates')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('texts')
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('texts')
