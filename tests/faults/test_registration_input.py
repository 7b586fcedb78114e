"""Hostile names and IDs in registration: refused with a clear message, or stored verbatim and harmless
(the store binds parameters; nothing typed can change the SQL). Checked against a real database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.cart import CartLine
from app.core.catalog import Product
from app.core.registration import RegistrationWizard, Step, validate_customer_id, validate_name
from app.store.store import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}")
    yield s
    s.close()


def schema(store: Store) -> list[tuple]:
    with closing(sqlite3.connect(store.engine.url.database)) as raw:
        return raw.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def wizard(store: Store) -> RegistrationWizard:
    w = RegistrationWizard(id_exists=lambda cid: any(c.customer_id == cid for c in store.list_customers()),
                           backend="dlib", clock=lambda: NOW)
    w.give_consent(True)
    w.next()
    assert w.step is Step.DETAILS
    return w


STORED_VERBATIM = {
    "sql injection": "Robert'); DROP TABLE customers;--",
    "sql comment and quotes": "O'Brien \"Bob\" /* x */ --",
    "union select": "x' UNION SELECT * FROM face_templates--",
    "korean": "김철수",
    "emoji": "😀 Kim",
    "mixed scripts and marks": "Zoë Ålesund-Ünal",
    "html": "<script>alert(1)</script>",
    "percent and underscore": "100% _wild_",
}


@pytest.mark.parametrize("name", STORED_VERBATIM.values(), ids=STORED_VERBATIM.keys())
def test_odd_but_printable_names_are_stored_verbatim_and_harmless(store: Store, name: str) -> None:
    before = schema(store)
    w = wizard(store)
    assert w.set_details(name, "cust-1") == {}
    store.add_customer(w.name, consent_at=NOW, backend="dlib", customer_id=w.customer_id)
    store.record_sale([CartLine(Product("A-1", "사과", "Apple", 1000, "apple"), 1)], customer_id="cust-1")
    assert [(c.customer_id, c.name) for c in store.list_customers()] == [("cust-1", name)]
    assert schema(store) == before, "no table was dropped or changed"
    with closing(sqlite3.connect(store.engine.url.database)) as raw:
        assert raw.execute("SELECT name FROM customers").fetchall() == [(name,)]
        assert raw.execute("SELECT COUNT(*) FROM sales WHERE customer_id = 'cust-1'").fetchone() == (1,)


REFUSED_NAMES = {
    "10,000 characters": ("A" * 10_000, "2-40 characters"),
    "41 characters": ("가" * 41, "2-40 characters"),
    "one character": ("김", "2-40 characters"),
    "only spaces": ("     ", "2-40 characters"),
    "empty": ("", "2-40 characters"),
    "NUL byte": ("Kim\x00Lee", "control characters"),
    "line break": ("Kim\nLee", "control characters"),
    "terminal escape": ("\x1b[31mKim", "control characters"),
    "right-to-left override": ("Kim\u202eeeL", "control characters"),
    "zero-width space": ("Kim\u200bLee", "control characters"),
    "lone surrogate": ("Kim\ud800", "control characters"),
    "bidi isolate": ("\u2067Kim\u2069", "control characters"),
}


@pytest.mark.parametrize("name, fragment", REFUSED_NAMES.values(), ids=REFUSED_NAMES.keys())
def test_hostile_names_are_refused_with_a_message_and_nothing_is_kept(store: Store, name: str,
                                                                      fragment: str) -> None:
    before = schema(store)
    assert fragment in (validate_name(name) or "")
    w = wizard(store)
    errors = w.set_details(name, "cust-1")
    assert set(errors) == {"name"} and fragment in errors["name"]
    assert (w.name, w.customer_id) == ("", "")
    assert not w.can_go_next()
    assert store.list_customers() == [] and schema(store) == before


REFUSED_IDS = ["1' OR '1'='1", "x; DROP TABLE customers", "a" * 10_000, "ab", "id with space", "아이디",
               "id\x00", "../../etc", ""]


@pytest.mark.parametrize("customer_id", REFUSED_IDS)
def test_hostile_customer_ids_are_refused(store: Store, customer_id: str) -> None:
    assert validate_customer_id(customer_id) == "The customer ID must be 3-20 letters, digits or '-'."
    w = wizard(store)
    assert set(w.set_details("Kim Lee", customer_id)) == {"customer_id"}


def test_a_taken_customer_id_is_refused_not_overwritten(store: Store) -> None:
    store.add_customer("First Owner", consent_at=NOW, backend="dlib", customer_id="cust-1")
    w = wizard(store)
    assert "already registered" in w.set_details("Robert'); DROP TABLE customers;--", "cust-1")["customer_id"]
    assert [c.name for c in store.list_customers()] == ["First Owner"]


def test_the_store_refuses_an_overlong_name_that_bypasses_the_wizard(store: Store) -> None:
    with pytest.raises(ValueError, match="1-80 characters"):
        store.add_customer("A" * 10_000, consent_at=NOW, backend="dlib")
    assert store.list_customers() == []
