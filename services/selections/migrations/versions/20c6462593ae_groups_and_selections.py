"""groups and selections

Revision ID: 20c6462593ae
Revises: 90b90ab6a1c7
Create Date: 2026-11-23 07:35:31.170061
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = '20c6462593ae'
down_revision = '90b90ab6a1c7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_members',
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('group_id', 'relation_id')
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index('ix_group_members_relation', ['relation_id', 'group_id'], unique=False)

    op.create_table('group_membership_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=36), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('group_membership_changes', schema=None) as batch_op:
        batch_op.create_index('ix_group_membership_changes_group', ['group_id', 'id'], unique=False)
        batch_op.create_index('ix_group_membership_changes_relation', ['relation_id', 'id'], unique=False)

    op.create_table('groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filter', shared.db.JSONType, nullable=True),
    sa.Column('combine', sa.String(length=20), nullable=True),
    sa.Column('member_groups', shared.db.JSONType, nullable=True),
    sa.Column('visible_on_portal', sa.Boolean(), nullable=False),
    sa.Column('changeable_on_portal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.create_index('ix_groups_portal', ['visible_on_portal', 'changeable_on_portal'], unique=False)

    op.create_table('selection_edits',
    sa.Column('selection_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('selection_id', 'relation_id')
    )
    op.create_table('selection_members',
    sa.Column('selection_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('selection_id', 'relation_id')
    )
    with op.batch_alter_table('selection_members', schema=None) as batch_op:
        batch_op.create_index('ix_selection_members_relation', ['relation_id', 'selection_id'], unique=False)

    op.create_table('selection_refreshes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('selection_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('joined', sa.Integer(), nullable=False),
    sa.Column('left', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('selection_refreshes', schema=None) as batch_op:
        batch_op.create_index('ix_selection_refreshes_selection', ['selection_id', 'id'], unique=False)

    op.create_table('selections',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('source', shared.db.JSONType, nullable=False),
    sa.Column('schedule', shared.db.JSONType, nullable=True),
    sa.Column('next_refresh_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('selections', schema=None) as batch_op:
        batch_op.create_index('ix_selections_next_refresh', ['next_refresh_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('selections', schema=None) as batch_op:
        batch_op.drop_index('ix_selections_next_refresh')

    op.drop_table('selections')
    with op.batch_alter_table('selection_refreshes', schema=None) as batch_op:
        batch_op.drop_index('ix_selection_refreshes_selection')

    op.drop_table('selection_refreshes')
    with op.batch_alter_table('selection_members', schema=None) as batch_op:
        batch_op.drop_index('ix_selection_members_relation')

    op.drop_table('selection_members')
    op.drop_table('selection_edits')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index('ix_groups_portal')

    op.drop_table('groups')
    with op.batch_alter_table('group_membership_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_group_membership_changes_relation')
        batch_op.drop_index('ix_group_membership_changes_group')

    op.drop_table('group_membership_changes')
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index('ix_group_members_relation')

    op.drop_table('group_members')
