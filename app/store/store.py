"""The kiosk database: catalog, customers, face templates, sales and the audit log.

Every public method is one transaction. Writes go through one lock (the single writer of the design)
and, on SQLite, take the database write lock up front; a sale, its lines and its audit entry commit
together or not at all. Callers get plain dataclasses, never ORM objects. Only the URL differs
between SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.core.cart import CartLine
from app.core.catalog import MAX_PRICE_WON, Catalog, CatalogError, Product, load_catalog_csv
from app.store import migrate
from app.store.engine import make_engine, scrub, writer
from app.store.models import (
    AuditRow,
    CustomerRow,
    FaceTemplateRow,
    ProductRow,
    SaleLineRow,
    SaleRow,
    utcnow,
)
from app.store.records import AuditEntry, CustomerRecord, FaceTemplateRecord, SaleLineRecord, SaleRecord

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RECEIPT_RETRIES = 5
_PHONE_RE = re.compile(r"[0-9]{4}")


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as the kiosk's local time."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def _product(row: ProductRow) -> Product:
    return Product(sku=row.sku, name_ko=row.name_ko, name_en=row.name_en, price_won=row.price_won,
                   detector_class=row.detector_class, age_restricted=row.age_restricted, active=row.active)


def _sale(row: SaleRow) -> SaleRecord:
    lines = tuple(SaleLineRecord(sku=ln.sku, name=ln.name, unit_price_won=ln.unit_price_won, count=ln.count,
                                 line_total_won=ln.line_total_won) for ln in row.lines)
    return SaleRecord(id=row.id, receipt_no=row.receipt_no, created_at=row.created_at,
                      customer_id=row.customer_id, total_won=row.total_won,
                      payment_method=row.payment_method, status=row.status, lines=lines)


def _customer(row: CustomerRow) -> CustomerRecord:
    return CustomerRecord(customer_id=row.customer_id, name=row.name, consent_at=row.consent_at,
                          backend=row.backend, created_at=row.created_at, phone_last4=row.phone_last4)


class Store:
    """One database behind SQLAlchemy. ``Store.open(url)`` = constructor + :meth:`migrate`."""

    def __init__(self, url: str, *, clock: Clock | None = None, echo: bool = False) -> None:
        self.url = url
        self._clock = clock or utcnow
        self._engine = make_engine(url, echo=echo)
        self._read = sessionmaker(self._engine, expire_on_commit=False)
        self._write = sessionmaker(writer(self._engine), expire_on_commit=False)
        self._write_lock = threading.RLock()

    @classmethod
    def open(cls, url: str, *, clock: Clock | None = None) -> Store:
        store = cls(url, clock=clock)
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def engine(self) -> Engine:
        """For diagnostics and tests; application code uses the methods."""
        return self._engine

    def migrate(self) -> None:
        """Bring the schema to the newest version (``alembic upgrade head``); safe to repeat."""
        with self._write_lock:
            migrate.upgrade(self._engine)

    def schema_revision(self) -> str | None:
        return migrate.current_revision(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> datetime:
        return _aware(self._clock())

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._write_lock, self._write() as session, session.begin():
            yield session

    def _audit_row(self, session: Session, kind: str, detail: dict[str, Any], actor: str) -> None:
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        session.add(AuditRow(at=self._now(), kind=kind, actor=actor, detail=text))

    # -- catalog ---------------------------------------------------------------------------------
    def import_catalog_file(self, path: str | Path, *, actor: str = "kiosk") -> int:
        """Validate the whole file, then upsert every row in one transaction; returns the row count.

        The file has no ``active`` column: new products start active, existing ones keep their flag.
        A detector class still held by a product the file does not list is an error (nothing changes).
        """
        products = load_catalog_csv(path)
        now = self._now()
        with self._writing() as session:
            existing = {row.sku: row for row in session.scalars(select(ProductRow))}
            listed = {p.sku for p in products}
            held = {row.detector_class: row.sku for row in existing.values() if row.sku not in listed}
            for p in products:
                if p.detector_class in held:
                    owner = held[p.detector_class]
                    raise CatalogError(path, 0, f"sku {p.sku!r}: detector_class {p.detector_class!r} "
                                       f"belongs to product {owner!r}, which this file does not list")
            # Free the classes first so swapping classes between two products cannot collide.
            for p in products:
                row = existing.get(p.sku)
                if row is not None and row.detector_class != p.detector_class:
                    row.detector_class = f"~{row.sku}"
            session.flush()
            for p in products:
                row = existing.get(p.sku)
                if row is None:
                    row = ProductRow(sku=p.sku, active=True)
                    session.add(row)
                row.name_ko, row.name_en, row.price_won = p.name_ko, p.name_en, p.price_won
                row.detector_class, row.age_restricted = p.detector_class, p.age_restricted
                row.updated_at = now
            added = len(listed - existing.keys())
            self._audit_row(session, "catalog_import", {"file": str(path), "rows": len(products),
                                                        "added": added}, actor)
        log.info("imported %d products from %s (%d new)", len(products), path, added)
        return len(products)

    def seed_catalog_if_empty(self, path: str | Path) -> bool:
        """Import ``path`` only when the products table is empty; True when it did."""
        with self._read() as session:
            if session.scalar(select(func.count()).select_from(ProductRow)):
                return False
        self.import_catalog_file(path, actor="seed")
        return True

    def load_catalog(self) -> Catalog:
        """All products (active or not), ordered by SKU."""
        with self._read() as session:
            rows = session.scalars(select(ProductRow).order_by(ProductRow.sku)).all()
            return Catalog(_product(row) for row in rows)

    def _product_row(self, session: Session, sku: str) -> ProductRow:
        row = session.get(ProductRow, sku)
        if row is None:
            raise KeyError(f"no product with sku {sku!r}")
        return row

    def set_price(self, sku: str, price_won: int, *, actor: str = "admin") -> None:
        if isinstance(price_won, bool) or not isinstance(price_won, int):
            raise TypeError("price_won must be an int")
        if not 0 < price_won <= MAX_PRICE_WON:
            raise ValueError(f"price {price_won} won is outside 1..{MAX_PRICE_WON:,}")
        with self._writing() as session:
            row = self._product_row(session, sku)
            old, row.price_won, row.updated_at = row.price_won, price_won, self._now()
            self._audit_row(session, "price_changed", {"sku": sku, "old": old, "new": price_won}, actor)

    def set_active(self, sku: str, active: bool, *, actor: str = "admin") -> None:
        with self._writing() as session:
            row = self._product_row(session, sku)
            row.active, row.updated_at = bool(active), self._now()
            self._audit_row(session, "product_active", {"sku": sku, "active": bool(active)}, actor)

    # -- sales -----------------------------------------------------------------------------------
    def record_sale(self, cart_lines: Iterable[CartLine], customer_id: str | None = None,
                    payment_method: str = "face", *, actor: str = "kiosk",
                    _before_commit: Callable[[], None] | None = None) -> str:
        """Store a completed sale with its lines and an audit entry atomically; returns the receipt no.

        The total is computed from the lines. Receipt numbers are ``R<local yyyymmdd>-<6-digit seq>``.
        ``_before_commit`` is a test hook: called after every row of the sale is flushed to the
        database and before COMMIT (the crash-consistency test kills the process inside it).
        """
        lines = list(cart_lines)
        if not lines:
            raise ValueError("a sale needs at least one line")
        for line in lines:
            if line.count <= 0:
                raise ValueError(f"line {line.product.sku!r} has count {line.count}")
        if not payment_method or len(payment_method) > 32:
            raise ValueError(f"bad payment method {payment_method!r}")
        total = sum(line.line_total for line in lines)
        for attempt in range(1, RECEIPT_RETRIES + 1):
            try:
                with self._writing() as session:
                    if customer_id is not None and session.get(CustomerRow, customer_id) is None:
                        raise KeyError(f"no customer {customer_id!r}")
                    now = self._now()
                    receipt_no = self._next_receipt_no(session, now)
                    sale = SaleRow(receipt_no=receipt_no, created_at=now, customer_id=customer_id,
                                   total_won=total, payment_method=payment_method, status="completed")
                    sale.lines = [SaleLineRow(sku=ln.product.sku, name=ln.product.name_ko,
                                              unit_price_won=ln.product.price_won, count=ln.count,
                                              line_total_won=ln.line_total) for ln in lines]
                    session.add(sale)
                    self._audit_row(session, "sale", {"receipt_no": receipt_no, "total_won": total,
                                                      "lines": len(lines), "payment_method": payment_method,
                                                      "customer_id": customer_id}, actor)
                    session.flush()
                    if _before_commit is not None:
                        _before_commit()
            except IntegrityError as exc:
                # Another kiosk on a shared server took the same receipt number: try the next one.
                if attempt == RECEIPT_RETRIES or "receipt_no" not in str(exc.orig):
                    raise
                log.warning("receipt number %s taken, retrying", receipt_no)
                continue
            log.info("sale %s: %d lines, %d won", receipt_no, len(lines), total)
            return receipt_no
        raise AssertionError("unreachable")

    def _next_receipt_no(self, session: Session, now: datetime) -> str:
        prefix = f"R{now.astimezone():%Y%m%d}-"
        last = session.scalar(select(func.max(SaleRow.receipt_no))
                              .where(SaleRow.receipt_no.like(prefix + "%")))
        seq = int(last[len(prefix):]) + 1 if last else 1
        if seq > 999_999:
            raise RuntimeError(f"receipt numbers for {prefix[1:-1]} are exhausted")
        return f"{prefix}{seq:06d}"

    def sales_between(self, start: datetime, end: datetime) -> list[SaleRecord]:
        """Sales with ``start <= created_at < end`` (naive datetimes are local time), oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(SaleRow).options(selectinload(SaleRow.lines))
                .where(SaleRow.created_at >= _aware(start), SaleRow.created_at < _aware(end))
                .order_by(SaleRow.created_at, SaleRow.id)).all()
            return [_sale(row) for row in rows]

    def sales_of_day(self, day: date) -> list[SaleRecord]:
        """Sales of one calendar day in the kiosk's local time."""
        start = datetime.combine(day, time()).astimezone()
        end = datetime.combine(day + timedelta(days=1), time()).astimezone()
        return self.sales_between(start, end)

    def sale(self, receipt_no: str) -> SaleRecord:
        with self._read() as session:
            row = session.scalar(select(SaleRow).options(selectinload(SaleRow.lines))
                                 .where(SaleRow.receipt_no == receipt_no))
            if row is None:
                raise KeyError(f"no sale with receipt number {receipt_no!r}")
            return _sale(row)

    # -- audit -----------------------------------------------------------------------------------
    def audit(self, kind: str, detail: dict[str, Any], actor: str = "kiosk") -> None:
        """Append one audit entry (its own transaction). ``detail`` must be JSON-serialisable."""
        with self._writing() as session:
            self._audit_row(session, kind, detail, actor)

    def audit_entries(self, limit: int = 100, kind: str | None = None) -> list[AuditEntry]:
        """The newest entries first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        with self._read() as session:
            return [AuditEntry(id=r.id, at=r.at, kind=r.kind, actor=r.actor, detail=json.loads(r.detail))
                    for r in session.scalars(query)]

    # -- customers and face templates -----------------------------------------------------------
    def add_customer(self, name: str, *, consent_at: datetime, backend: str, phone_last4: str | None = None,
                     customer_id: str | None = None, actor: str = "kiosk") -> CustomerRecord:
        """Register a customer who has consented; the id is a random hex string unless given."""
        name = name.strip()
        if not name or len(name) > 80:
            raise ValueError("customer name must be 1-80 characters")
        if phone_last4 is not None and not _PHONE_RE.fullmatch(phone_last4):
            raise ValueError("phone_last4 must be exactly four digits")
        if not backend:
            raise ValueError("backend must name the face embedder")
        row = CustomerRow(customer_id=customer_id or uuid.uuid4().hex, name=name,
                          consent_at=_aware(consent_at), backend=backend, created_at=self._now(),
                          phone_last4=phone_last4)
        with self._writing() as session:
            session.add(row)
            self._audit_row(session, "customer_added", {"customer_id": row.customer_id,
                                                        "backend": backend}, actor)
        return _customer(row)

    def list_customers(self) -> list[CustomerRecord]:
        with self._read() as session:
            rows = session.scalars(select(CustomerRow).order_by(CustomerRow.created_at, CustomerRow.name))
            return [_customer(row) for row in rows]

    def add_face_template(self, customer_id: str, pose: str, backend: str, template: bytes) -> int:
        """Store one (already encrypted) template; returns its id."""
        if not isinstance(template, bytes) or not template:
            raise ValueError("template must be non-empty bytes")
        with self._writing() as session:
            if session.get(CustomerRow, customer_id) is None:
                raise KeyError(f"no customer {customer_id!r}")
            row = FaceTemplateRow(customer_id=customer_id, pose=pose, backend=backend, template=template,
                                  created_at=self._now())
            session.add(row)
            session.flush()
            return row.id

    def face_templates(self, customer_id: str | None = None) -> list[FaceTemplateRecord]:
        query = select(FaceTemplateRow).order_by(FaceTemplateRow.id)
        if customer_id is not None:
            query = query.where(FaceTemplateRow.customer_id == customer_id)
        with self._read() as session:
            return [FaceTemplateRecord(id=r.id, customer_id=r.customer_id, pose=r.pose, backend=r.backend,
                                       template=r.template, created_at=r.created_at)
                    for r in session.scalars(query)]

    def delete_customer(self, customer_id: str, *, actor: str = "admin") -> int:
        """Delete a customer and all their face templates; returns how many templates were removed.

        Their past sales stay (the customer link becomes NULL). The audit entry holds no biometric data.
        """
        with self._writing() as session:
            if session.get(CustomerRow, customer_id) is None:
                raise KeyError(f"no customer {customer_id!r}")
            removed = session.execute(
                delete(FaceTemplateRow).where(FaceTemplateRow.customer_id == customer_id)).rowcount
            session.execute(delete(CustomerRow).where(CustomerRow.customer_id == customer_id))
            self._audit_row(session, "customer_deleted", {"customer_id": customer_id,
                                                          "templates_removed": removed}, actor)
        scrub(self._engine)
        log.info("deleted customer %s and %d face templates", customer_id, removed)
        return removed

    # -- catalog administration ------------------------------------------------------------------
    def add_product(self, product: Product, *, actor: str = "admin") -> None:
        """Add one new product (active or not as ``product.active`` says), audited.

        The values are checked as strictly as a catalog file's; an SKU or detector class that another
        product already has raises ``ValueError`` and nothing changes.
        """
        from app.core.catalog import CLASS_RE, MAX_NAME_LEN, SKU_RE

        sku, cls, price = product.sku, product.detector_class, product.price_won
        if not isinstance(sku, str) or not SKU_RE.fullmatch(sku):
            raise ValueError(f"sku {sku!r} must be 1-32 letters, digits or '-'")
        for column, name in (("name_ko", product.name_ko), ("name_en", product.name_en)):
            if not isinstance(name, str) or not name.strip() or name != name.strip():
                raise ValueError(f"{column} must be non-empty text without surrounding spaces")
            if len(name) > MAX_NAME_LEN or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
                raise ValueError(f"{column} must be at most {MAX_NAME_LEN} characters without control "
                                 "characters")
        if isinstance(price, bool) or not isinstance(price, int):
            raise TypeError("price_won must be an int")
        if not 0 < price <= MAX_PRICE_WON:
            raise ValueError(f"price {price} won is outside 1..{MAX_PRICE_WON:,}")
        if not isinstance(cls, str) or not CLASS_RE.fullmatch(cls):
            raise ValueError(f"detector_class {cls!r} must be 1-64 lowercase letters, digits or '_'")
        with self._writing() as session:
            if session.get(ProductRow, sku) is not None:
                raise ValueError(f"a product with sku {sku!r} already exists")
            owner = session.scalar(select(ProductRow.sku).where(ProductRow.detector_class == cls))
            if owner is not None:
                raise ValueError(f"detector class {cls!r} already belongs to product {owner!r}")
            session.add(ProductRow(sku=sku, name_ko=product.name_ko, name_en=product.name_en,
                                   price_won=price, detector_class=cls,
                                   age_restricted=bool(product.age_restricted),
                                   active=bool(product.active), updated_at=self._now()))
            self._audit_row(session, "product_added", {
                "sku": sku, "name_ko": product.name_ko, "name_en": product.name_en, "price_won": price,
                "detector_class": cls, "age_restricted": bool(product.age_restricted),
                "active": bool(product.active)}, actor)
        log.info("added product %s (%s, %d won)", sku, cls, price)
