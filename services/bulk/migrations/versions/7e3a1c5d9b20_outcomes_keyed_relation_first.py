"""outcomes keyed relation first, and found by outcome then job: no index leads with the job

Revision ID: 7e3a1c5d9b20
Revises: 4c2d9e7b1a58
Create Date: 2026-11-23 23:00:00.000000
"""
from alembic import op

from shared.migrations import reorder_primary_key

revision = '7e3a1c5d9b20'
down_revision = '4c2d9e7b1a58'
branch_labels = None
depends_on = None


def upgrade() -> None:
    reorder_primary_key('bulk_outcomes', ['relation_id', 'job_id'])
    with op.batch_alter_table('bulk_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_outcomes_job_outcome_seq')
        batch_op.create_index('ix_bulk_outcomes_outcome_job_seq', ['outcome', 'job_id', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bulk_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_outcomes_outcome_job_seq')
        batch_op.create_index('ix_bulk_outcomes_job_outcome_seq', ['job_id', 'outcome', 'seq'], unique=False)
    reorder_primary_key('bulk_outcomes', ['job_id', 'relation_id'])
