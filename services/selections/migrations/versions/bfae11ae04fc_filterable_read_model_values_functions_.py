"""filterable read model: values, functions, dossiers, definitions, tombstones

relation_view is rebuilt in its new shape from the states it kept; functions, dossiers and
definitions were not kept before and come with the rebuild from relations.

Revision ID: bfae11ae04fc
Revises: 4c6d99d777b3
Create Date: 2026-11-23 06:12:09.133688
"""
from alembic import op
import sqlalchemy as sa
import shared.db

revision = 'bfae11ae04fc'
down_revision = '4c6d99d777b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('definitions',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key')
    )
    op.create_table('dossier_actions',
    sa.Column('dossier_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', 'action')
    )
    with op.batch_alter_table('dossier_actions', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_actions_action', ['action', 'dossier_id'], unique=False)

    op.create_table('dossier_members',
    sa.Column('dossier_id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', 'relation_id')
    )
    with op.batch_alter_table('dossier_members', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_members_relation', ['relation_id'], unique=False)

    op.create_table('dossier_view',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('field_definitions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('options', shared.db.JSONType, nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('function_view',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('function_view', schema=None) as batch_op:
        batch_op.create_index('ix_function_view_organisation', ['organisation_id', 'role'], unique=False)
        batch_op.create_index('ix_function_view_relation', ['relation_id'], unique=False)
        batch_op.create_index('ix_function_view_role', ['role', 'relation_id'], unique=False)

    op.create_table('gone_relations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('merge_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('merge_records',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('keep_id', sa.String(length=36), nullable=False),
    sa.Column('merged_ids', shared.db.JSONType, nullable=False),
    sa.Column('moved_functions', shared.db.JSONType, nullable=False),
    sa.Column('undone', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('merge_id')
    )
    relation_values = op.create_table('relation_values',
    sa.Column('relation_id', sa.String(length=36), nullable=False),
    sa.Column('attribute', sa.String(length=80), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=True),
    sa.Column('long', sa.Text(), nullable=True),
    sa.Column('number', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('relation_id', 'attribute', 'seq')
    )
    with op.batch_alter_table('relation_values', schema=None) as batch_op:
        batch_op.create_index('ix_relation_values_number', ['attribute', 'number', 'relation_id'], unique=False)
        batch_op.create_index('ix_relation_values_text', ['attribute', 'text', 'relation_id'], unique=False, postgresql_ops={'text': 'text_pattern_ops'})

    rows = op.get_bind().execute(sa.text("SELECT state FROM relation_view")).all()
    # The old relation_view had expression indexes and other columns: build it anew.
    op.drop_index('ix_relation_view_last_name', 'relation_view')
    op.drop_index('ix_relation_view_city', 'relation_view')
    op.drop_table('relation_view')
    relation_view = op.create_table('relation_view',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('account', sa.String(length=20), server_default='none', nullable=False),
    sa.Column('name', sa.String(length=400), nullable=True),
    sa.Column('initials', sa.String(length=40), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('infix', sa.String(length=40), nullable=True),
    sa.Column('last_name', sa.String(length=150), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('house_number', sa.String(length=20), nullable=True),
    sa.Column('postcode', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', shared.db.JSONType, nullable=False),
    sa.Column('absorbed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relation_view', schema=None) as batch_op:
        batch_op.create_index('ix_relation_view_birth_date', ['birth_date'], unique=False)
        batch_op.create_index('ix_relation_view_city', ['city'], unique=False, postgresql_ops={'city': 'text_pattern_ops'})
        batch_op.create_index('ix_relation_view_last_name', ['last_name'], unique=False, postgresql_ops={'last_name': 'text_pattern_ops'})
        batch_op.create_index('ix_relation_view_name', ['name'], unique=False, postgresql_ops={'name': 'text_pattern_ops'})
        batch_op.create_index('ix_relation_view_postcode', ['postcode'], unique=False, postgresql_ops={'postcode': 'text_pattern_ops'})
        batch_op.create_index('ix_relation_view_status', ['status', 'id'], unique=False)
    _reproject([row.state for row in rows], relation_view, relation_values)


def _reproject(states, relation_view, relation_values) -> None:
    """The relations held before, in the new shape, from the states kept with them. Functions,
    dossiers and definitions were not kept before: the rebuild from relations brings them."""
    import json
    from datetime import UTC, datetime

    from services.selections.projection.rows import value_rows, view_columns

    at = datetime.now(UTC)
    states = [json.loads(state) if isinstance(state, str) else state for state in states]
    names = set(relation_view.c.keys())
    views = [{k: v for k, v in view_columns(state, at).items() if k in names} for state in states]
    values = [row for state in states for row in value_rows(state)]
    for chunk in range(0, len(views), 500):
        op.bulk_insert(relation_view, views[chunk:chunk + 500])
    for chunk in range(0, len(values), 500):
        op.bulk_insert(relation_values, values[chunk:chunk + 500])


def downgrade() -> None:
    # The read model of the revision before, empty: a rebuild from relations fills it.
    op.drop_table('relation_view')
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
    op.create_index('ix_relation_view_email', 'relation_view', ['email'])
    op.create_index('ix_relation_view_city', 'relation_view', [sa.text('lower(city)')])
    op.create_index('ix_relation_view_last_name', 'relation_view', [sa.text('lower(last_name)')])

    with op.batch_alter_table('relation_values', schema=None) as batch_op:
        batch_op.drop_index('ix_relation_values_text', postgresql_ops={'text': 'text_pattern_ops'})
        batch_op.drop_index('ix_relation_values_number')

    op.drop_table('relation_values')
    op.drop_table('merge_records')
    op.drop_table('gone_relations')
    with op.batch_alter_table('function_view', schema=None) as batch_op:
        batch_op.drop_index('ix_function_view_role')
        batch_op.drop_index('ix_function_view_relation')
        batch_op.drop_index('ix_function_view_organisation')

    op.drop_table('function_view')
    op.drop_table('field_definitions')
    op.drop_table('dossier_view')
    with op.batch_alter_table('dossier_members', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_members_relation')

    op.drop_table('dossier_members')
    with op.batch_alter_table('dossier_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_actions_action')

    op.drop_table('dossier_actions')
    op.drop_table('definitions')
