"""Acceptance: a kiosk killed in the middle of a sale leaves the whole sale or none of it.

A child process commits a few sales, then starts one more with many lines and stops inside the
transaction (after all its rows were flushed, some spilled into the WAL file, before COMMIT) and says so
on stdout. The parent then SIGKILLs it (no sleeps, no races: the child is blocked until killed) and
checks the database it left behind.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.cart import CartLine
from app.core.catalog import Product
from app.store.store import Store

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]
COMMITTED = 5
INFLIGHT_LINES = 400


def run_child_until_paused(db_path: Path, log_path: Path) -> tuple[list[str], int, int]:
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    with log_path.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(db_path), str(COMMITTED), str(INFLIGHT_LINES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, cwd=ROOT)
    watchdog = threading.Timer(60, proc.kill)  # only fires if the child hangs before pausing
    watchdog.start()
    receipts: list[str] = []
    wal_before = wal_paused = -1
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            kind, value = line.split()
            if kind == "COMMITTED":
                receipts.append(value)
            elif kind == "WAL_BEFORE":
                wal_before = int(value)
            elif kind == "PAUSED":
                wal_paused = int(value)
                # Inside the open transaction: other connections still see only committed sales.
                with closing(sqlite3.connect(db_path)) as reader:
                    assert reader.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == COMMITTED
                proc.kill()  # SIGKILL on POSIX: no cleanup, no rollback, no atexit
                break
            else:
                pytest.fail(f"unexpected child output {line!r}")
        proc.wait()
    finally:
        watchdog.cancel()
        watchdog.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
    if wal_paused < 0:
        pytest.fail(f"child ended before pausing (rc={proc.returncode}):\n{log_path.read_text()}")
    if os.name == "posix":
        assert proc.returncode == -signal.SIGKILL
    return receipts, wal_before, wal_paused


def test_kill_in_the_middle_of_a_sale(tmp_path: Path) -> None:
    db_path = tmp_path / "kiosk.db"
    receipts, wal_before, wal_paused = run_child_until_paused(db_path, tmp_path / "child.log")
    assert len(receipts) == COMMITTED
    assert wal_paused > wal_before  # the uncommitted sale really reached the WAL file before the kill
    assert Path(f"{db_path}-wal").exists()

    with closing(sqlite3.connect(db_path)) as raw:  # first open after the crash runs WAL recovery
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("SELECT receipt_no FROM sales ORDER BY id").fetchall() == [(r,) for r in receipts]
        assert raw.execute("SELECT COUNT(*) FROM sales WHERE payment_method = 'inflight'").fetchone() == (0,)
        orphans = raw.execute("SELECT COUNT(*) FROM sale_lines l LEFT JOIN sales s ON s.id = l.sale_id "
                              "WHERE s.id IS NULL").fetchone()
        assert orphans == (0,)
        mismatched = raw.execute(
            "SELECT s.receipt_no FROM sales s LEFT JOIN sale_lines l ON l.sale_id = s.id "
            "GROUP BY s.id HAVING COUNT(l.id) = 0 OR SUM(l.line_total_won) != s.total_won").fetchall()
        assert mismatched == []
        audited = raw.execute("SELECT COUNT(*) FROM audit_log WHERE kind = 'sale'").fetchone()
        assert audited == (COMMITTED,)

    store = Store.open(f"sqlite:///{db_path}")
    try:
        sales = store.sales_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        assert [s.receipt_no for s in sales] == receipts
        assert [len(s.lines) for s in sales] == [3 + k for k in range(COMMITTED)]
        assert all(s.total_won == sum(ln.line_total_won for ln in s.lines) for s in sales)
        # The kiosk carries on: the next sale gets the next receipt number of the day.
        product = Product("SKU-X", "다음", "Next", 1000, "next")
        receipt = store.record_sale([CartLine(product, 1)])
        prefix, seq = receipts[-1].rsplit("-", 1)
        if receipt.startswith(prefix):  # unless midnight passed during the test
            assert receipt == f"{prefix}-{int(seq) + 1:06d}"
    finally:
        store.close()
