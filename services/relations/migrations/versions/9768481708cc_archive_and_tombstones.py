"""archive and tombstones

Revision ID: 9768481708cc
Revises: ad1fdef5042c
Create Date: 2026-11-23 05:16:06.459322
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '9768481708cc'
down_revision = 'ad1fdef5042c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=36), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.drop_column('merged_into')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('archived_reason')

