"""Persistence: one SQL database (SQLite WAL by default) behind SQLAlchemy, versioned with Alembic.

``Store.open(settings.resolved_database_url)`` opens (creating and migrating when needed) the kiosk
database; its methods take and return plain dataclasses from ``app.core`` and ``app.store.records``.
The Alembic scripts live in ``app/store/migrations`` and run programmatically (no alembic.ini).
"""

from app.store.store import Store

__all__ = ["Store"]
