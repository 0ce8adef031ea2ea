"""portal accounts, relation contacts, e-mail outbox

Revision ID: dacbd6f3b13f
Revises: b63997761a21
Create Date: 2026-11-23 07:43:10.584125
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = 'dacbd6f3b13f'
down_revision = 'b63997761a21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_outbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('message_key', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('sender_address', sa.String(length=320), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_key')
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_outbox_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_email_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('mail_sender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('portal_url', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('portal_accounts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('account_type', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_accounts_relation_id'), ['relation_id'], unique=False)
        batch_op.create_index('uq_portal_accounts_live_email', ['email'], unique=True, postgresql_where=sa.text("status <> 'deleted'"), sqlite_where=sa.text("status <> 'deleted'"))
        batch_op.create_index('uq_portal_accounts_live_relation', ['relation_id'], unique=True, postgresql_where=sa.text("status <> 'deleted'"), sqlite_where=sa.text("status <> 'deleted'"))

    op.create_table('portal_one_time_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('portal_one_time_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_one_time_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('relation_contacts',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('name', sa.String(length=400), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('merge_id', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('relation_id')
    )
    with op.batch_alter_table('relation_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relation_contacts_email'), ['email'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('relation_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relation_contacts_email'))

    op.drop_table('relation_contacts')
    with op.batch_alter_table('portal_one_time_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_one_time_tokens_account_id'))

    op.drop_table('portal_one_time_tokens')
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.drop_index('uq_portal_accounts_live_relation', postgresql_where=sa.text("status <> 'deleted'"), sqlite_where=sa.text("status <> 'deleted'"))
        batch_op.drop_index('uq_portal_accounts_live_email', postgresql_where=sa.text("status <> 'deleted'"), sqlite_where=sa.text("status <> 'deleted'"))
        batch_op.drop_index(batch_op.f('ix_portal_accounts_relation_id'))

    op.drop_table('portal_accounts')
    op.drop_table('mail_sender')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_email_outbox_due')
        batch_op.drop_index(batch_op.f('ix_email_outbox_account_id'))

    op.drop_table('email_outbox')
