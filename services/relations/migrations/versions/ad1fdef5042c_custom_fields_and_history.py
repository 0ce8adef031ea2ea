"""custom fields and history

Revision ID: ad1fdef5042c
Revises: d6488f45bac9
Create Date: 2026-11-23 05:07:45.645282
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = 'ad1fdef5042c'
down_revision = 'd6488f45bac9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_definitions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('options', shared.db.JSONType, nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('applies_to', shared.db.JSONType, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('principal', sa.String(length=120), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('via_ref', sa.String(length=64), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('before', shared.db.JSONType, nullable=True),
    sa.Column('after', shared.db.JSONType, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index('ix_history_at', ['at'], unique=False)
        batch_op.create_index('ix_history_relation', ['relation_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_relation')
        batch_op.drop_index('ix_history_at')

    op.drop_table('history')
    op.drop_table('field_definitions')
