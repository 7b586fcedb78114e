"""Catalog page: every product with its price and flags; change a price, (de)activate, add a product,
teach the detector a new product from the counter (``app.ui.enroll``) or restore the previous model."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QDialog, QHBoxLayout, QHeaderView, QMessageBox, QVBoxLayout, QWidget

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
from app.ui.theme import SKY, repolish

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

    def set_known_classes(self, known_classes: tuple[str, ...]) -> None:
        """The classes of the detector now in use (after a model change)."""
        self.beginResetModel()
        self._known = frozenset(known_classes)
        self.endResetModel()

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
        self.dialog: QDialog | None = None
        self.confirm: QMessageBox | None = None
        self.model = CatalogTableModel(ctx.detector_classes, self)
        self.catalog: Catalog = Catalog(())
        hint = self.tr("Prices and products the kiosk sells. Select a product to change it.")
        self.header = PageHeader(self.tr("Catalog"), hint)
        self.add_button = action_button(self.tr("Add product"), "primary")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.enroll_button = action_button(self.tr("New product from the counter"))
        self.enroll_button.clicked.connect(self.open_enroll_dialog)
        if ctx.model_dir is None:
            self.enroll_button.setEnabled(False)
            no_model = self.tr("A new product can be taught to the detector only when its model folder is "
                               "known.")
            self.enroll_button.setToolTip(no_model)
            self.header.hint.setText(f"{hint} {no_model}")
        self.header.add_widget(self.enroll_button)
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
        self.restore_button = action_button(self.tr("Restore the previous model"))
        self.restore_button.clicked.connect(self.ask_restore)
        self.notice = Notice()
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.restore_button)
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
        self.restore_button.setEnabled(self.previous_model() is not None)
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

    def _open(self, dialog: QDialog) -> None:
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
        if self.confirm is not None:
            self.confirm.close()

    # --- the detector model: enrol a new product, or bring the previous model back -----------------------
    def open_enroll_dialog(self) -> None:
        """The enrollment wizard (``app.ui.enroll``), over the admin area."""
        if self.ctx.model_dir is None:
            return
        from app.ui.enroll import EnrollDialog

        dialog = EnrollDialog(self.ctx, self)
        dialog.model_changed.connect(lambda d=dialog: self._model_replaced(
            d.result.product.sku if d.result is not None else None))
        self._open(dialog)

    def previous_model(self) -> Path | None:
        """The kept previous model (``<model>.previous``), if there is one."""
        if self.ctx.model_dir is None:
            return None
        from app.training.enroll_apply import SwapPaths

        previous = SwapPaths.of(self.ctx.model_dir).previous
        return previous if previous.is_dir() else None

    def ask_restore(self) -> None:
        if self.previous_model() is None:
            return
        box = QMessageBox(QMessageBox.Warning, self.tr("Restore the previous model"),
                          self.tr("Go back to the previous detector model?"), QMessageBox.NoButton, self)
        box.setObjectName("AdminDialog")
        box.setInformativeText(self.tr("The detector goes back to the model it had before the last change. "
                                       "Products that model does not know are no longer sold. Restoring "
                                       "again undoes this."))
        self.restore_confirm_button = box.addButton(self.tr("Restore"), QMessageBox.DestructiveRole)
        self.restore_confirm_button.setProperty("role", "danger")
        repolish(self.restore_confirm_button)
        cancel = box.addButton(self.tr("Cancel"), QMessageBox.RejectRole)
        box.setDefaultButton(cancel)
        for button in (self.restore_confirm_button, cancel):
            button.setMinimumSize(160, 52)
        box.buttonClicked.connect(lambda button: self.restore_model() if button is self.restore_confirm_button
                                  else None)
        box.finished.connect(lambda _result, b=box: self._confirm_closed(b))
        self.confirm = box
        box.open()

    def _confirm_closed(self, box: QMessageBox) -> None:
        if self.confirm is box:
            self.confirm = None
        box.deleteLater()

    def restore_model(self) -> None:
        """Swap the previous model back in (in a thread), then tell the kiosk."""
        from app.training.enroll_apply import restore_previous_model
        from app.workers.enroll import alive, start_task

        if self.ctx.model_dir is None:
            return
        ctx, model_dir = self.ctx, Path(self.ctx.model_dir)
        self.restore_button.setEnabled(False)
        self.notice.show_ok(self.tr("Restoring the previous model…"))

        def restored(result: Any) -> None:
            try:  # also when the page has gone meanwhile: the kiosk must load the restored model
                ctx.on_model_changed()
            except Exception:
                log.exception("on_model_changed failed")
            if alive(self):
                self._model_replaced(None)
                text = self.tr("The previous model is back ({count} product classes).").format(
                    count=len(result.classes))
                if result.deactivated:
                    skus = ", ".join(result.deactivated)
                    text += " " + self.tr("No longer sold: {skus}.").format(skus=skus)
                self.notice.show_ok(text)

        def failed(error: str) -> None:
            if alive(self):
                self._update_buttons()
                self.notice.show_error(self.tr("Could not restore the previous model: {error}").format(
                    error=error))

        start_task("restore-model", lambda: restore_previous_model(model_dir, ctx.store), restored, failed)

    def _model_replaced(self, sku: str | None) -> None:
        """After a model change: the detector's classes and the catalog may both differ."""
        from app.vision.detection import ModelBundle, ModelError

        if self.ctx.model_dir is not None:
            try:
                self.model.set_known_classes(ModelBundle.load(self.ctx.model_dir).classes)
            except ModelError:
                log.exception("cannot read the classes of the model now in use")
        self.refresh(select_sku=sku)
