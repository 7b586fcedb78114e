"""Fault injection at the database: locked by another process, disk full, a torn commit, a damaged file.

After each fault the failed sale is absent (nothing partial), the ledger is otherwise unchanged, the
error says what happened and names the database, and the next sale works once the fault is gone.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.core.cart import CartLine
from app.core.catalog import Product
from app.store import engine as engine_module
from app.store.errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreUnavailable
from app.store.store import Store

ROOT = Path(__file__).resolve().parents[2]
FSIZE_CHILD = Path(__file__).with_name("fsize_child.py")
HEAD = "sku,name_ko,name_en,price_won,detector_class,age_restricted"

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("LOCKED", flush=True)
sys.stdin.read()
conn.rollback()
"""


def product(i: int) -> Product:
    return Product(f"SKU-{i}", f"상품 {i}", f"Product {i}", 100 + i, f"class_{i}")


def lines(count: int, start: int = 0) -> list[CartLine]:
    return [CartLine(product(i), 1 + i % 3) for i in range(start, start + count)]


def ledger(db_path: Path) -> dict[str, Any]:
    """Everything a sale touches, read with a plain sqlite3 connection (WAL readers are never blocked)."""
    with closing(sqlite3.connect(db_path)) as raw:
        return {
            "sales": raw.execute("SELECT id, receipt_no, total_won FROM sales ORDER BY id").fetchall(),
            "lines": raw.execute("SELECT sale_id, sku, count, line_total_won FROM sale_lines "
                                 "ORDER BY id").fetchall(),
            "audit": raw.execute("SELECT id, kind, detail FROM audit_log ORDER BY id").fetchall(),
            "products": raw.execute("SELECT * FROM products ORDER BY sku").fetchall(),
        }


def consistent(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        orphans = raw.execute("SELECT COUNT(*) FROM sale_lines l LEFT JOIN sales s ON s.id = l.sale_id "
                              "WHERE s.id IS NULL").fetchone()
        assert orphans == (0,)
        mismatched = raw.execute(
            "SELECT s.receipt_no FROM sales s LEFT JOIN sale_lines l ON l.sale_id = s.id "
            "GROUP BY s.id HAVING COUNT(l.id) = 0 OR SUM(l.line_total_won) != s.total_won").fetchall()
        assert mismatched == []
        sales = raw.execute("SELECT COUNT(*) FROM sales").fetchone()[0]
        audited = raw.execute("SELECT COUNT(*) FROM audit_log WHERE kind = 'sale'").fetchone()[0]
        assert sales == audited


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.db"


@pytest.fixture
def store(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)  # read when each connection is made
    s = Store.open(f"sqlite:///{db_path}")
    s.record_sale(lines(2))
    yield s
    s.close()


@pytest.fixture
def locker(db_path: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the database's write lock (BEGIN EXCLUSIVE) until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "LOCKED"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(10)
        proc.stdout.close()


def unlock(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    assert proc.wait(10) == 0


def test_a_sale_while_another_process_locks_the_database_fails_clearly_after_the_busy_timeout(
        store: Store, db_path: Path, locker: subprocess.Popen) -> None:
    before = ledger(db_path)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as info:
        store.record_sale(lines(5))
    waited = time.monotonic() - started
    assert 0.25 <= waited < 2.5, "bounded by the busy timeout, not forever and not at once"
    message = str(info.value)
    assert str(db_path) in message and "locked by another program" in message
    assert "nothing was saved" in message
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    assert ledger(db_path) == before
    store.load_catalog()  # reads still work meanwhile (WAL): the kiosk can show its catalog
    unlock(locker)
    receipt = store.record_sale(lines(1))
    assert ledger(db_path)["sales"][-1][1] == receipt and len(ledger(db_path)["sales"]) == 2
    consistent(db_path)


def test_a_catalog_import_while_the_database_is_locked_changes_nothing(
        store: Store, db_path: Path, locker: subprocess.Popen, tmp_path: Path) -> None:
    catalog = tmp_path / "c.csv"
    catalog.write_text(f"{HEAD}\nA-1,가,A,1000,class_a,false\n", encoding="utf-8")
    before = ledger(db_path)
    with pytest.raises(StoreBusy):
        store.import_catalog_file(catalog)
    assert ledger(db_path) == before
    unlock(locker)
    assert store.import_catalog_file(catalog) == 1


def full_disk(store: Store, db_path: Path) -> Any:
    """From now on the database may not grow by a single page (SQLite's max_page_count), as on a full
    disk; returns the listener to remove when space is back."""
    with closing(sqlite3.connect(db_path)) as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()  # new connections get the cap
    return cap


def test_a_full_disk_while_saving_a_sale_saves_none_of_it_and_the_next_sale_works(
        store: Store, db_path: Path) -> None:
    before = ledger(db_path)
    cap = full_disk(store, db_path)
    with pytest.raises(StoreFull) as info:
        store.record_sale(lines(300))
    assert str(db_path) in str(info.value) and "disk is full" in str(info.value)
    assert ledger(db_path) == before
    consistent(db_path)
    event.remove(store.engine, "connect", cap)  # space is back
    store.engine.dispose()
    receipt = store.record_sale(lines(300))
    after = ledger(db_path)
    assert after["sales"][-1][1] == receipt and len(after["sales"]) == len(before["sales"]) + 1
    assert receipt.endswith("-000002"), "the failed sale used up no receipt number"
    consistent(db_path)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="RLIMIT_FSIZE on Linux")
def test_a_file_size_limit_hit_during_a_sale_saves_none_of_it(tmp_path: Path) -> None:
    db_path = tmp_path / "kiosk.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                                        if p)}
    result = subprocess.run([sys.executable, str(FSIZE_CHILD), str(db_path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 3 and out[0].startswith("SAVED") and out[2].startswith("SAVED"), out
    kind, _, message = out[1].removeprefix("FAILED ").partition(" ")
    assert out[1].startswith("FAILED") and kind in ("StoreFull", "StoreIOError"), out[1]
    assert str(db_path) in message and "nothing was saved" in message
    consistent(db_path)
    receipts = [row[1] for row in ledger(db_path)["sales"]]
    assert receipts == [out[0].split()[1], out[2].split()[1]]
    assert len(ledger(db_path)["lines"]) == 2 + 3


def test_a_commit_torn_by_a_crash_leaves_the_whole_sale_or_none_of_it(tmp_path: Path) -> None:
    """The process dies while COMMIT writes the WAL: recovery keeps only fully written transactions."""
    db_path = tmp_path / "live" / "kiosk.db"
    store = Store.open(f"sqlite:///{db_path}")
    wal = Path(f"{db_path}-wal")
    try:
        first = store.record_sale(lines(2))
        committed = wal.stat().st_size
        store.record_sale(lines(200, start=10))
        written = wal.stat().st_size
        snapshot = {name: (db_path.parent / name).read_bytes() for name in ("kiosk.db", "kiosk.db-wal")}
    finally:
        store.close()
    frame = 24 + 4096
    assert written - committed >= 3 * frame, "the second sale spans several WAL frames"
    cuts = [committed, committed + frame // 2, committed + frame, written - frame, written - 1, written]
    for cut in cuts:
        crashed = tmp_path / f"cut-{cut}"
        crashed.mkdir()
        (crashed / "kiosk.db").write_bytes(snapshot["kiosk.db"])
        (crashed / "kiosk.db-wal").write_bytes(snapshot["kiosk.db-wal"][:cut])
        consistent(crashed / "kiosk.db")
        receipts = [row[1] for row in ledger(crashed / "kiosk.db")["sales"]]
        assert receipts[0] == first and len(receipts) == (2 if cut == written else 1), cut
    recovered = Store.open(f"sqlite:///{tmp_path / f'cut-{cuts[2]}' / 'kiosk.db'}")
    try:
        assert recovered.record_sale(lines(1)).endswith("-000002")
    finally:
        recovered.close()


def test_a_damaged_database_file_is_refused_naming_it(tmp_path: Path) -> None:
    db_path = tmp_path / "kiosk.db"
    db_path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreCorrupt) as info:
        Store.open(f"sqlite:///{db_path}")
    assert str(db_path) in str(info.value) and "damaged" in str(info.value)
    assert isinstance(info.value, StoreError)


def test_a_database_from_a_newer_kiosk_is_refused_and_left_alone(store: Store, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as raw, raw:
        raw.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    before = ledger(db_path)
    with pytest.raises(StoreUnavailable, match=r"revision 'ffff9999'.*newer version"):
        Store.open(f"sqlite:///{db_path}")
    assert ledger(db_path) == before


@pytest.mark.parametrize("url, fragment", [
    ("nonsense", "not a valid database URL"),
    ("postgresql+nosuchdriver://kiosk:s3cret@db.local/store", "cannot use this database URL"),
    ("oracle+nosuch://kiosk:s3cret@db.local/store", "cannot use this database URL"),
])
def test_a_bad_database_url_is_refused_without_showing_the_password(url: str, fragment: str) -> None:
    with pytest.raises(StoreUnavailable) as info:
        Store(url)
    assert fragment in str(info.value) and "s3cret" not in str(info.value)


def test_a_database_folder_that_cannot_be_made_is_refused_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="cannot create the database folder"):
        Store(f"sqlite:///{blocker / 'sub' / 'kiosk.db'}")

