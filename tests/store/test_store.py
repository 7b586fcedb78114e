"""The store on a temporary SQLite file: migrations, catalog import, sales, customers, audit."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from app.core.cart import Cart, CartLine
from app.core.catalog import CatalogError, Product, load_catalog_csv
from app.core.settings import RESOURCES_DIR
from app.store import migrate
from app.store.models import Base
from app.store.store import Store

DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"
HEAD = "sku,name_ko,name_en,price_won,detector_class,age_restricted"
COKE = Product("COKE-500", "코카콜라 500ml", "Coca-Cola 500ml", 2100, "coke_500ml")
MANDU = Product("BIBIGO-MANDU", "비비고 왕교자", "Bibigo Gyoza", 10980, "bibigo_mandu")
A_ROW, B_ROW = "A-1,가,A,1000,class_a,false", "B-1,나,B,2000,class_b,false"


class Clock:
    """A settable clock so receipt numbers and day boundaries are deterministic."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "data" / "kiosk.db"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 12, 0).astimezone())  # local noon


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{db_path}", clock=clock)
    yield s
    s.close()


def pragma(store: Store, name: str) -> Any:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def write_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    return path


def lines(*pairs: tuple[Product, int]) -> list[CartLine]:
    return [CartLine(p, n) for p, n in pairs]


# -- schema ----------------------------------------------------------------------------------------
def test_migrate_creates_file_and_folder_with_wal(store: Store, db_path: Path) -> None:
    assert db_path.exists()
    assert pragma(store, "journal_mode") == "wal"
    assert pragma(store, "synchronous") == 2  # FULL
    assert pragma(store, "foreign_keys") == 1
    assert pragma(store, "busy_timeout") == 5000
    assert store.schema_revision() == migrate.head_revision() == "0001"
    with closing(sqlite3.connect(db_path)) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"products", "customers", "face_templates", "sales", "sale_lines", "audit_log",
            "alembic_version"} <= tables


def test_migrate_is_idempotent(store: Store) -> None:
    store.migrate()
    store.migrate()
    assert store.schema_revision() == "0001"


def test_models_match_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(store: Store) -> None:
    config = migrate.alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert store.schema_revision() is None
    store.migrate()
    assert store.schema_revision() == "0001"


def test_write_transactions_take_the_lock_up_front(store: Store) -> None:
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    store.audit("ping", {})
    store.audit_entries(1)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("INSERT INTO face_templates (customer_id, pose, backend, template, created_at) "
                          "VALUES ('ghost', 'front', 'facenet', x'00', '2026-01-01 00:00:00')"))


def test_store_sql_stays_portable() -> None:
    """SQLite-only SQL lives behind the dialect check in engine.py, nowhere else in app/store."""
    package = Path(__file__).resolve().parents[2] / "app" / "store"
    offenders = [p.name for p in package.rglob("*.py") if p.name != "engine.py"
                 and re.search(r"PRAGMA|BEGIN IMMEDIATE|sqlite_master|AUTOINCREMENT", p.read_text("utf-8"))]
    assert offenders == []


# -- catalog ---------------------------------------------------------------------------------------
def test_seed_and_load_catalog(store: Store) -> None:
    assert store.seed_catalog_if_empty(DEMO) is True
    assert store.seed_catalog_if_empty(DEMO) is False
    catalog = store.load_catalog()
    by_sku = {p.sku: p for p in load_catalog_csv(DEMO)}
    assert {p.sku: p for p in catalog} == by_sku
    assert [e.kind for e in store.audit_entries()] == ["catalog_import"]


def test_reimport_updates_prices_keeps_active_flag_and_swaps_classes(store: Store, tmp_path: Path) -> None:
    store.import_catalog_file(write_csv(tmp_path, A_ROW, B_ROW))
    store.set_active("B-1", False)
    count = store.import_catalog_file(write_csv(
        tmp_path, "A-1,가,A,1100,class_b,false", "B-1,나,B,2000,class_a,true", "C-1,다,C,300,class_c,0"))
    assert count == 3
    catalog = store.load_catalog()
    assert catalog.by_class("class_b").sku == "A-1" and catalog.by_sku("A-1").price_won == 1100
    assert catalog.by_class("class_a").sku == "B-1" and catalog.by_sku("B-1").age_restricted
    assert catalog.by_sku("B-1").active is False  # the file has no active column
    assert catalog.by_sku("C-1").active is True
    assert store.audit_entries(1)[0].detail == {"added": 1, "file": str(tmp_path / "catalog.csv"), "rows": 3}


def snapshot(db_path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as raw:
        products = raw.execute("SELECT * FROM products ORDER BY sku").fetchall()
        audit = raw.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    return products + audit


def test_malformed_import_leaves_db_unchanged(store: Store, db_path: Path, tmp_path: Path) -> None:
    store.seed_catalog_if_empty(DEMO)
    before = snapshot(db_path)
    bad = write_csv(tmp_path, "COKE-500,코카콜라 500ml,Coca-Cola 500ml,9999,coke_500ml,false",
                    "NEW-1,새상품,New,1000,new_thing,false",
                    "BAD-1,나쁜,Bad,12.5,bad_thing,false")
    with pytest.raises(CatalogError, match=r":4: price_won '12\.5'"):
        store.import_catalog_file(bad)
    assert snapshot(db_path) == before
    assert store.load_catalog().by_sku("COKE-500").price_won == 2100


def test_import_conflicting_with_unlisted_product_leaves_db_unchanged(
        store: Store, db_path: Path, tmp_path: Path) -> None:
    store.import_catalog_file(write_csv(tmp_path, A_ROW, B_ROW))
    before = snapshot(db_path)
    with pytest.raises(CatalogError, match="belongs to product 'B-1'"):
        store.import_catalog_file(write_csv(tmp_path, "A-1,가,A,5000,class_b,false"))
    assert snapshot(db_path) == before


def test_set_price_and_active_are_audited(store: Store) -> None:
    store.seed_catalog_if_empty(DEMO)
    store.set_price("COKE-500", 2300)
    store.set_active("CASS-355", False)
    catalog = store.load_catalog()
    assert catalog.by_sku("COKE-500").price_won == 2300
    assert not catalog.by_sku("CASS-355").active
    assert "CASS-355" not in {p.sku for p in catalog.active_products()}
    kinds = [(e.kind, e.detail) for e in store.audit_entries(2)]
    assert kinds == [("product_active", {"sku": "CASS-355", "active": False}),
                     ("price_changed", {"sku": "COKE-500", "old": 2100, "new": 2300})]
    with pytest.raises(KeyError):
        store.set_price("NOPE", 100)
    with pytest.raises(ValueError):
        store.set_price("COKE-500", 0)
    with pytest.raises(TypeError):
        store.set_price("COKE-500", 2100.0)  # type: ignore[arg-type]


# -- sales -----------------------------------------------------------------------------------------
def test_record_sale(store: Store, clock: Clock) -> None:
    store.seed_catalog_if_empty(DEMO)
    cart = Cart()
    cart.set_counts({"coke_500ml": 2, "bibigo_wang_gyoza_1kg": 1}, store.load_catalog())
    receipt = store.record_sale(cart.lines, payment_method="card")
    assert receipt == "R20261123-000001"
    sale = store.sale(receipt)
    assert sale.total_won == cart.total == 2 * 2100 + 10980
    assert sale.created_at == clock.now and sale.created_at.tzinfo is UTC
    assert [(ln.sku, ln.count, ln.unit_price_won, ln.line_total_won) for ln in sale.lines] == [
        ("COKE-500", 2, 2100, 4200), ("BIBIGO-MANDU", 1, 10980, 10980)]
    assert sale.lines[0].name == "코카콜라 500ml"
    assert (sale.payment_method, sale.status, sale.customer_id) == ("card", "completed", None)
    entry = store.audit_entries(1)[0]
    assert (entry.kind, entry.detail["receipt_no"], entry.detail["total_won"]) == ("sale", receipt, 15180)


def test_receipt_numbers_count_per_local_day(store: Store, clock: Clock) -> None:
    first = store.record_sale(lines((COKE, 1)))
    second = store.record_sale(lines((COKE, 1)))
    clock.now += timedelta(days=1)
    third = store.record_sale(lines((COKE, 1)))
    assert (first, second, third) == ("R20261123-000001", "R20261123-000002", "R20261124-000001")


def test_sales_between_and_of_day(store: Store, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 23, 0, 0).astimezone()
    a = store.record_sale(lines((COKE, 1)))
    clock.now = datetime(2026, 11, 23, 23, 59, 59).astimezone()
    b = store.record_sale(lines((MANDU, 2)))
    clock.now = datetime(2026, 11, 24, 0, 0).astimezone()
    c = store.record_sale(lines((COKE, 3)))
    assert [s.receipt_no for s in store.sales_of_day(date(2026, 11, 23))] == [a, b]
    assert [s.receipt_no for s in store.sales_of_day(date(2026, 11, 24))] == [c]
    assert store.sales_of_day(date(2026, 11, 22)) == []
    between = store.sales_between(datetime(2026, 11, 23, 12, 0), datetime(2026, 11, 25))  # naive = local
    assert [(s.receipt_no, s.total_won) for s in between] == [(b, 21960), (c, 6300)]


def test_sale_input_is_validated(store: Store) -> None:
    with pytest.raises(ValueError, match="at least one line"):
        store.record_sale([])
    with pytest.raises(ValueError):
        store.record_sale(lines((COKE, 0)))
    with pytest.raises(ValueError):
        store.record_sale(lines((COKE, 1)), payment_method="")
    with pytest.raises(KeyError, match="no customer 'ghost'"):
        store.record_sale(lines((COKE, 1)), customer_id="ghost")
    assert store.sales_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)) == []


def count_rows(db_path: Path) -> tuple[int, int, int]:
    with closing(sqlite3.connect(db_path)) as raw:
        return tuple(raw.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[return-value]
                     for t in ("sales", "sale_lines", "audit_log"))


def test_failed_line_insert_rolls_back_the_whole_sale(store: Store, db_path: Path) -> None:
    store.record_sale(lines((COKE, 1)))
    before = count_rows(db_path)
    seen: list[str] = []

    def fail_on_lines(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(" ".join(statement.split()[:3]))
        if statement.startswith("INSERT INTO sale_lines"):
            raise RuntimeError("disk full (simulated)")

    event.listen(store.engine, "before_cursor_execute", fail_on_lines)
    with pytest.raises(RuntimeError, match="disk full"):
        store.record_sale(lines((COKE, 2), (MANDU, 1)))
    event.remove(store.engine, "before_cursor_execute", fail_on_lines)
    assert "INSERT INTO sales" in seen  # the sale row itself was inserted before the lines failed
    assert count_rows(db_path) == before
    assert store.record_sale(lines((COKE, 1))) == "R20261123-000002"


def test_failure_just_before_commit_rolls_back(store: Store, db_path: Path) -> None:
    before = count_rows(db_path)

    def boom() -> None:
        assert count_rows(db_path) == before  # nothing visible to other connections yet
        raise OSError("power cut (simulated)")

    with pytest.raises(OSError, match="power cut"):
        store.record_sale(lines((COKE, 2), (MANDU, 1)), _before_commit=boom)
    assert count_rows(db_path) == before


# -- customers, templates, audit -------------------------------------------------------------------
def test_customers_and_templates(store: Store, clock: Clock) -> None:
    consent = datetime(2026, 11, 23, 11, 59, tzinfo=UTC)
    kim = store.add_customer("김민수", consent_at=consent, backend="facenet", phone_last4="1234")
    lee = store.add_customer("이지은", consent_at=consent, backend="facenet", customer_id="C-LEE")
    assert lee.customer_id == "C-LEE" and re.fullmatch(r"[0-9a-f]{32}", kim.customer_id)
    assert kim.consent_at == consent and kim.phone_last4 == "1234"
    assert {c.name for c in store.list_customers()} == {"김민수", "이지은"}
    for pose in ("front", "right", "down", "left"):
        store.add_face_template(kim.customer_id, pose, "facenet", b"\x01ciphertext-" + pose.encode())
    store.add_face_template("C-LEE", "front", "facenet", b"\x02other")
    assert [t.pose for t in store.face_templates(kim.customer_id)] == ["front", "right", "down", "left"]
    assert store.face_templates("C-LEE")[0].template == b"\x02other"
    with pytest.raises(KeyError):
        store.add_face_template("ghost", "front", "facenet", b"x")
    with pytest.raises(ValueError):
        store.add_customer("박", consent_at=consent, backend="facenet", phone_last4="12a4")


def test_delete_customer_removes_templates_and_keeps_sales(store: Store, db_path: Path) -> None:
    consent = datetime(2026, 11, 23, tzinfo=UTC)
    kim = store.add_customer("김민수", consent_at=consent, backend="dlib")
    other = store.add_customer("이지은", consent_at=consent, backend="dlib")
    for pose in ("front", "left"):
        store.add_face_template(kim.customer_id, pose, "dlib", b"secret-template-bytes")
    store.add_face_template(other.customer_id, "front", "dlib", b"other-template")
    receipt = store.record_sale(lines((COKE, 1)), customer_id=kim.customer_id)
    assert store.sale(receipt).customer_id == kim.customer_id

    assert store.delete_customer(kim.customer_id) == 2
    assert [c.customer_id for c in store.list_customers()] == [other.customer_id]
    assert store.face_templates(kim.customer_id) == []
    assert len(store.face_templates()) == 1
    assert store.sale(receipt).customer_id is None  # the sale stays, unlinked
    entry = store.audit_entries(1)[0]
    assert entry.kind == "customer_deleted"
    assert entry.detail == {"customer_id": kim.customer_id, "templates_removed": 2}
    # secure_delete + checkpoint: the template bytes are gone from the files, not just unlinked
    files = [db_path, Path(f"{db_path}-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert b"secret-template-bytes" not in raw and b"other-template" in raw
    with pytest.raises(KeyError):
        store.delete_customer(kim.customer_id)


def test_audit_entries(store: Store) -> None:
    store.audit("login", {"user": "관리자", "ok": True}, actor="admin")
    store.audit("login", {"user": "관리자", "ok": False}, actor="admin")
    store.audit("camera_lost", {"camera": "counter"})
    entries = store.audit_entries(limit=2)
    assert [e.kind for e in entries] == ["camera_lost", "login"]
    assert entries[1].detail == {"user": "관리자", "ok": False} and entries[1].actor == "admin"
    assert entries[0].actor == "kiosk" and entries[0].at.tzinfo is UTC
    assert [e.detail["ok"] for e in store.audit_entries(kind="login")] == [False, True]
    store.audit("report", {"day": date(2026, 11, 23)})  # non-JSON values are stored as text
    assert store.audit_entries(1)[0].detail == {"day": "2026-11-23"}
