"""Engine creation. Everything SQLite-specific lives here, behind a dialect check.

SQLite connections get ``journal_mode=WAL``, ``synchronous=FULL``, ``foreign_keys=ON``,
``secure_delete=ON`` and a busy timeout. ``synchronous=FULL`` rather than ``NORMAL``: with WAL, NORMAL
never corrupts the database but may lose the last committed sales on a power cut; a sale the customer
has paid for must survive that, and one extra fsync per checkout costs nothing at kiosk rates.

SQLAlchemy emits ``BEGIN`` itself (the pysqlite "legacy transaction control" is switched off) so DDL is
transactional (a migration applies completely or not at all) and reads see one snapshot. Engines made
with ``execution_options(sqlite_begin="IMMEDIATE")`` take the write lock when the transaction starts,
so two writers queue on the busy timeout instead of failing half way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
BEGIN_OPTION = "sqlite_begin"


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # URI form; the caller owns that path
    return Path(database)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see _on_begin
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite journal_mode is %s, not wal (in-memory database?)", mode)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")  # deleted biometric rows are zeroed, not unlinked
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"unknown {BEGIN_OPTION} {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for a SQLite file the parent folder is created first."""
    if (path := _sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def scrub(engine: Engine) -> None:
    """After deleting personal data: on SQLite, checkpoint and truncate the WAL so no old copy of the
    deleted pages stays in the WAL file (best effort: a reader in progress can keep it). No-op elsewhere."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        busy = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        raw.close()
    if busy:
        log.warning("WAL checkpoint after a deletion was blocked by a reader; it completes later")


def writer(engine: Engine) -> Engine:
    """The same engine, but write transactions take the lock up front (SQLite ``BEGIN IMMEDIATE``)."""
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
