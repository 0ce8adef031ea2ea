"""merges

Revision ID: 516ac372b36f
Revises: 7d77c5805c5d
Create Date: 2026-11-23 05:26:12.056921
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '516ac372b36f'
down_revision = '7d77c5805c5d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('merges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('keep_id', sa.String(length=36), nullable=False),
    sa.Column('other_ids', shared.db.JSONType, nullable=False),
    sa.Column('choices', shared.db.JSONType, nullable=False),
    sa.Column('before', shared.db.JSONType, nullable=False),
    sa.Column('moved', shared.db.JSONType, nullable=False),
    sa.Column('keep_version', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('merges', schema=None) as batch_op:
        batch_op.create_index('ix_merges_keep', ['keep_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('merges', schema=None) as batch_op:
        batch_op.drop_index('ix_merges_keep')

    op.drop_table('merges')
