"""Outbound mail: the outbox, and bounce marks on contacts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place, no table rebuild needed.
    op.add_column("municipality_contact", sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("municipality_contact", sa.Column("bounce_detail", sa.Text(), nullable=True))
    op.create_table(
        "outbox_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("municipality_number", sa.String(4), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("reminder_days", sa.Integer(), nullable=True),
        sa.Column("to_addrs", sa.JSON(), nullable=False),
        sa.Column("cc_addrs", sa.JSON(), nullable=False),
        sa.Column("primary_recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("auto_submitted", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("smtp_reply", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bounce_detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_mail"),
        sa.UniqueConstraint("key", name="uq_outbox_mail_key"),
        sa.UniqueConstraint("message_id", name="uq_outbox_mail_message_id"),
        sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="ck_outbox_mail_state"),
        sa.ForeignKeyConstraint(["municipality_number"], ["municipality.number"],
                                name="fk_outbox_mail_municipality_number_municipality"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"],
                                name="fk_outbox_mail_submission_id_submission"),
    )
    op.create_index("ix_outbox_mail_municipality_number", "outbox_mail", ["municipality_number"])
    op.create_index("ix_outbox_mail_submission_id", "outbox_mail", ["submission_id"])
    op.create_index("ix_outbox_mail_primary_recipient", "outbox_mail", ["primary_recipient"])
    op.create_index("ix_outbox_mail_state", "outbox_mail", ["state"])
    op.create_index("ix_outbox_mail_next_attempt_at", "outbox_mail", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("outbox_mail")
    with op.batch_alter_table("municipality_contact") as batch:
        batch.drop_column("bounce_detail")
        batch.drop_column("bounced_at")
