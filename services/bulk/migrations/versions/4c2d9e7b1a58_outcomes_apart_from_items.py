"""outcomes apart from items: an item is frozen with its job, its outcome is added once

Revision ID: 4c2d9e7b1a58
Revises: 68aa42e1024d
Create Date: 2026-11-23 22:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '4c2d9e7b1a58'
down_revision = '68aa42e1024d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulk_outcomes',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', shared.db.JSONType, nullable=True),
    sa.Column('before', shared.db.JSONType, nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job_id', 'relation_id')
    )
    with op.batch_alter_table('bulk_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_bulk_outcomes_job_outcome_seq', ['job_id', 'outcome', 'seq'], unique=False)
    op.execute(
        "INSERT INTO bulk_outcomes (job_id, relation_id, seq, outcome, detail, before, version, "
        "done_at) SELECT job_id, relation_id, seq, outcome, detail, before, version, "
        "coalesce(done_at, CURRENT_TIMESTAMP) FROM bulk_items WHERE outcome <> 'pending'")
    # Outside an undo the item's detail, before-image and version were its outcome's, now
    # kept with the outcome. (An undo that ran had overwritten its items' with its own
    # outcomes: what it was to put back is not known any more.)
    op.execute("UPDATE bulk_items SET detail = NULL, before = NULL, version = NULL WHERE job_id "
               "IN (SELECT id FROM bulk_jobs WHERE undo_of IS NULL)")
    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_items_job_outcome_seq')
        batch_op.drop_column('outcome')
        batch_op.drop_column('done_at')


def downgrade() -> None:
    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=False,
                                      server_default='pending'))
        batch_op.create_index('ix_bulk_items_job_outcome_seq', ['job_id', 'outcome', 'seq'], unique=False)
    op.execute(
        "UPDATE bulk_items SET outcome = o.outcome, detail = o.detail, before = o.before, "
        "version = o.version, done_at = o.done_at FROM bulk_outcomes AS o "
        "WHERE o.job_id = bulk_items.job_id AND o.relation_id = bulk_items.relation_id")
    with op.batch_alter_table('bulk_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_outcomes_job_outcome_seq')
    op.drop_table('bulk_outcomes')
