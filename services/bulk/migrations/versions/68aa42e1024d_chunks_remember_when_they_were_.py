"""chunks remember when they were published and taken, for the reconciler

Revision ID: 68aa42e1024d
Revises: dfb0e561e17a
Create Date: 2026-11-23 14:09:57.423736
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '68aa42e1024d'
down_revision = 'dfb0e561e17a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bulk_chunks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('republished', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_jobs_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_jobs_status'))

    with op.batch_alter_table('bulk_chunks', schema=None) as batch_op:
        batch_op.drop_column('republished')
        batch_op.drop_column('taken_at')
        batch_op.drop_column('published_at')

