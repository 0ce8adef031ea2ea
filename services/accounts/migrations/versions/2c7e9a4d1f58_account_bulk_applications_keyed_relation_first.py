"""account_bulk_applications keyed relation first (see shared.db.relation_then_job_key)

Revision ID: 2c7e9a4d1f58
Revises: d2bee052fbfe
Create Date: 2026-11-23 23:00:00.000000
"""
from shared.migrations import reorder_primary_key

revision = '2c7e9a4d1f58'
down_revision = 'd2bee052fbfe'
branch_labels = None
depends_on = None


def upgrade() -> None:
    reorder_primary_key('account_bulk_applications', ['relation_id', 'job_id'])


def downgrade() -> None:
    reorder_primary_key('account_bulk_applications', ['job_id', 'relation_id'])
