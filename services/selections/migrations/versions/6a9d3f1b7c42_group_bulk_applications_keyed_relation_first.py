"""group_bulk_applications keyed relation first (see shared.db.relation_then_job_key)

Revision ID: 6a9d3f1b7c42
Revises: 3e1f7a9c2b50
Create Date: 2026-11-23 23:00:00.000000
"""
from shared.migrations import reorder_primary_key

revision = '6a9d3f1b7c42'
down_revision = '3e1f7a9c2b50'
branch_labels = None
depends_on = None


def upgrade() -> None:
    reorder_primary_key('group_bulk_applications', ['relation_id', 'job_id'])


def downgrade() -> None:
    reorder_primary_key('group_bulk_applications', ['job_id', 'relation_id'])
