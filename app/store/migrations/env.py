"""Alembic environment for the kiosk database.

Normally run through :func:`app.store.migrate.upgrade`, which passes an open connection in
``config.attributes["connection"]``. Without one, a connection is made from ``sqlalchemy.url``.
On SQLite, migrations use batch mode (table copy) for ALTERs and run in one transaction. Before a
future batch migration that rebuilds a table referenced by a foreign key, switch ``foreign_keys``
off for that migration (see the Alembic batch documentation).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.store.engine import make_engine, writer
from app.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = writer(make_engine(config.get_main_option("sqlalchemy.url") or ""))
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run them against a database")
run_migrations_online()
