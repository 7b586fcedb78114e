"""Cart arithmetic in whole won, and money formatting."""

from __future__ import annotations

import pytest

from app.core.cart import MAX_LINE_COUNT, Cart, CartLine
from app.core.catalog import Catalog, Product
from app.core.money import format_won

COKE = Product("COKE-500", "코카콜라 500ml", "Coca-Cola 500ml", 2100, "coke_500ml")
ZERO = Product("COKEZERO-500", "코카콜라 제로 500ml", "Coca-Cola Zero 500ml", 2100, "coke_zero_500ml")
MANDU = Product("BIBIGO-MANDU", "비비고 왕교자", "Bibigo Gyoza", 10980, "bibigo_mandu")
SOJU = Product("CHAMISUL-360", "참이슬", "Chamisul", 1950, "chamisul_360ml", age_restricted=True)
GONE = Product("GONE-1", "단종", "Discontinued", 500, "gone", active=False)
CATALOG = Catalog([COKE, ZERO, MANDU, SOJU, GONE])


def skus(cart: Cart) -> list[str]:
    return [line.product.sku for line in cart.lines]


def test_empty_cart() -> None:
    cart = Cart()
    assert cart.is_empty and cart.total == 0 and cart.item_count == 0 and cart.lines == ()


def test_add_merges_and_keeps_first_added_order() -> None:
    cart = Cart()
    cart.add(MANDU)
    cart.add(COKE, 2)
    cart.add(MANDU, 2)
    assert skus(cart) == ["BIBIGO-MANDU", "COKE-500"]
    assert cart.lines[0] == CartLine(MANDU, 3)
    assert cart.lines[0].line_total == 32940
    assert cart.total == 3 * 10980 + 2 * 2100 == 37140
    assert isinstance(cart.total, int)
    assert cart.item_count == 5 and not cart.is_empty and len(cart) == 2


def test_remove_and_set_count() -> None:
    cart = Cart()
    cart.add(COKE, 3)
    cart.add(ZERO)
    cart.remove("COKE-500")
    assert cart.count_of("COKE-500") == 2
    cart.set_count("COKE-500", 5)
    assert cart.total == 5 * 2100 + 2100
    cart.remove("COKEZERO-500")
    assert skus(cart) == ["COKE-500"]
    cart.set_count("COKE-500", 0)
    assert cart.is_empty


def test_remove_errors() -> None:
    cart = Cart()
    cart.add(COKE, 2)
    with pytest.raises(ValueError, match="only 2 in the cart"):
        cart.remove("COKE-500", 3)
    with pytest.raises(KeyError, match="not in the cart"):
        cart.remove("NOPE")
    with pytest.raises(KeyError):
        cart.set_count("NOPE", 1)
    assert cart.count_of("COKE-500") == 2


@pytest.mark.parametrize("op", ["add", "remove", "set_count"])
def test_negative_counts_raise(op: str) -> None:
    cart = Cart()
    cart.add(COKE, 2)
    with pytest.raises(ValueError, match="negative"):
        if op == "add":
            cart.add(COKE, -1)
        elif op == "remove":
            cart.remove("COKE-500", -1)
        else:
            cart.set_count("COKE-500", -1)
    assert cart.count_of("COKE-500") == 2


def test_counts_must_be_int() -> None:
    cart = Cart()
    with pytest.raises(TypeError):
        cart.add(COKE, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cart.add(COKE, True)  # type: ignore[arg-type]
    assert cart.is_empty


def test_count_bound() -> None:
    cart = Cart()
    cart.add(COKE, MAX_LINE_COUNT)
    with pytest.raises(ValueError, match="exceeds"):
        cart.add(COKE)
    assert cart.count_of("COKE-500") == MAX_LINE_COUNT


def test_void_line_and_clear() -> None:
    cart = Cart()
    cart.add(COKE)
    cart.add(SOJU, 2)
    assert cart.has_age_restricted
    cart.void_line("CHAMISUL-360")
    assert skus(cart) == ["COKE-500"] and not cart.has_age_restricted
    with pytest.raises(KeyError):
        cart.void_line("CHAMISUL-360")
    cart.clear()
    assert cart.is_empty


def test_inactive_product_cannot_be_added() -> None:
    with pytest.raises(ValueError, match="not for sale"):
        Cart().add(GONE)


def test_set_counts_replaces_cart_and_keeps_order() -> None:
    cart = Cart()
    cart.add(MANDU)
    cart.add(COKE)
    cart.set_counts({"coke_zero_500ml": 1, "coke_500ml": 3, "bibigo_mandu": 0}, CATALOG)
    assert skus(cart) == ["COKE-500", "COKEZERO-500"]  # mandu gone (zero), coke kept its place
    assert cart.count_of("COKE-500") == 3
    assert cart.total == 4 * 2100
    cart.set_counts({}, CATALOG)
    assert cart.is_empty


@pytest.mark.parametrize(("counts", "error"), [
    ({"coke_500ml": 1, "unknown_thing": 1}, KeyError),
    ({"coke_500ml": 1, "gone": 1}, ValueError),
    ({"coke_500ml": -1}, ValueError),
    ({"coke_500ml": MAX_LINE_COUNT + 1}, ValueError),
])
def test_set_counts_failure_leaves_cart_unchanged(counts: dict[str, int], error: type[Exception]) -> None:
    cart = Cart()
    cart.add(MANDU, 2)
    with pytest.raises(error):
        cart.set_counts(counts, CATALOG)
    assert cart.lines == (CartLine(MANDU, 2),)


def test_listeners_see_every_change_but_not_no_ops() -> None:
    cart = Cart()
    seen: list[int] = []

    def listener(c: Cart) -> None:
        seen.append(c.total)

    cart.add_listener(listener)
    cart.add(COKE)
    cart.add(COKE, 0)
    cart.set_counts({"coke_500ml": 1}, CATALOG)
    cart.set_counts({"coke_500ml": 2}, CATALOG)
    cart.clear()
    cart.clear()
    cart.remove_listener(listener)
    cart.add(COKE)
    assert seen == [2100, 4200, 0]


@pytest.mark.parametrize(("amount", "lang", "text"), [
    (12300, "ko", "12,300원"),
    (12300, "en", "₩12,300"),
    (0, "ko", "0원"),
    (1234567, "en", "₩1,234,567"),
    (-2100, "ko", "-2,100원"),
    (-2100, "en", "-₩2,100"),
])
def test_format_won(amount: int, lang: str, text: str) -> None:
    assert format_won(amount, lang) == text


def test_format_won_rejects_floats_and_unknown_languages() -> None:
    with pytest.raises(TypeError):
        format_won(12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_won(100, "ja")
    assert format_won(100) == "100원"
