"""bulk jobs items chunks

Revision ID: dfb0e561e17a
Revises: a7f1041e32e0
Create Date: 2026-11-23 08:36:51.268363
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = 'dfb0e561e17a'
down_revision = 'a7f1041e32e0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulk_chunks',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('chunk_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', 'chunk_no')
    )
    op.create_table('bulk_items',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('chunk_no', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', shared.db.JSONType, nullable=True),
    sa.Column('before', shared.db.JSONType, nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('params', shared.db.JSONType, nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', 'relation_id')
    )
    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.create_index('ix_bulk_items_job_chunk', ['job_id', 'chunk_no'], unique=False)
        batch_op.create_index('ix_bulk_items_job_outcome_seq', ['job_id', 'outcome', 'seq'], unique=False)
        batch_op.create_index('ix_bulk_items_job_seq', ['job_id', 'seq'], unique=False)

    op.create_table('bulk_jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('params', shared.db.JSONType, nullable=False),
    sa.Column('target', shared.db.JSONType, nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('principal', shared.db.JSONType, nullable=False),
    sa.Column('suppress_automations', sa.Boolean(), nullable=False),
    sa.Column('undo_of', sa.String(length=36), nullable=True),
    sa.Column('undo_mode', sa.String(length=16), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('chunk_size', sa.Integer(), nullable=False),
    sa.Column('impacts', shared.db.JSONType, nullable=False),
    sa.Column('confirmations', shared.db.JSONType, nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_jobs_undo_of'), ['undo_of'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_jobs_undo_of'))

    op.drop_table('bulk_jobs')
    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_items_job_seq')
        batch_op.drop_index('ix_bulk_items_job_outcome_seq')
        batch_op.drop_index('ix_bulk_items_job_chunk')

    op.drop_table('bulk_items')
    op.drop_table('bulk_chunks')
