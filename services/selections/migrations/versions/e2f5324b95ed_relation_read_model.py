"""relation read model

Revision ID: e2f5324b95ed
Revises: 
Create Date: 2026-11-23 04:45:24.604953
"""
import sqlalchemy as sa
from alembic import op

import shared.db

revision = 'e2f5324b95ed'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', shared.db.JSONType, nullable=True),
    sa.PrimaryKeyConstraint('consumer', 'message_id')
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('exchange', sa.String(length=64), nullable=False),
    sa.Column('routing_key', sa.String(length=200), nullable=False),
    sa.Column('aggregate_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unsent', ['id'], unique=False, postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))

    op.create_table('relation_view',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=150), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('postcode', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', shared.db.JSONType, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relation_view', schema=None) as batch_op:
        batch_op.create_index('ix_relation_view_email', ['email'], unique=False)
    # Expression indexes: autogenerate cannot compare them on SQLite, so they are written here.
    op.create_index('ix_relation_view_city', 'relation_view', [sa.text('lower(city)')])
    op.create_index('ix_relation_view_last_name', 'relation_view', [sa.text('lower(last_name)')])



def downgrade() -> None:
    op.drop_index('ix_relation_view_last_name', 'relation_view')
    op.drop_index('ix_relation_view_city', 'relation_view')
    with op.batch_alter_table('relation_view', schema=None) as batch_op:
        batch_op.drop_index('ix_relation_view_email')

    op.drop_table('relation_view')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unsent', postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))

    op.drop_table('outbox')
    op.drop_table('inbox')
