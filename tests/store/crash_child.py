"""Child process for test_crash_consistency: commits some sales, then stops inside a sale's transaction.

Usage: python crash_child.py DB_PATH COMMITTED_SALES INFLIGHT_LINES

Protocol on stdout (one line each, flushed): ``COMMITTED <receipt>`` per committed sale,
``WAL_BEFORE <bytes>``, then ``PAUSED <bytes>`` from inside ``record_sale``'s ``_before_commit`` hook,
after every row of the in-flight sale has been flushed and before COMMIT. The child then blocks on stdin
until the parent kills it. It never commits the in-flight sale: if stdin closes it exits at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.core.cart import CartLine
from app.core.catalog import Product
from app.store.store import Store


def product(i: int) -> Product:
    return Product(sku=f"SKU-{i}", name_ko=f"상품 {i}번 테스트용 긴 이름", name_en=f"Product {i}",
                   price_won=100 + 7 * i, detector_class=f"class_{i}")


def main(db_path: str, committed: int, inflight_lines: int) -> None:
    store = Store(f"sqlite:///{db_path}")

    @event.listens_for(store.engine, "connect")
    def _small_cache(dbapi_connection: Any, _record: Any) -> None:
        # A tiny page cache makes SQLite spill the uncommitted sale into the WAL file before COMMIT,
        # so the kill leaves uncommitted frames on disk for recovery to discard.
        dbapi_connection.execute("PRAGMA cache_size = 8")

    store.migrate()
    for k in range(committed):
        lines = [CartLine(product(j), 1 + (j + k) % 3) for j in range(3 + k)]
        print("COMMITTED", store.record_sale(lines, payment_method="card"), flush=True)
    wal = Path(f"{db_path}-wal")
    print("WAL_BEFORE", wal.stat().st_size, flush=True)

    def pause() -> None:
        print("PAUSED", wal.stat().st_size, flush=True)
        sys.stdin.read()  # blocks until the parent kills us
        os._exit(3)  # parent gone without killing us: leave without committing

    store.record_sale([CartLine(product(j), 2) for j in range(inflight_lines)], payment_method="inflight",
                      _before_commit=pause)
    print("UNEXPECTED-COMMIT", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
