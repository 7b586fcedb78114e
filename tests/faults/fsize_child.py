"""Child process for test_store_faults: the disk fills up (a file size limit) in the middle of a sale.

Usage: python fsize_child.py DB_PATH

Records one sale, then caps the size of every file this process may write at the current size of the
database files (``RLIMIT_FSIZE``; SIGXFSZ ignored, so writes fail with EFBIG as on a full disk), tries a
large sale, lifts the cap and records one more. Prints one line per step:
``SAVED <receipt>``, ``FAILED <exception type> <message>`` or ``UNEXPECTED <receipt>``.
"""

from __future__ import annotations

import resource
import signal
import sys
from pathlib import Path

from app.core.cart import CartLine
from app.core.catalog import Product
from app.store.errors import StoreError
from app.store.store import Store


def lines(count: int) -> list[CartLine]:
    name = "가" * 60
    return [CartLine(Product(f"SKU-{i}", f"상품 {i}번 {name}", f"Product {i}", 100 + i, f"class_{i}"), 1)
            for i in range(count)]


def main(db_path: str) -> None:
    store = Store.open(f"sqlite:///{db_path}")
    print("SAVED", store.record_sale(lines(2)), flush=True)
    files = [Path(db_path), Path(f"{db_path}-wal")]
    limit = max(p.stat().st_size for p in files if p.exists())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        receipt = store.record_sale(lines(300))
        print("UNEXPECTED", receipt, flush=True)
    except StoreError as exc:
        print("FAILED", type(exc).__name__, str(exc).replace("\n", " "), flush=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    print("SAVED", store.record_sale(lines(3)), flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])
