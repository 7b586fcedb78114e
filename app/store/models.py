"""SQLAlchemy ORM tables. Portable types only (money is Integer won); internal to ``app.store``.

The schema itself is created by the Alembic scripts in ``app/store/migrations``; a test checks that
these models and the migrations agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (the same on SQLite and PostgreSQL); read back as aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; the store needs timezone-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProductRow(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    price_won: Mapped[int] = mapped_column(Integer)
    detector_class: Mapped[str] = mapped_column(String(64), unique=True)
    age_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("price_won > 0", name="price_positive"),)


class CustomerRow(Base):
    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    backend: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phone_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)

    templates: Mapped[list[FaceTemplateRow]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True)


class FaceTemplateRow(Base):
    __tablename__ = "face_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.customer_id", ondelete="CASCADE"), index=True)
    pose: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(32))
    template: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer: Mapped[CustomerRow] = relationship(back_populates="templates")


class SaleRow(Base):
    __tablename__ = "sales"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.customer_id", ondelete="SET NULL"), nullable=True)
    total_won: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))

    lines: Mapped[list[SaleLineRow]] = relationship(
        back_populates="sale", order_by="SaleLineRow.id", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("total_won >= 0", name="total_not_negative"),)


class SaleLineRow(Base):
    __tablename__ = "sale_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    unit_price_won: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    line_total_won: Mapped[int] = mapped_column(Integer)

    sale: Mapped[SaleRow] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("line_total_won = unit_price_won * count", name="line_total_matches"),
    )


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
