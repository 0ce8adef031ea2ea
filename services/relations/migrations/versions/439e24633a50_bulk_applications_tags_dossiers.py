"""bulk applications; tag and dossier tables (their models landed at the same time)

Revision ID: 439e24633a50
Revises: 2279bf55a919
Create Date: 2026-11-23 05:19:10.856381
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '439e24633a50'
down_revision = '2279bf55a919'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulk_applications',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', shared.db.JSONType, nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job_id', 'relation_id')
    )
    op.create_table('dossier_action_definitions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('dossiers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actions', shared.db.JSONType, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_name', ['name', 'id'], unique=False)

    op.create_table('tag_definitions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('dossier_members',
    sa.Column('dossier_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ),
    sa.ForeignKeyConstraint(['relation_id'], ['relations.id'], ),
    sa.PrimaryKeyConstraint('dossier_id', 'relation_id')
    )
    with op.batch_alter_table('dossier_members', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_members_relation', ['relation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dossier_members', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_members_relation')

    op.drop_table('dossier_members')
    op.drop_table('tag_definitions')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_name')

    op.drop_table('dossiers')
    op.drop_table('dossier_action_definitions')
    op.drop_table('bulk_applications')
