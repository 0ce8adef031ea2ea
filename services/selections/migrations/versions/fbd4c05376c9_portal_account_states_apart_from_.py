"""portal account states apart from relation_view

Revision ID: fbd4c05376c9
Revises: 175d53824de9
Create Date: 2026-11-23 08:06:06.172185
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = 'fbd4c05376c9'
down_revision = '175d53824de9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_states',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('relation_id')
    )
    with op.batch_alter_table('account_states', schema=None) as batch_op:
        batch_op.create_index('ix_account_states_status', ['status', 'relation_id'], unique=False)

    with op.batch_alter_table('relation_view', schema=None) as batch_op:
        batch_op.drop_column('account')



def downgrade() -> None:
    with op.batch_alter_table('relation_view', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account', sa.VARCHAR(length=20), server_default=sa.text("'none'"), nullable=False))

    with op.batch_alter_table('account_states', schema=None) as batch_op:
        batch_op.drop_index('ix_account_states_status')

    op.drop_table('account_states')
