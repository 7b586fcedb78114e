"""Products the kiosk sells, and the strict CSV reader for catalog files.

A catalog file is UTF-8 CSV (a BOM is tolerated) with the header
``sku,name_ko,name_en,price_won,detector_class,age_restricted``. Every row is checked; the first bad
line raises :class:`CatalogError` naming the file and its line number (the header is line 1), so an
operator can fix the file instead of the kiosk selling at a wrong price.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HEADER = ("sku", "name_ko", "name_en", "price_won", "detector_class", "age_restricted")
MAX_PRICE_WON = 10_000_000
MAX_NAME_LEN = 80
MAX_FILE_BYTES = 10 * 1024 * 1024  # a catalog of MAX_PRODUCTS products fits in a fraction of this
MAX_PRODUCTS = 10_000
SKU_RE = re.compile(r"[A-Za-z0-9-]{1,32}")
CLASS_RE = re.compile(r"[a-z0-9_]{1,64}")
_PRICE_RE = re.compile(r"[0-9]{1,12}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Product:
    """One sellable product; ``detector_class`` is the label the product detector emits for it."""

    sku: str
    name_ko: str
    name_en: str
    price_won: int
    detector_class: str
    age_restricted: bool = False
    active: bool = True

    def name(self, lang: str) -> str:
        """The product name in ``lang`` ("ko" or "en"); Korean for anything else."""
        return self.name_en if lang == "en" else self.name_ko


class CatalogError(ValueError):
    """A catalog file that cannot be used; ``line`` is the file line (1 = header, 0 = whole file)."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line > 0 else self.path
        super().__init__(f"{where}: {reason}")


def _parse_bool(text: str) -> bool | None:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _check_name(value: str, column: str) -> str | None:
    if len(value) > MAX_NAME_LEN:
        return f"{column} is longer than {MAX_NAME_LEN} characters ({len(value)})"
    if _CONTROL_RE.search(value):
        return f"{column} contains a control character or line break"
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return f"{column} contains an invisible formatting character (such as a right-to-left override)"
    return None


def _parse_row(fields: list[str]) -> Product | str:
    """A :class:`Product` from one data row, or the reason the row is rejected."""
    if len(fields) != len(HEADER):
        return f"expected {len(HEADER)} columns ({','.join(HEADER)}), found {len(fields)}"
    values = dict(zip(HEADER, (f.strip() for f in fields), strict=True))
    for column in HEADER:
        if not values[column]:
            return f"empty {column}"
    sku, price_text, cls = values["sku"], values["price_won"], values["detector_class"]
    if not SKU_RE.fullmatch(sku):
        return f"sku {sku!r} must be 1-32 letters, digits or '-'"
    for column in ("name_ko", "name_en"):
        if problem := _check_name(values[column], column):
            return problem
    if not _PRICE_RE.fullmatch(price_text) or not 0 < int(price_text) <= MAX_PRICE_WON:
        return f"price_won {price_text!r} must be a whole number of won from 1 to {MAX_PRICE_WON:,}"
    if not CLASS_RE.fullmatch(cls):
        return f"detector_class {cls!r} must be 1-64 lowercase letters, digits or '_'"
    age = _parse_bool(values["age_restricted"])
    if age is None:
        return f"age_restricted {values['age_restricted']!r} must be one of true/false/yes/no/1/0"
    return Product(sku=sku, name_ko=values["name_ko"], name_en=values["name_en"],
                   price_won=int(price_text), detector_class=cls, age_restricted=age)


def _decode(path: Path) -> str:
    """The file's text; refuses (naming the reason) files that are too big, binary or not UTF-8."""
    try:
        with path.open("rb") as f:  # never more than the limit, even from /dev/zero or a growing file
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CatalogError(path, 0, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        megabytes = MAX_FILE_BYTES // (1024 * 1024)
        raise CatalogError(path, 0, f"the file is larger than {megabytes} MB; a catalog "
                                    f"file may list at most {MAX_PRODUCTS:,} products")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogError(path, 1, "the file is UTF-16 text; save it as UTF-8 (CSV UTF-8)")
    if (nul := data.find(b"\0")) >= 0:
        line = data[:nul].count(b"\n") + 1
        raise CatalogError(path, line, "the file contains NUL bytes: a binary file, not CSV text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(path, line, "not valid UTF-8 text (save the file as UTF-8)") from exc


def load_catalog_csv(path: str | Path) -> list[Product]:
    """Parse and validate a catalog file; raises :class:`CatalogError` at the first bad line."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_decode(path), newline=""), strict=True)
    products: list[Product] = []
    seen_sku: dict[str, int] = {}
    seen_class: dict[str, int] = {}
    header_seen = False
    last_line = 0
    try:
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue  # blank lines are allowed anywhere
            if not header_seen:
                if tuple(f.strip().lower() for f in fields) != HEADER:
                    raise CatalogError(path, line, f"header must be {','.join(HEADER)}")
                header_seen = True
                continue
            parsed = _parse_row(fields)
            if isinstance(parsed, str):
                raise CatalogError(path, line, parsed)
            if parsed.sku in seen_sku:
                raise CatalogError(path, line, f"duplicate sku {parsed.sku!r} (first on line "
                                               f"{seen_sku[parsed.sku]})")
            if parsed.detector_class in seen_class:
                raise CatalogError(path, line, f"duplicate detector_class {parsed.detector_class!r} "
                                               f"(first on line {seen_class[parsed.detector_class]})")
            seen_sku[parsed.sku] = seen_class[parsed.detector_class] = line
            products.append(parsed)
            if len(products) > MAX_PRODUCTS:
                raise CatalogError(path, line, f"more than {MAX_PRODUCTS:,} products; a catalog file may "
                                               f"list at most {MAX_PRODUCTS:,}")
    except csv.Error as exc:
        raise CatalogError(path, last_line + 1, f"malformed CSV: {exc}") from exc
    if not header_seen:
        raise CatalogError(path, 1, f"empty file; expected the header {','.join(HEADER)}")
    if not products:
        raise CatalogError(path, 1, "no products after the header")
    log.info("catalog %s: %d products", path, len(products))
    return products


class Catalog:
    """An immutable set of products, looked up by SKU or by detector class."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._products = tuple(products)
        self._by_sku: dict[str, Product] = {}
        self._by_class: dict[str, Product] = {}
        for product in self._products:
            if product.sku in self._by_sku:
                raise ValueError(f"duplicate sku {product.sku!r} in catalog")
            if product.detector_class in self._by_class:
                raise ValueError(f"duplicate detector class {product.detector_class!r} in catalog")
            self._by_sku[product.sku] = product
            self._by_class[product.detector_class] = product

    @property
    def products(self) -> tuple[Product, ...]:
        return self._products

    @property
    def classes(self) -> tuple[str, ...]:
        """Detector classes of all products, in catalog order."""
        return tuple(p.detector_class for p in self._products)

    def active_products(self) -> tuple[Product, ...]:
        return tuple(p for p in self._products if p.active)

    def by_sku(self, sku: str) -> Product:
        try:
            return self._by_sku[sku]
        except KeyError:
            raise KeyError(f"no product with sku {sku!r} in the catalog") from None

    def by_class(self, detector_class: str) -> Product:
        try:
            return self._by_class[detector_class]
        except KeyError:
            raise KeyError(f"detector class {detector_class!r} is not in the catalog") from None

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def __len__(self) -> int:
        return len(self._products)

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products)

    def __repr__(self) -> str:
        return f"Catalog({len(self._products)} products)"
