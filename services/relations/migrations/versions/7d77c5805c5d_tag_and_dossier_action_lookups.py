"""tag and dossier action lookups

Revision ID: 7d77c5805c5d
Revises: 3083496efc78
Create Date: 2026-11-23 05:20:26.691545
"""
from alembic import op


revision = '7d77c5805c5d'
down_revision = '3083496efc78'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written by hand: "which relations carry this tag / which dossiers this action" is the
    # jsonb ? operator, which a GIN index answers on PostgreSQL. SQLite (embedded) scans
    # json_each instead and needs nothing here.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_relations_tags", "relations", ["tags"], postgresql_using="gin")
        op.create_index("ix_dossiers_actions", "dossiers", ["actions"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_dossiers_actions", table_name="dossiers")
        op.drop_index("ix_relations_tags", table_name="relations")
