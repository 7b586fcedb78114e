"""Store.add_product: validated like a catalog file, unique SKU and class, audited, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.catalog import MAX_PRICE_WON, Product
from app.core.settings import RESOURCES_DIR
from app.store.store import Store

DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"
TTEOK = Product("TTEOK-500", "떡볶이 떡 500g", "Rice cakes 500g", 3200, "tteok_500g")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open("sqlite:///" + str(tmp_path / "k.db"))
    s.import_catalog_file(DEMO)
    yield s
    s.close()


def test_add_product_is_stored_and_audited(store: Store):
    before = len(store.load_catalog())
    store.add_product(replace(TTEOK, age_restricted=True), actor="operator")
    catalog = store.load_catalog()
    assert len(catalog) == before + 1
    added = catalog.by_sku("TTEOK-500")
    assert added == replace(TTEOK, age_restricted=True)
    assert catalog.by_class("tteok_500g") is added
    entry = store.audit_entries(limit=1)[0]
    assert (entry.kind, entry.actor) == ("product_added", "operator")
    assert entry.detail["sku"] == "TTEOK-500" and entry.detail["price_won"] == 3200
    assert entry.detail["age_restricted"] is True


def test_an_inactive_product_can_be_added(store: Store):
    store.add_product(replace(TTEOK, active=False))
    assert not store.load_catalog().by_sku("TTEOK-500").active


@pytest.mark.parametrize("change, message", [
    ({"sku": "COKE-500"}, "already exists"),
    ({"detector_class": "coke_500ml"}, "already belongs to product 'COKE-500'"),
    ({"sku": "bad sku!"}, "sku"),
    ({"sku": ""}, "sku"),
    ({"name_ko": ""}, "name_ko"),
    ({"name_en": " padded"}, "name_en"),
    ({"name_en": "x" * 81}, "name_en"),
    ({"name_ko": "줄\n바꿈"}, "name_ko"),
    ({"price_won": 0}, "outside"),
    ({"price_won": MAX_PRICE_WON + 1}, "outside"),
    ({"detector_class": "Not A Class"}, "detector_class"),
])
def test_bad_products_are_refused_and_nothing_changes(store: Store, change: dict, message: str):
    before = store.load_catalog().products
    audits = len(store.audit_entries(limit=1000))
    with pytest.raises(ValueError, match=message):
        store.add_product(replace(TTEOK, **change))
    assert store.load_catalog().products == before
    assert len(store.audit_entries(limit=1000)) == audits


def test_price_must_be_an_int(store: Store):
    with pytest.raises(TypeError):
        store.add_product(replace(TTEOK, price_won=3200.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_product(replace(TTEOK, price_won=True))
