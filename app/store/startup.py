"""Open the kiosk's database from its settings: create, migrate and seed the demo catalog once."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.settings import Settings
from app.store.store import Store

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> Store:
    """The migrated store; a brand-new database gets the catalog file (``settings.catalog_file``)."""
    if not settings.database_url:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.resolved_database_url)
    try:
        if store.seed_catalog_if_empty(settings.catalog_file):
            log.info("loaded the catalog from %s into the new database", settings.catalog_file)
    except BaseException:
        store.close()
        raise
    return store
