"""Database failures the kiosk must tell apart, translated from the driver's errors by the engine.

SQLite reports a locked database, a full disk, a failing disk and a damaged file all as
``sqlite3.OperationalError``/``DatabaseError`` with a terse text; the engine turns them into these
types (the driver's error stays as ``__cause__``), so the checkout can say "the sale was not saved:
the disk is full" and the CLI can print one clear line instead of a traceback. Every message names
the database. A failed write is always rolled back: nothing of it is in the database.
"""

from __future__ import annotations

import sqlite3

# SQLite's primary result codes (https://sqlite.org/rescode.html); the extended code's low byte.
SQLITE_READONLY = 8
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


class StoreError(RuntimeError):
    """The database could not do what was asked; nothing of a failed write was saved."""


class StoreBusy(StoreError):  # noqa: N818 - the names say what happened, like SourceUnavailable
    """Another process held the database's write lock for longer than the busy timeout."""


class StoreFull(StoreError):  # noqa: N818
    """The disk (or the database's size limit) is full."""


class StoreIOError(StoreError):
    """The operating system refused a read or write (failing disk, file size limit, removed medium)."""


class StoreCorrupt(StoreError):  # noqa: N818
    """The database file is damaged or is not a database at all."""


class StoreUnavailable(StoreError):  # noqa: N818
    """The database cannot be opened or written: a bad URL, a missing folder, no permission, read-only."""


def _primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def translate_sqlite_error(exc: BaseException, database: str,
                           waited_s: float | None = None) -> StoreError | None:
    """The :class:`StoreError` for a ``sqlite3`` error, or None when it is not one of those failures."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = _primary_code(exc)
    text = str(exc)
    lowered = text.lower()
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in lowered or "is busy" in lowered:
        waited = f" (waited {waited_s:g} s)" if waited_s is not None else ""
        return StoreBusy(f"{database}: the database is locked by another program{waited}; nothing was "
                         f"saved, try again ({text})")
    if code == SQLITE_FULL or "database or disk is full" in lowered:
        return StoreFull(f"{database}: the disk is full; nothing was saved. Free some space and try "
                         f"again ({text})")
    if code == SQLITE_IOERR or "disk i/o error" in lowered:
        return StoreIOError(f"{database}: the disk refused a read or write (full, over a file size limit, "
                            f"or failing); nothing was saved ({text})")
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in lowered or "not a database" in lowered:
        return StoreCorrupt(f"{database}: the database file is damaged or is not a kiosk database; "
                            f"restore it from a backup ({text})")
    if code in (SQLITE_CANTOPEN, SQLITE_READONLY) or "unable to open" in lowered or "readonly" in lowered:
        return StoreUnavailable(f"{database}: cannot open or write the database file: check that its "
                                f"folder exists and is writable ({text})")
    return None
