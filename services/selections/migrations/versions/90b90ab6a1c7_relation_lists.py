"""relation lists

Revision ID: 90b90ab6a1c7
Revises: bfae11ae04fc
Create Date: 2026-11-23 06:52:02.568881
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '90b90ab6a1c7'
down_revision = 'bfae11ae04fc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('relation_lists',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('filter', shared.db.JSONType, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('relation_lists')
