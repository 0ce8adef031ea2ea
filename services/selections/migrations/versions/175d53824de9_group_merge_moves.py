"""group merge moves

Revision ID: 175d53824de9
Revises: 2f7d7bb7e044
Create Date: 2026-11-23 07:39:57.522337
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '175d53824de9'
down_revision = '2f7d7bb7e044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_merge_moves',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('keeper_joined', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('merge_id', 'group_id', 'relation_id')
    )


def downgrade() -> None:
    op.drop_table('group_merge_moves')
