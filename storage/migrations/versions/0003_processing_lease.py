"""Processing lease on raw messages: analyse outside a transaction, survive dead workers.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("raw_message", sa.Column("claimed_by", sa.String(255), nullable=True))
    op.add_column("raw_message", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("raw_message", sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("raw_message") as batch:
        batch.drop_column("claims")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
