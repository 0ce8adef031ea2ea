"""selection merge moves

Revision ID: 2f7d7bb7e044
Revises: 20c6462593ae
Create Date: 2026-11-23 07:39:11.495916
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '2f7d7bb7e044'
down_revision = '20c6462593ae'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('selection_merge_moves',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('selection_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=True),
    sa.Column('included', sa.Boolean(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('keeper_added', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('merge_id', 'selection_id', 'relation_id', 'kind')
    )


def downgrade() -> None:
    op.drop_table('selection_merge_moves')
