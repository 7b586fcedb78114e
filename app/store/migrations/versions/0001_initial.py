"""Initial schema: products, customers, face templates, sales, sale lines, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name_ko", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("price_won", sa.Integer(), nullable=False),
        sa.Column("detector_class", sa.String(64), nullable=False),
        sa.Column("age_restricted", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("price_won > 0", name=op.f("ck_products_price_positive")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
        sa.UniqueConstraint("detector_class", name=op.f("uq_products_detector_class")),
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("phone_last4", sa.String(4), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
    )
    op.create_table(
        "face_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("pose", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("template", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"], ondelete="CASCADE",
                                name=op.f("fk_face_templates_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_templates")),
    )
    op.create_index(op.f("ix_face_templates_customer_id"), "face_templates", ["customer_id"])
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("receipt_no", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("total_won", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint("total_won >= 0", name=op.f("ck_sales_total_not_negative")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"], ondelete="SET NULL",
                                name=op.f("fk_sales_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_sales_receipt_no")),
    )
    op.create_index(op.f("ix_sales_created_at"), "sales", ["created_at"])
    op.create_table(
        "sale_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("unit_price_won", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("line_total_won", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_sale_lines_count_positive")),
        sa.CheckConstraint("line_total_won = unit_price_won * count",
                           name=op.f("ck_sale_lines_line_total_matches")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sale_lines_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_lines")),
    )
    op.create_index(op.f("ix_sale_lines_sale_id"), "sale_lines", ["sale_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_kind"), "audit_log", ["kind"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_kind"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_sale_lines_sale_id"), table_name="sale_lines")
    op.drop_table("sale_lines")
    op.drop_index(op.f("ix_sales_created_at"), table_name="sales")
    op.drop_table("sales")
    op.drop_index(op.f("ix_face_templates_customer_id"), table_name="face_templates")
    op.drop_table("face_templates")
    op.drop_table("customers")
    op.drop_table("products")
