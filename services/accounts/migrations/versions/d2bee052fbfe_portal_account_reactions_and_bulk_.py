"""portal account reactions and bulk applications

Revision ID: d2bee052fbfe
Revises: f7509ffbf440
Create Date: 2026-11-23 08:01:35.227384
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = 'd2bee052fbfe'
down_revision = 'f7509ffbf440'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_bulk_applications',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('operation', sa.String(length=32), nullable=False),
    sa.Column('outcome', shared.db.JSONType, nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job_id', 'relation_id')
    )
    op.create_table('portal_lifecycle_reactions',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('account_version', sa.Integer(), nullable=True),
    sa.Column('before', shared.db.JSONType, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('relation_id')
    )
    op.create_table('portal_merge_reactions',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('merge_id')
    )
    op.create_table('portal_merge_reconciliations',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('keeper_id', sa.String(length=36), nullable=False),
    sa.Column('before', shared.db.JSONType, nullable=False),
    sa.Column('account_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('merge_id', 'account_id')
    )
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.drop_column('reason')

    op.drop_table('portal_merge_reconciliations')
    op.drop_table('portal_merge_reactions')
    op.drop_table('portal_lifecycle_reactions')
    op.drop_table('account_bulk_applications')
