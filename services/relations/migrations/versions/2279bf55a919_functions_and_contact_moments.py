"""functions and contact moments

Revision ID: 2279bf55a919
Revises: 9768481708cc
Create Date: 2026-11-23 05:18:15.197724
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '2279bf55a919'
down_revision = '9768481708cc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_moments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['relation_id'], ['relations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact_moments', schema=None) as batch_op:
        batch_op.create_index('ix_contact_moments_relation', ['relation_id', 'at', 'id'], unique=False)

    op.create_table('functions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('role_key', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['relations.id'], ),
    sa.ForeignKeyConstraint(['relation_id'], ['relations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('functions', schema=None) as batch_op:
        batch_op.create_index('ix_functions_organisation', ['organisation_id', 'start_date', 'id'], unique=False)
        batch_op.create_index('ix_functions_relation', ['relation_id', 'start_date', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('functions', schema=None) as batch_op:
        batch_op.drop_index('ix_functions_relation')
        batch_op.drop_index('ix_functions_organisation')

    op.drop_table('functions')
    with op.batch_alter_table('contact_moments', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_moments_relation')

    op.drop_table('contact_moments')
