"""idempotency keys

Revision ID: e1f69ca51be6
Revises: 9627bfebbeaf
Create Date: 2026-11-23 05:37:47.144796
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = 'e1f69ca51be6'
down_revision = '9627bfebbeaf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('principal', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('headers', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('principal', 'key')
    )


def downgrade() -> None:
    op.drop_table('idempotency_keys')
