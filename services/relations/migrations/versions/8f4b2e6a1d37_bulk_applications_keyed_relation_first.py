"""bulk_applications keyed relation first (see shared.db.relation_then_job_key)

Revision ID: 8f4b2e6a1d37
Revises: 5b8e2d4f6a71
Create Date: 2026-11-23 23:00:00.000000
"""
from shared.migrations import reorder_primary_key

revision = '8f4b2e6a1d37'
down_revision = '5b8e2d4f6a71'
branch_labels = None
depends_on = None


def upgrade() -> None:
    reorder_primary_key('bulk_applications', ['relation_id', 'job_id'])


def downgrade() -> None:
    reorder_primary_key('bulk_applications', ['job_id', 'relation_id'])
