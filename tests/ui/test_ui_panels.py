"""The cart table model and panel, and the face panel, driven by real core objects."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PyQt5.QtCore import Qt

from app.core.cart import Cart
from app.core.catalog import Product
from app.ui.cart_panel import COUNT, LINE_TOTAL, NAME, UNIT_PRICE, CartPanel, CartTableModel
from app.ui.face_panel import FacePanel
from app.ui.i18n import install_translator

RAMEN = Product("8801", "신라면", "Shin Ramyun", 1200, "shin_ramyun")
COKE = Product("8802", "코카콜라 500ml", "Coca-Cola 500ml", 2300, "coke")


@pytest.fixture
def korean(qapp):
    install_translator(qapp, "ko")
    yield qapp
    install_translator(qapp, "ko")


@pytest.fixture
def cart() -> Cart:
    cart = Cart()
    cart.add(RAMEN, 2)
    cart.add(COKE, 1)
    return cart


def text(model: CartTableModel, row: int, column: int, role: int = Qt.DisplayRole):
    return model.data(model.index(row, column), role)


def test_model_shows_lines_with_won(korean, cart: Cart):
    model = CartTableModel(cart, "ko")
    assert (model.rowCount(), model.columnCount()) == (2, 4)
    assert text(model, 0, NAME) == "신라면"
    assert text(model, 0, COUNT) == "2"
    assert text(model, 0, UNIT_PRICE) == "1,200원"
    assert text(model, 0, LINE_TOTAL) == "2,400원"
    assert text(model, 1, LINE_TOTAL) == "2,300원"
    assert text(model, 0, LINE_TOTAL, Qt.TextAlignmentRole) & Qt.AlignRight
    assert model.headerData(NAME, Qt.Horizontal) == "상품명"
    assert model.headerData(0, Qt.Vertical) is None
    model.set_language("en")
    assert text(model, 0, NAME) == "Shin Ramyun" and text(model, 0, LINE_TOTAL) == "₩2,400"


def test_model_follows_the_cart(korean, cart: Cart):
    model = CartTableModel(cart, "ko")
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    cart.add(COKE, 2)
    assert resets and text(model, 1, COUNT) == "3"
    cart.remove(RAMEN.sku, 2)
    assert model.rowCount() == 1
    model.detach()
    cart.clear()
    assert model.rowCount() == 1  # no longer following


def test_cart_panel_total_and_pay(qtbot, korean, cart: Cart):
    panel = CartPanel(cart, "ko")
    qtbot.addWidget(panel)
    assert panel.total.amount_label.text() == "4,700원"
    assert panel.total.caption.text() == "합계"
    assert panel.total.count_label.text() == "총 3개"
    assert panel.pay_button.text() == "결제하기" and panel.pay_button.isEnabled()
    with qtbot.waitSignal(panel.pay_requested, timeout=1000):
        panel.pay_button.click()
    cart.clear()
    assert panel.total.amount_label.text() == "0원"
    assert not panel.pay_button.isEnabled()
    assert panel.stack.currentWidget() is panel.empty_label


def test_face_panel_lists_and_highlights(qtbot, korean):
    customers = [("C001", "김민준", date(2024, 5, 1)), ("C002", "이서연", datetime(2024, 6, 12, 9, 30))]
    panel = FacePanel(customers)
    qtbot.addWidget(panel)
    assert panel.customer_list.count() == 2
    row = panel.customer_list.itemWidget(panel.customer_list.item(1))
    assert row.name_label.text() == "이서연" and "C002" in row.meta_label.text()
    assert "2024-06-12" in row.meta_label.text()
    assert panel.list_title.text() == "등록 고객 (2명)"
    panel.highlight("C002")
    assert panel.highlighted() == "C002" and panel.customer_list.item(1).isSelected()
    assert "이서연" in panel.who_label.text()
    panel.highlight("nobody")
    assert panel.highlighted() is None and not panel.customer_list.selectedItems()
    panel.set_customers([])
    assert panel.customer_list.count() == 0 and not panel.customer_list.isVisibleTo(panel)


def test_cart_rows_show_the_product_artwork_or_an_initial_tile(qapp):
    from PyQt5.QtCore import Qt

    from app.core.cart import Cart
    from app.core.catalog import Catalog, Product
    from app.ui.cart_panel import THUMBNAIL_PX, CartTableModel

    catalog = Catalog([Product("COKE-500", "코카콜라 500ml", "Coke", 2100, "coke_500ml"),
                       Product("NEW-1", "새 상품", "New", 1000, "brand_new_item")])
    cart = Cart()
    cart.set_counts({"coke_500ml": 1, "brand_new_item": 1}, catalog)
    model = CartTableModel(cart, "ko")
    icons = [model.data(model.index(row, 0), Qt.DecorationRole) for row in range(2)]
    assert all(icon.width() == THUMBNAIL_PX for icon in icons)
    art, tile = (icon.toImage() for icon in icons)
    assert art != tile and art.pixelColor(THUMBNAIL_PX // 2, THUMBNAIL_PX // 2).alpha() > 0
    model.detach()
