"""Initial schema: registry, contacts, raw mail, ledger, submissions, audit, leases.

Timestamps are plain ``DateTime(timezone=True)`` here (same DDL as the models'
``TZDateTime``) so that this file never depends on application code that may change.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipality",
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("county_number", sa.String(2), nullable=False),
        sa.Column("county", sa.String(255), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("org_number", sa.String(9), nullable=False),
        sa.Column("health_region", sa.String(255), nullable=False),
        sa.Column("invited_default", sa.Boolean(), nullable=False),
        sa.Column("language_form", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_municipality"),
    )
    op.create_table(
        "municipality_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("alias", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_municipality_alias"),
        sa.ForeignKeyConstraint(
            ["number"], ["municipality.number"], name="fk_municipality_alias_number_municipality"
        ),
        sa.UniqueConstraint("number", "alias", "kind", name="uq_municipality_alias_number_alias_kind"),
    )
    op.create_table(
        "municipality_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_municipality_contact"),
        sa.ForeignKeyConstraint(
            ["number"], ["municipality.number"], name="fk_municipality_contact_number_municipality"
        ),
        sa.UniqueConstraint("number", "email", name="uq_municipality_contact_number_email"),
        sa.CheckConstraint("role IN ('official', 'cc')", name="ck_municipality_contact_role"),
    )
    op.create_table(
        "municipality_domain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_municipality_domain"),
        sa.ForeignKeyConstraint(
            ["number"], ["municipality.number"], name="fk_municipality_domain_number_municipality"
        ),
        sa.UniqueConstraint("number", "domain", name="uq_municipality_domain_number_domain"),
        sa.CheckConstraint("source IN ('contact', 'import')", name="ck_municipality_domain_source"),
    )
    op.create_table(
        "raw_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.CHAR(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_raw_message"),
        sa.UniqueConstraint("sha256", name="uq_raw_message_sha256"),
        sa.CheckConstraint("state IN ('new', 'processed', 'failed')", name="ck_raw_message_state"),
    )
    op.create_index("ix_raw_message_state", "raw_message", ["state"])
    op.create_table(
        "mailbox_state",
        sa.Column("mailbox", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name="pk_mailbox_state"),
    )
    op.create_table(
        "mailbox_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("raw_message_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mailbox_ledger"),
        sa.ForeignKeyConstraint(
            ["raw_message_id"], ["raw_message.id"], name="fk_mailbox_ledger_raw_message_id_raw_message"
        ),
        sa.UniqueConstraint("mailbox", "uidvalidity", "key", name="uq_mailbox_ledger_mailbox_uidvalidity_key"),
        sa.CheckConstraint("status IN ('stored', 'failed')", name="ck_mailbox_ledger_status"),
    )
    op.create_index("ix_mailbox_ledger_raw_message_id", "mailbox_ledger", ["raw_message_id"])
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raw_message_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("attachment", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("municipality_number", sa.String(4), nullable=True),
        sa.Column("signers", sa.JSON(), nullable=False),
        sa.Column("signed_date", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submission"),
        sa.ForeignKeyConstraint(
            ["raw_message_id"], ["raw_message.id"], name="fk_submission_raw_message_id_raw_message"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_number"],
            ["municipality.number"],
            name="fk_submission_municipality_number_municipality",
        ),
        sa.UniqueConstraint("raw_message_id", "part", name="uq_submission_raw_message_id_part"),
    )
    op.create_index("ix_submission_status", "submission", ["status"])
    op.create_index("ix_submission_municipality_number", "submission", ["municipality_number"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("municipality_number", sa.String(4), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_audit_log_submission_id_submission"
        ),
    )
    op.create_index("ix_audit_log_submission_id", "audit_log", ["submission_id"])
    op.create_index("ix_audit_log_municipality_number", "audit_log", ["municipality_number"])
    op.create_table(
        "lease",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_lease"),
    )


def downgrade() -> None:
    for table in (
        "lease",
        "audit_log",
        "submission",
        "mailbox_ledger",
        "mailbox_state",
        "raw_message",
        "municipality_domain",
        "municipality_contact",
        "municipality_alias",
        "municipality",
    ):
        op.drop_table(table)
