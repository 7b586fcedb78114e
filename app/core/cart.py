"""The cart: products and counts, in whole won. Pure Python; views subscribe with ``add_listener``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from app.core.catalog import Catalog, Product

MAX_LINE_COUNT = 999


@dataclass(frozen=True)
class CartLine:
    product: Product
    count: int

    @property
    def line_total(self) -> int:
        return self.product.price_won * self.count


def _check_count(n: int, what: str = "count") -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"{what} must not be negative ({n})")
    return n


class Cart:
    """Lines keyed by SKU, kept in the order they were first added."""

    def __init__(self) -> None:
        self._lines: dict[str, CartLine] = {}
        self._listeners: list[Callable[[Cart], None]] = []

    # -- observers -------------------------------------------------------------------------------
    def add_listener(self, callback: Callable[[Cart], None]) -> None:
        """Call ``callback(cart)`` after every change."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[Cart], None]) -> None:
        self._listeners.remove(callback)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback(self)

    # -- edits -----------------------------------------------------------------------------------
    def _set(self, product: Product, count: int) -> None:
        if count > MAX_LINE_COUNT:
            raise ValueError(f"count {count} for {product.sku!r} exceeds {MAX_LINE_COUNT}")
        if count == 0:
            self._lines.pop(product.sku, None)
        elif product.sku in self._lines:
            self._lines[product.sku] = replace(self._lines[product.sku], product=product, count=count)
        else:
            self._lines[product.sku] = CartLine(product, count)

    def _line(self, sku: str) -> CartLine:
        try:
            return self._lines[sku]
        except KeyError:
            raise KeyError(f"sku {sku!r} is not in the cart") from None

    def add(self, product: Product, n: int = 1) -> None:
        """Add ``n`` of ``product``; a product already in the cart takes the newer product data."""
        _check_count(n)
        if not product.active:
            raise ValueError(f"product {product.sku!r} is not for sale (inactive)")
        if n == 0:
            return
        current = self._lines[product.sku].count if product.sku in self._lines else 0
        self._set(product, current + n)
        self._changed()

    def remove(self, sku: str, n: int = 1) -> None:
        """Take ``n`` of ``sku`` out; the line disappears at zero. More than present is an error."""
        _check_count(n)
        line = self._line(sku)
        if n > line.count:
            raise ValueError(f"cannot remove {n} of {sku!r}: only {line.count} in the cart")
        if n:
            self._set(line.product, line.count - n)
            self._changed()

    def set_count(self, sku: str, n: int) -> None:
        """Set the count of a line already in the cart; ``0`` removes it."""
        _check_count(n)
        line = self._line(sku)
        if n != line.count:
            self._set(line.product, n)
            self._changed()

    def void_line(self, sku: str) -> None:
        self._line(sku)
        del self._lines[sku]
        self._changed()

    def clear(self) -> None:
        if self._lines:
            self._lines.clear()
            self._changed()

    def set_counts(self, counts: Mapping[str, int], catalog: Catalog) -> None:
        """Replace the cart with ``{detector_class: count}`` (zero counts ignored).

        Every class is checked first (unknown class → KeyError, inactive product or bad count →
        ValueError) so a failure leaves the cart unchanged. Lines already in the cart keep their place.
        """
        wanted: dict[str, tuple[Product, int]] = {}
        for cls, n in counts.items():
            _check_count(n, f"count of {cls!r}")
            if n == 0:
                continue
            product = catalog.by_class(cls)
            if not product.active:
                raise ValueError(f"product {product.sku!r} ({cls}) is not for sale (inactive)")
            if n > MAX_LINE_COUNT:
                raise ValueError(f"count {n} for {cls!r} exceeds {MAX_LINE_COUNT}")
            wanted[product.sku] = (product, n)
        before = dict(self._lines)
        kept = {sku: CartLine(*wanted[sku]) for sku in self._lines if sku in wanted}
        added = {sku: CartLine(p, n) for sku, (p, n) in wanted.items() if sku not in kept}
        self._lines = {**kept, **added}
        if self._lines != before:
            self._changed()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines.values())

    def count_of(self, sku: str) -> int:
        line = self._lines.get(sku)
        return line.count if line else 0

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self._lines.values())

    @property
    def item_count(self) -> int:
        return sum(line.count for line in self._lines.values())

    @property
    def is_empty(self) -> bool:
        return not self._lines

    @property
    def has_age_restricted(self) -> bool:
        return any(line.product.age_restricted for line in self._lines.values())

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return f"Cart({len(self._lines)} lines, {self.item_count} items, {self.total} won)"
