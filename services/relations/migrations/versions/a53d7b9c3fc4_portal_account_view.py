"""portal account view

Revision ID: a53d7b9c3fc4
Revises: e1f69ca51be6
Create Date: 2026-11-23 06:15:04.887035
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = 'a53d7b9c3fc4'
down_revision = 'e1f69ca51be6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_account_view',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('relation_id')
    )


def downgrade() -> None:
    op.drop_table('portal_account_view')
