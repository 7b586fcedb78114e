"""Plain values the store hands out (never ORM objects). Datetimes are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SaleLineRecord:
    sku: str
    name: str
    unit_price_won: int
    count: int
    line_total_won: int


@dataclass(frozen=True)
class SaleRecord:
    id: int
    receipt_no: str
    created_at: datetime
    customer_id: str | None
    total_won: int
    payment_method: str
    status: str
    lines: tuple[SaleLineRecord, ...]


@dataclass(frozen=True)
class CustomerRecord:
    customer_id: str
    name: str
    consent_at: datetime
    backend: str
    created_at: datetime
    phone_last4: str | None = None


@dataclass(frozen=True)
class FaceTemplateRecord:
    """``template`` is the stored (encrypted) bytes, exactly as they were given to the store."""

    id: int
    customer_id: str
    pose: str
    backend: str
    template: bytes
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]
