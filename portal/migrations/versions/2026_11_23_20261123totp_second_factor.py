"""totp: second factor (TOTP secret, last step, recovery codes)

Revision ID: 20261123totp
Revises: 20261123languages
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '20261123totp'
down_revision = '20261123languages'
branch_labels = None
depends_on = None


def upgrade():
    # The TOTP secret (encrypted), when the factor was turned on, the last time step a code
    # was accepted for, and whether the account must enrol again (reset by an administrator).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('second_factor_enabled_at',
                                      portal.timeutil.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('second_factor_must_enrol', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column('used_at', portal.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
        sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_codes_user_id')))


def downgrade():
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('second_factor_must_enrol')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('second_factor_enabled_at')
        batch_op.drop_column('totp_secret')
