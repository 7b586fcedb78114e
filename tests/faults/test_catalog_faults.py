"""Bad catalog files: each is refused with the file, the line and the reason, and the store's catalog
(and its audit log) stay exactly as they were: an import is all or nothing."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from app.core.catalog import MAX_FILE_BYTES, MAX_PRODUCTS, CatalogError, load_catalog_csv
from app.core.settings import RESOURCES_DIR
from app.store.store import Store

HEAD = "sku,name_ko,name_en,price_won,detector_class,age_restricted"
GOOD = "A-1,사과,Apple,1000,apple,false"
DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}")
    s.import_catalog_file(DEMO)
    yield s
    s.close()


def snapshot(store: Store) -> tuple:
    path = store.engine.url.database
    with closing(sqlite3.connect(path)) as raw:
        return (raw.execute("SELECT * FROM products ORDER BY sku").fetchall(),
                raw.execute("SELECT COUNT(*) FROM audit_log").fetchone())


# (file content, line named, words of the reason)
BAD_FILES: dict[str, tuple[bytes | str, int, str]] = {
    "empty": ("", 1, "empty file"),
    "header only": (HEAD + "\n", 1, "no products"),
    "wrong header": ("sku,name,price\nA-1,사과,1000\n", 1, "header must be"),
    "header in another order": ("name_ko,sku,name_en,price_won,detector_class,age_restricted\n", 1,
                                "header must be"),
    "too few columns": (f"{HEAD}\n{GOOD}\nB-2,배,Pear,900\n", 3, "expected 6 columns"),
    "too many columns": (f"{HEAD}\n{GOOD},extra\n", 2, "found 7"),
    "negative price": (f"{HEAD}\nB-2,배,Pear,-900,pear,false\n", 2, "price_won '-900'"),
    "zero price": (f"{HEAD}\nB-2,배,Pear,0,pear,false\n", 2, "price_won '0'"),
    "huge price": (f"{HEAD}\nB-2,배,Pear,99999999999,pear,false\n", 2, "from 1 to 10,000,000"),
    "price with decimals": (f"{HEAD}\nB-2,배,Pear,900.50,pear,false\n", 2, "whole number"),
    "price as words": (f"{HEAD}\nB-2,배,Pear,nine hundred,pear,false\n", 2, "whole number"),
    "price with a thousands comma": (f'{HEAD}\nB-2,배,Pear,"1,000",pear,false\n', 2, "whole number"),
    "fullwidth digits": (f"{HEAD}\nB-2,배,Pear,１０００,pear,false\n", 2, "whole number"),
    "duplicate sku": (f"{HEAD}\n{GOOD}\nA-1,배,Pear,900,pear,false\n", 3,
                      "duplicate sku 'A-1' (first on line 2)"),
    "duplicate class": (f"{HEAD}\n{GOOD}\nB-2,배,Pear,900,apple,false\n", 3, "duplicate detector_class"),
    "sql in the sku": (f"{HEAD}\nA-1'; DROP TABLE products;--,사과,Apple,1000,apple,false\n", 2, "sku"),
    "bad boolean": (f"{HEAD}\nB-2,배,Pear,900,pear,maybe\n", 2, "age_restricted 'maybe'"),
    "empty field": (f"{HEAD}\nB-2,,Pear,900,pear,false\n", 2, "empty name_ko"),
    "name too long": (f"{HEAD}\nB-2,{'배' * 81},Pear,900,pear,false\n", 2, "longer than 80"),
    "line break in a name": (f'{HEAD}\n{GOOD}\nB-2,"배\n배",Pear,900,pear,false\n', 3, "line break"),
    "right-to-left override": (f"{HEAD}\nB-2,배\u202e0001,Pear,900,pear,false\n", 2, "right-to-left"),
    "unterminated quote": (f'{HEAD}\n{GOOD}\nB-2,"배,Pear,900,pear,false\n', 3, "malformed CSV"),
    "cp949 (Korean Windows)": (f"{HEAD}\n{GOOD}\n".encode("cp949"), 2, "not valid UTF-8"),
    "utf-16": (f"{HEAD}\n{GOOD}\n".encode("utf-16"), 1, "UTF-16"),
    "binary garbage": (bytes(range(256)) * 8, 1, "NUL bytes"),
    "png image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), 3, "NUL bytes"),
    "random utf-8 text": ("lorem ipsum dolor\nsit amet\n", 1, "header must be"),
}


@pytest.mark.parametrize("content, line, reason", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_malformed_catalog_is_refused_naming_the_line_and_the_store_is_unchanged(
        store: Store, tmp_path: Path, content: bytes | str, line: int, reason: str) -> None:
    path = tmp_path / "catalog.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    before = snapshot(store)
    with pytest.raises(CatalogError) as info:
        store.import_catalog_file(path)
    assert (info.value.line, info.value.path) == (line, str(path))
    assert str(info.value).startswith(f"{path}:{line}: ") and reason in str(info.value)
    assert snapshot(store) == before


def test_a_50_mb_file_is_refused_at_once_without_reading_it_all(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = (GOOD + "\n").encode()
    with path.open("wb") as f:
        f.write((HEAD + "\n").encode())
        f.write(row * (50 * 1024 * 1024 // len(row)))
    before = snapshot(store)
    started = time.monotonic()
    with pytest.raises(CatalogError, match="larger than 10 MB"):
        store.import_catalog_file(path)
    assert time.monotonic() - started < 1.0
    assert snapshot(store) == before


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_refused_instead_of_hanging() -> None:
    with pytest.raises(CatalogError, match="larger than"):
        load_catalog_csv("/dev/zero")


def test_too_many_products_are_refused_naming_the_line(tmp_path: Path) -> None:
    rows = [f"S-{i},상품{i},Item {i},{100 + i},c_{i},false" for i in range(MAX_PRODUCTS + 1)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    assert path.stat().st_size < MAX_FILE_BYTES
    with pytest.raises(CatalogError) as info:
        load_catalog_csv(path)
    assert info.value.line == MAX_PRODUCTS + 2 and "at most 10,000" in str(info.value)


def test_a_missing_file_or_a_folder_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the file: No such file"):
        load_catalog_csv(tmp_path / "nope.csv")
    with pytest.raises(CatalogError, match="cannot read the file: Is a directory"):
        load_catalog_csv(tmp_path)


def test_a_bom_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_bytes(("\ufeff" + HEAD + "\r\n\r\n" + GOOD + "\r\n\r\n").encode("utf-8"))
    assert [p.sku for p in load_catalog_csv(path)] == ["A-1"]


def test_the_demo_catalog_still_passes_the_stricter_checks() -> None:
    assert len(load_catalog_csv(DEMO)) == 15


def test_selfcheckout_catalog_import_of_garbage_exits_2_and_changes_nothing(tmp_path: Path, capsys) -> None:
    from app.cli import main

    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "catalog", "list"]) == 0
    before = capsys.readouterr().out
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(random.Random(3).randbytes(4096))
    for path in (garbage, Path("/dev/zero")):
        assert main([*data, "catalog", "import", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"catalog rejected, database unchanged: {path}") and "Traceback" not in err
    assert main([*data, "catalog", "list"]) == 0
    assert capsys.readouterr().out == before
