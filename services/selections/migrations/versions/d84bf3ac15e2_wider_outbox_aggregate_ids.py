"""wider outbox aggregate ids

Revision ID: d84bf3ac15e2
Revises: e2f5324b95ed
Create Date: 2026-11-23 05:26:59.846096
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = 'd84bf3ac15e2'
down_revision = 'e2f5324b95ed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('aggregate_id',
               existing_type=sa.VARCHAR(length=64),
               type_=sa.String(length=200),
               existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('aggregate_id',
               existing_type=sa.String(length=200),
               type_=sa.VARCHAR(length=64),
               existing_nullable=False)

