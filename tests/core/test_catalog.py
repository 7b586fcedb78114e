"""Catalog CSV parsing (every rejection names the right line) and the Catalog lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalog import HEADER, Catalog, CatalogError, Product, load_catalog_csv
from app.core.settings import RESOURCES_DIR

HEAD = ",".join(HEADER)
COKE = "COKE-500,코카콜라 500ml,Coca-Cola 500ml,2100,coke_500ml,false"
ZERO = "COKEZERO-500,코카콜라 제로 500ml,Coca-Cola Zero 500ml,2100,coke_zero_500ml,no"
SOJU = "CHAMISUL-360,참이슬 후레쉬 360ml,Chamisul Fresh 360ml,1950,chamisul_360ml,true"
DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"


def write(tmp_path: Path, *lines: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / "catalog.csv"
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def test_happy_path(tmp_path: Path) -> None:
    products = load_catalog_csv(write(tmp_path, HEAD, COKE, ZERO, SOJU))
    assert [p.sku for p in products] == ["COKE-500", "COKEZERO-500", "CHAMISUL-360"]
    assert products[0] == Product("COKE-500", "코카콜라 500ml", "Coca-Cola 500ml", 2100, "coke_500ml", False)
    assert [p.age_restricted for p in products] == [False, False, True]
    assert all(p.active for p in products)
    assert isinstance(products[0].price_won, int)


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("TRUE", True), ("yes", True), ("1", True),
                                                ("false", False), ("No", False), ("0", False)])
def test_age_restricted_spellings(tmp_path: Path, text: str, expected: bool) -> None:
    row = f"A-1,가,A,1000,a,{text}"
    assert load_catalog_csv(write(tmp_path, HEAD, row))[0].age_restricted is expected


def test_bom_crlf_whitespace_and_blank_lines_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    body = "\r\n".join([HEAD, "", " COKE-500 , 코카콜라 500ml ,Coca-Cola 500ml, 2100 ,coke_500ml,false", ""])
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    [product] = load_catalog_csv(path)
    assert (product.sku, product.name_ko, product.price_won) == ("COKE-500", "코카콜라 500ml", 2100)


def test_upper_bounds_are_accepted(tmp_path: Path) -> None:
    row = f"{'S' * 32},{'가' * 80},{'A' * 80},10000000,{'c' * 64},0"
    [product] = load_catalog_csv(write(tmp_path, HEAD, row))
    assert product.price_won == 10_000_000


BAD_ROWS = [
    ("COKE-500,코카콜라,Coca-Cola,2100,coke_500ml", "expected 6 columns"),
    ("COKE-500,코카콜라,Coca-Cola,2100,coke_500ml,false,extra", "expected 6 columns"),
    (",코카콜라,Coca-Cola,2100,coke_500ml,false", "empty sku"),
    ("COKE-500,,Coca-Cola,2100,coke_500ml,false", "empty name_ko"),
    ("COKE-500,코카콜라, ,2100,coke_500ml,false", "empty name_en"),
    ("COKE-500,코카콜라,Coca-Cola,,coke_500ml,false", "empty price_won"),
    ("COKE-500,코카콜라,Coca-Cola,2100,,false", "empty detector_class"),
    ("COKE-500,코카콜라,Coca-Cola,2100,coke_500ml,", "empty age_restricted"),
    ("COKE-500,코카콜라,Coca-Cola,0,coke_500ml,false", "price_won '0'"),
    ("COKE-500,코카콜라,Coca-Cola,-100,coke_500ml,false", "price_won '-100'"),
    ('COKE-500,코카콜라,Coca-Cola,"2,100",coke_500ml,false', "price_won '2,100'"),
    ("COKE-500,코카콜라,Coca-Cola,2100.0,coke_500ml,false", "price_won '2100.0'"),
    ("COKE-500,코카콜라,Coca-Cola,abc,coke_500ml,false", "price_won 'abc'"),
    ("COKE-500,코카콜라,Coca-Cola,10000001,coke_500ml,false", "price_won '10000001'"),
    ("COKE-500,코카콜라,Coca-Cola,２１００,coke_500ml,false", "price_won"),
    ("COKE-500,코카콜라,Coca-Cola,2100,coke_500ml,maybe", "age_restricted 'maybe'"),
    ("COKE 500,코카콜라,Coca-Cola,2100,coke_500ml,false", "sku 'COKE 500'"),
    ("콜라,코카콜라,Coca-Cola,2100,coke_500ml,false", "sku '콜라'"),
    (f"{'S' * 33},코카콜라,Coca-Cola,2100,coke_500ml,false", "sku"),
    (f"COKE-500,{'가' * 81},Coca-Cola,2100,coke_500ml,false", "name_ko is longer than 80"),
    (f"COKE-500,코카콜라,{'A' * 81},2100,coke_500ml,false", "name_en is longer than 80"),
    ("COKE-500,코카콜라,Coca-Cola,2100,Coke500,false", "detector_class 'Coke500'"),
    ("COKE-500,코카콜라,Coca-Cola,2100,coke-500,false", "detector_class 'coke-500'"),
    (f"COKE-500,코카콜라,Coca-Cola,2100,{'c' * 65},false", "detector_class"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_bad_row_is_rejected_with_its_line(tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, HEAD, ZERO, SOJU, row, COKE)
    with pytest.raises(CatalogError) as info:
        load_catalog_csv(path)
    assert info.value.line == 4
    assert reason in info.value.reason
    assert str(info.value) == f"{path}:4: {info.value.reason}"


def test_duplicate_sku_names_both_lines(tmp_path: Path) -> None:
    dup = COKE.replace("coke_500ml", "coke_other")
    with pytest.raises(CatalogError, match=r":4: duplicate sku 'COKE-500' \(first on line 2\)"):
        load_catalog_csv(write(tmp_path, HEAD, COKE, ZERO, dup))


def test_duplicate_detector_class(tmp_path: Path) -> None:
    dup = ZERO.replace("coke_zero_500ml", "coke_500ml")
    with pytest.raises(CatalogError, match=r":3: duplicate detector_class 'coke_500ml' \(first on line 2\)"):
        load_catalog_csv(write(tmp_path, HEAD, COKE, dup))


def test_wrong_header(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r":1: header must be") as info:
        load_catalog_csv(write(tmp_path, "sku,name,price", COKE))
    assert info.value.line == 1


@pytest.mark.parametrize("lines", [(), ("",)])
def test_empty_file(tmp_path: Path, lines: tuple[str, ...]) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CatalogError, match=r":1: empty file"):
        load_catalog_csv(path)


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r":1: no products"):
        load_catalog_csv(write(tmp_path, HEAD))


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog_csv(write(tmp_path, HEAD, "", COKE, "", "", "X,가,A,0,x,false"))
    assert info.value.line == 6


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cp949.csv"
    path.write_bytes("\n".join([HEAD, COKE, ZERO, SOJU]).encode("cp949"))
    with pytest.raises(CatalogError, match="not valid UTF-8") as info:
        load_catalog_csv(path)
    assert info.value.line == 2  # the first line with Korean text


def test_multiline_field_rejected_at_its_first_line(tmp_path: Path) -> None:
    row = 'A-1,"가\n나",A,1000,a,false'
    with pytest.raises(CatalogError, match="line break") as info:
        load_catalog_csv(write(tmp_path, HEAD, COKE, row, SOJU))
    assert info.value.line == 3


def test_malformed_csv_quote(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="malformed CSV") as info:
        load_catalog_csv(write(tmp_path, HEAD, COKE, 'A-1,"가"x,A,1000,a,false'))
    assert info.value.line == 3


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(CatalogError, match="cannot read") as info:
        load_catalog_csv(path)
    assert info.value.line == 0 and info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")


def test_demo_catalog_loads() -> None:
    catalog = Catalog(load_catalog_csv(DEMO))
    assert len(catalog) >= 12
    assert all(0 < p.price_won <= 100_000 for p in catalog)
    classes = set(catalog.classes)
    # look-alike pairs on purpose: same shape, different label
    assert {"coke_500ml", "coke_zero_500ml"} <= classes
    assert {"banana_milk_240ml", "strawberry_milk_240ml"} <= classes
    restricted = {p.sku for p in catalog if p.age_restricted}
    assert {"CHAMISUL-360", "CASS-355"} <= restricted
    assert catalog.by_class("coke_500ml").price_won == 2100


def _catalog() -> Catalog:
    return Catalog([
        Product("B-1", "나", "B", 1000, "b"),
        Product("A-1", "가", "A", 2000, "a", age_restricted=True),
        Product("C-1", "다", "C", 3000, "c", active=False),
    ])


def test_catalog_lookups() -> None:
    catalog = _catalog()
    assert len(catalog) == 3
    assert catalog.classes == ("b", "a", "c")
    assert [p.sku for p in catalog] == ["B-1", "A-1", "C-1"]
    assert catalog.by_sku("A-1").name("ko") == "가"
    assert catalog.by_sku("A-1").name("en") == "A"
    assert catalog.by_class("c").sku == "C-1"
    assert [p.sku for p in catalog.active_products()] == ["B-1", "A-1"]
    assert "A-1" in catalog and "Z-9" not in catalog


def test_catalog_unknown_keys_have_clear_messages() -> None:
    catalog = _catalog()
    with pytest.raises(KeyError, match="detector class 'zzz' is not in the catalog"):
        catalog.by_class("zzz")
    with pytest.raises(KeyError, match="no product with sku 'Z-9'"):
        catalog.by_sku("Z-9")


def test_catalog_rejects_duplicates_and_is_immutable() -> None:
    a = Product("A-1", "가", "A", 1000, "a")
    with pytest.raises(ValueError, match="duplicate sku"):
        Catalog([a, Product("A-1", "나", "B", 1000, "b")])
    with pytest.raises(ValueError, match="duplicate detector class"):
        Catalog([a, Product("B-1", "나", "B", 1000, "a")])
    catalog = Catalog([a])
    assert isinstance(catalog.products, tuple)
    with pytest.raises(AttributeError):
        catalog.products = ()  # type: ignore[misc]
