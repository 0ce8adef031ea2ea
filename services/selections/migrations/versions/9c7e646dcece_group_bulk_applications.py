"""group bulk applications

Revision ID: 9c7e646dcece
Revises: afe0bc2cae13
Create Date: 2026-11-23 09:07:59.427105
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '9c7e646dcece'
down_revision = 'afe0bc2cae13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_bulk_applications',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', shared.db.JSONType, nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job_id', 'relation_id')
    )


def downgrade() -> None:
    op.drop_table('group_bulk_applications')
