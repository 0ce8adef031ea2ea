"""membership checks

Revision ID: afe0bc2cae13
Revises: fbd4c05376c9
Create Date: 2026-11-23 08:36:41.247270
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = 'afe0bc2cae13'
down_revision = 'fbd4c05376c9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('membership_checks',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('relation_id')
    )


def downgrade() -> None:
    op.drop_table('membership_checks')
