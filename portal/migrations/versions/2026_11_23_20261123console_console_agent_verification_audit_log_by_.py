"""console: agent verification, audit log by object

Revision ID: 20261123console
Revises: 20261123sent
Create Date: 2026-11-23 02:27:03.344940

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '20261123console'
down_revision = '20261123sent'
branch_labels = None
depends_on = None


def upgrade():
    # The console's user page lists the audit entries about one user.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_object', ['object_type', 'object_id'], unique=False)

    # Agents registered before this stay unverified until the office checks them.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_verified_at', portal.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('agent_verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_agent_verified_by_id_users'), 'users', ['agent_verified_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_agent_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_column('agent_verified_by_id')
        batch_op.drop_column('agent_verified_at')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_object')
