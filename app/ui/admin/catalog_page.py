"""Catalog page: every product with its price and flags; change a price, (de)activate, add a product."""

from __future__ import annotations

import logging
from typing import Any

from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QHBoxLayout, QHeaderView, QVBoxLayout, QWidget

from app.core.catalog import Catalog, Product
from app.core.money import format_won
from app.ui.admin.context import AdminContext
from app.ui.admin.product_dialogs import PriceDialog, ProductDialog
from app.ui.admin.widgets import (
    Notice,
    PageHeader,
    TwoLineDelegate,
    action_button,
    make_table,
    ui_language,
)
from app.ui.theme import SKY

log = logging.getLogger(__name__)

SKU, NAME, PRICE, CLASS, AGE, ACTIVE = range(6)
NAME_ROW_HEIGHT = 60
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_CENTER = int(Qt.AlignCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)


class CatalogTableModel(QAbstractTableModel):
    """Rows are the products of a :class:`Catalog`; inactive ones are greyed out.

    The name column holds ``"Korean name\nEnglish name"`` (drawn on two lines by ``TwoLineDelegate``).
    """

    def __init__(self, known_classes: tuple[str, ...] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._products: tuple[Product, ...] = ()
        self._known = frozenset(known_classes)
        self.language = "ko"

    def set_catalog(self, catalog: Catalog, language: str) -> None:
        self.beginResetModel()
        self._products = catalog.products
        self.language = language
        self.endResetModel()

    def product(self, row: int) -> Product:
        return self._products[row]

    def row_of(self, sku: str) -> int:
        return next((i for i, p in enumerate(self._products) if p.sku == sku), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._products)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return [self.tr("SKU"), self.tr("Name (Korean / English)"), self.tr("Price"),
                    self.tr("Detector class"), self.tr("Age 19+"), self.tr("Status")][section]
        if role == Qt.TextAlignmentRole:
            return _RIGHT if section == PRICE else _CENTER if section in (AGE, ACTIVE) else _LEFT
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._products):
            return None
        product, column = self._products[index.row()], index.column()
        unknown_class = bool(self._known) and product.detector_class not in self._known
        if role == Qt.DisplayRole:
            return {
                SKU: product.sku, NAME: f"{product.name_ko}\n{product.name_en}",
                PRICE: format_won(product.price_won, self.language), CLASS: product.detector_class,
                AGE: "19+" if product.age_restricted else "",
                ACTIVE: self.tr("On sale") if product.active else self.tr("Off sale"),
            }[column]
        if role == Qt.TextAlignmentRole:
            return _RIGHT if column == PRICE else _CENTER if column in (AGE, ACTIVE) else _LEFT
        if role == Qt.ForegroundRole:
            if column == CLASS and unknown_class:
                return QColor(SKY["danger"])
            if column == ACTIVE:
                return QColor(SKY["success"] if product.active else SKY["text_muted"])
            if not product.active:
                return QColor(SKY["text_muted"])
        if role == Qt.ToolTipRole and column == CLASS and unknown_class:
            return self.tr("The loaded detector does not know this class: it is never counted.")
        if role == Qt.ToolTipRole and column == NAME:
            return f"{product.name_ko}\n{product.name_en}"
        if role == Qt.UserRole:
            return product.sku
        return None


class CatalogPage(QWidget):
    """The product table with "Change price", "Stop selling"/"Sell again" and "Add product"."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: PriceDialog | ProductDialog | None = None
        self.model = CatalogTableModel(ctx.detector_classes, self)
        self.catalog: Catalog = Catalog(())
        hint = self.tr("Prices and products the kiosk sells. Select a product to change it.")
        self.header = PageHeader(self.tr("Catalog"), hint)
        self.add_button = action_button(self.tr("Add product"), "primary")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.header.add_widget(self.add_button)
        self.table = make_table(self.model)
        self.table.setItemDelegateForColumn(NAME, TwoLineDelegate(self.table))
        self.table.verticalHeader().setDefaultSectionSize(NAME_ROW_HEIGHT)
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self.open_price_dialog)
        self.price_button = action_button(self.tr("Change price"), "primary")
        self.price_button.clicked.connect(self.open_price_dialog)
        self.active_button = action_button(self.tr("Stop selling"))
        self.active_button.clicked.connect(self.toggle_active)
        self.notice = Notice()
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.notice, 1)
        buttons.addWidget(self.active_button)
        buttons.addWidget(self.price_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    # --- state --------------------------------------------------------------------------------------
    def refresh(self, select_sku: str | None = None) -> None:
        """Re-read the catalog from the store, keeping (or moving) the selection."""
        select_sku = select_sku or self.selected_sku()
        self.catalog = self.ctx.store.load_catalog()
        self.model.set_catalog(self.catalog, ui_language(self.ctx.settings))
        row = self.model.row_of(select_sku) if select_sku else -1
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self._update_buttons()

    def selected_sku(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.product(rows[0].row()).sku if rows else None

    def selected_product(self) -> Product | None:
        sku = self.selected_sku()
        return self.catalog.by_sku(sku) if sku is not None and sku in self.catalog else None

    def select_sku(self, sku: str) -> None:
        row = self.model.row_of(sku)
        if row < 0:
            raise KeyError(sku)
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        product = self.selected_product()
        self.price_button.setEnabled(product is not None)
        self.active_button.setEnabled(product is not None)
        if product is not None and not product.active:
            self.active_button.setText(self.tr("Sell again"))
        else:
            self.active_button.setText(self.tr("Stop selling"))

    # --- actions ------------------------------------------------------------------------------------
    def open_price_dialog(self) -> None:
        product = self.selected_product()
        if product is None:
            return
        dialog = PriceDialog(product, ui_language(self.ctx.settings), self)
        dialog.accepted.connect(lambda: self.set_price(product.sku, dialog.price))
        self._open(dialog)

    def open_add_dialog(self) -> None:
        free = tuple(c for c in self.ctx.detector_classes if c not in set(self.catalog.classes))
        dialog = ProductDialog(self.catalog, free, bool(self.ctx.detector_classes),
                               ui_language(self.ctx.settings), self)
        dialog.accepted.connect(lambda: self.add_product(dialog.product))
        self._open(dialog)

    def _open(self, dialog: PriceDialog | ProductDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        dialog.open()

    def _dialog_closed(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def set_price(self, sku: str, price_won: int | None) -> bool:
        if price_won is None:
            return False
        product = self.catalog.by_sku(sku)
        if price_won == product.price_won:
            return False
        try:
            self.ctx.store.set_price(sku, price_won)
        except Exception as exc:
            log.exception("changing the price of %s failed", sku)
            self.notice.show_error(self.tr("Could not change the price: {error}").format(error=exc))
            return False
        language = ui_language(self.ctx.settings)
        self._changed(sku, self.tr("{name}: {old} → {new}").format(
            name=product.name(language), old=format_won(product.price_won, language),
            new=format_won(price_won, language)))
        return True

    def toggle_active(self) -> bool:
        product = self.selected_product()
        if product is None:
            return False
        try:
            self.ctx.store.set_active(product.sku, not product.active)
        except Exception as exc:
            log.exception("changing the status of %s failed", product.sku)
            self.notice.show_error(self.tr("Could not change the product: {error}").format(error=exc))
            return False
        name = product.name(ui_language(self.ctx.settings))
        text = (self.tr("{name} is no longer sold.") if product.active else
                self.tr("{name} is on sale again."))
        self._changed(product.sku, text.format(name=name))
        return True

    def add_product(self, product: Product | None) -> bool:
        if product is None:
            return False
        try:
            self.ctx.store.add_product(product)
        except Exception as exc:
            log.exception("adding product %s failed", product.sku)
            self.notice.show_error(self.tr("Could not add the product: {error}").format(error=exc))
            return False
        self._changed(product.sku, self.tr("{name} was added.").format(
            name=product.name(ui_language(self.ctx.settings))))
        return True

    def _changed(self, sku: str, message: str) -> None:
        self.refresh(select_sku=sku)
        self.notice.show_ok(message)
        try:
            self.ctx.on_catalog_changed()
        except Exception:
            log.exception("on_catalog_changed failed")

    def close_dialogs(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
