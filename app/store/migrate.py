"""Run the Alembic migrations kept inside this package (no alembic.ini needed)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from app.store.engine import describe_url, writer
from app.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at ``app/store/migrations``; ``url`` is only for stand-alone use."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration scripts found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this program's migrations."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` on ``engine``, in one transaction (DDL included on SQLite).

    A database whose schema revision this program does not know (made by a newer version of the kiosk)
    raises :class:`StoreUnavailable` and is left untouched.
    """
    config = alembic_config()
    with writer(engine).begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current is not None and not known_revision(current):
            database = describe_url(engine.url.render_as_string(hide_password=False))
            raise StoreUnavailable(
                f"{database}: the database schema is at revision {current!r}, which this program does not "
                f"know (its newest is {head_revision()!r}); it was made by a newer version of the kiosk")
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    log.info("database schema at %s", current_revision(engine))
