"""Engine creation. Everything SQLite-specific lives here, behind a dialect check.

SQLite connections get ``journal_mode=WAL``, ``synchronous=FULL``, ``foreign_keys=ON``,
``secure_delete=ON`` and a busy timeout. ``synchronous=FULL`` rather than ``NORMAL``: with WAL, NORMAL
never corrupts the database but may lose the last committed sales on a power cut; a sale the customer
has paid for must survive that, and one extra fsync per checkout costs nothing at kiosk rates.

SQLAlchemy emits ``BEGIN`` itself (the pysqlite "legacy transaction control" is switched off) so DDL is
transactional (a migration applies completely or not at all) and reads see one snapshot. Engines made
with ``execution_options(sqlite_begin="IMMEDIATE")`` take the write lock when the transaction starts,
so two writers queue on the busy timeout instead of failing half way.

SQLite's terse errors for a locked database, a full disk, an I/O failure or a damaged file are
translated into the types of ``app.store.errors`` (``StoreBusy``, ``StoreFull``, ...) wherever they
happen: in a statement, in ``BEGIN``/``COMMIT``, or while a new connection is set up.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from app.store.errors import StoreUnavailable, translate_sqlite_error

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # read when a connection is made: a writer waits this long for the lock
BEGIN_OPTION = "sqlite_begin"


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # URI form; the caller owns that path
    return Path(database)


def describe_url(url: str) -> str:
    """The database as shown in messages: the SQLite file, or the URL without its password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the configured database_url"
    if (path := _sqlite_file(url)) is not None:
        return str(path)
    return parsed.render_as_string(hide_password=True)


def _install_sqlite_hooks(engine: Engine, database: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see _on_begin
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite journal_mode is %s, not wal (in-memory database?)", mode)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")  # deleted biometric rows are zeroed, not unlinked
        except sqlite3.Error as exc:
            translated = translate_sqlite_error(exc, database, BUSY_TIMEOUT_MS / 1000)
            if translated is None:
                raise
            raise translated from exc
        finally:
            cursor.close()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        translated = translate_sqlite_error(context.original_exception, database, BUSY_TIMEOUT_MS / 1000)
        if translated is not None:
            log.warning("%s", translated)
            raise translated from context.original_exception

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"unknown {BEGIN_OPTION} {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for a SQLite file the parent folder is created first.

    A URL that cannot be parsed, names an unknown database or a driver that is not installed, or a
    folder that cannot be created raises :class:`StoreUnavailable` (the password never shown).
    """
    database = describe_url(url)
    try:
        path = _sqlite_file(url)
    except ArgumentError:
        raise StoreUnavailable("database_url is not a valid database URL (expected for example "
                               "postgresql+psycopg://user:password@host/db, or empty for SQLite)") from None
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"{path}: cannot create the database folder {path.parent}: "
                                   f"{exc.strerror or exc}") from exc
    try:
        engine = create_engine(url, echo=echo)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreUnavailable(f"{database}: cannot use this database URL: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine, database)
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
