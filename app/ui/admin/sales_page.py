"""Sales page: one day's sales, their count and sum, won per hour, and reprinting a receipt."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from PyQt5.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.money import format_won
from app.core.receipt import Receipt, payment_label
from app.store.records import SaleRecord
from app.ui.admin.chart import HOURS, HourlyChart
from app.ui.admin.context import AdminContext
from app.ui.admin.widgets import Notice, PageHeader, StatTile, action_button, make_table, ui_language
from app.ui.receipt_print import ReceiptFiles, receipt_to_image, save_receipt

log = logging.getLogger(__name__)

TIME, RECEIPT_NO, ITEMS, TOTAL, CUSTOMER, PAYMENT = range(6)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)


class SalesTableModel(QAbstractTableModel):
    """Rows are the sales of one day, oldest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sales: list[SaleRecord] = []
        self._names: Mapping[str, str] = {}
        self._catalog = Catalog(())
        self.language = "ko"

    def set_sales(self, sales: list[SaleRecord], customer_names: Mapping[str, str], catalog: Catalog,
                  language: str) -> None:
        self.beginResetModel()
        self._sales, self._names, self._catalog, self.language = sales, customer_names, catalog, language
        self.endResetModel()

    def sale(self, row: int) -> SaleRecord:
        return self._sales[row]

    def row_of(self, receipt_no: str) -> int:
        return next((i for i, s in enumerate(self._sales) if s.receipt_no == receipt_no), -1)

    def item_text(self, sale: SaleRecord) -> str:
        names = []
        for line in sale.lines:
            known = line.sku in self._catalog
            name = self._catalog.by_sku(line.sku).name(self.language) if known else line.name
            names.append(f"{name} ×{line.count}")
        return ", ".join(names)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._sales)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return [self.tr("Time"), self.tr("Receipt no."), self.tr("Items"), self.tr("Total"),
                    self.tr("Customer"), self.tr("Payment")][section]
        if role == Qt.TextAlignmentRole:
            return _RIGHT if section == TOTAL else _LEFT
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._sales):
            return None
        sale, column = self._sales[index.row()], index.column()
        if role == Qt.DisplayRole:
            if column == TIME:
                return f"{sale.created_at.astimezone():%H:%M:%S}"
            if column == RECEIPT_NO:
                return sale.receipt_no
            if column == ITEMS:
                return self.item_text(sale)
            if column == TOTAL:
                return format_won(sale.total_won, self.language)
            if column == CUSTOMER:
                return self._names.get(sale.customer_id or "", "—")
            return payment_label(sale.payment_method, self.language)
        if role == Qt.TextAlignmentRole:
            return _RIGHT if column == TOTAL else _LEFT
        if role == Qt.ToolTipRole and column == ITEMS:
            return self.item_text(sale).replace(", ", "\n")
        if role == Qt.UserRole:
            return sale.receipt_no
        return None


class ReceiptPreview(QDialog):
    """The reprinted receipt as it was saved, with where its files are."""

    def __init__(self, image: QPixmap, files: ReceiptFiles, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="AdminDialog")
        self.files = files
        self.setWindowTitle(self.tr("Receipt"))
        title = QLabel(self.tr("Receipt saved"), objectName="AdminDialogTitle")
        where = QLabel(self.tr("Saved as {pdf}\nand {text}").format(pdf=files.pdf, text=files.text),
                       objectName="PageHint", wordWrap=True)
        where.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.image_label = QLabel(objectName="ReceiptImage", alignment=Qt.AlignHCenter | Qt.AlignTop)
        self.image_label.setPixmap(image)
        scroll = QScrollArea(objectName="ReceiptScroll")
        scroll.setWidget(self.image_label)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignHCenter)
        close = action_button(self.tr("Close"), "primary")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(scroll, 1)
        layout.addWidget(where)
        layout.addWidget(close)
        self.resize(image.width() + 90, 720)


class SalesPage(QWidget):
    """Pick a day (today by default); select a sale and tap "Reprint receipt"."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview: ReceiptPreview | None = None
        self.sales: list[SaleRecord] = []
        self.model = SalesTableModel(self)
        self.header = PageHeader(self.tr("Sales"))
        self.prev_button = action_button("◀", object_name="DayButton")
        self.prev_button.clicked.connect(lambda: self.set_day(self.day - timedelta(days=1)))
        self.date_edit = QDateEdit(calendarPopup=True, objectName="DayEdit")
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setDate(QDate.currentDate())
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        self.next_button = action_button("▶", object_name="DayButton")
        self.next_button.clicked.connect(lambda: self.set_day(self.day + timedelta(days=1)))
        for button in (self.prev_button, self.next_button):
            button.setFixedWidth(56)
        self.today_button = action_button(self.tr("Today"))
        self.today_button.clicked.connect(lambda: self.set_day(date.today()))
        for widget in (self.prev_button, self.date_edit, self.next_button, self.today_button):
            self.header.add_widget(widget)

        self.count_tile = StatTile(self.tr("Sales"))
        self.sum_tile = StatTile(self.tr("Total"))
        self.average_tile = StatTile(self.tr("Average sale"))
        self.chart = HourlyChart()
        tiles = QVBoxLayout()
        tiles.setSpacing(10)
        for tile in (self.count_tile, self.sum_tile, self.average_tile):
            tiles.addWidget(tile)
        summary = QHBoxLayout()
        summary.setSpacing(16)
        summary.addLayout(tiles)
        summary.addWidget(self.chart, 1)

        self.table = make_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(ITEMS, QHeaderView.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self.reprint_selected)
        self.reprint_button = action_button(self.tr("Reprint receipt"), "primary")
        self.reprint_button.clicked.connect(self.reprint_selected)
        self.notice = Notice()
        buttons = QHBoxLayout()
        buttons.addWidget(self.notice, 1)
        buttons.addWidget(self.reprint_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(self.header)
        layout.addLayout(summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    @property
    def day(self) -> date:
        return self.date_edit.date().toPyDate()

    def set_day(self, day: date) -> None:
        """Show the sales of ``day`` (not after today)."""
        self.date_edit.setMaximumDate(QDate.currentDate())  # the admin area may stay open past midnight
        day = min(day, date.today())
        if day != self.day:
            self.date_edit.setDate(QDate(day.year, day.month, day.day))  # refreshes via dateChanged
        else:
            self.refresh()

    def refresh(self) -> None:
        language = ui_language(self.ctx.settings)
        self.sales = self.ctx.store.sales_of_day(self.day)
        names = {c.customer_id: c.name for c in self.ctx.store.list_customers()}
        self.model.set_sales(self.sales, names, self.ctx.store.load_catalog(), language)
        total = sum(s.total_won for s in self.sales)
        self.count_tile.set_value(str(len(self.sales)))
        self.sum_tile.set_value(format_won(total, language))
        self.average_tile.set_value(format_won(total // len(self.sales), language) if self.sales else "—")
        hourly = [0] * HOURS
        for sale in self.sales:
            hourly[sale.created_at.astimezone().hour] += sale.total_won
        self.chart.set_totals(hourly, language)
        self.header.title.setText(self.tr("Sales of {day}").format(day=f"{self.day:%Y-%m-%d}")
                                  if self.day != date.today() else self.tr("Sales today"))
        self.next_button.setEnabled(self.day < date.today())
        self._update_buttons()

    def selected_sale(self) -> SaleRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.sale(rows[0].row()) if rows else None

    def select_receipt(self, receipt_no: str) -> None:
        row = self.model.row_of(receipt_no)
        if row < 0:
            raise KeyError(receipt_no)
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        self.reprint_button.setEnabled(self.selected_sale() is not None)

    def reprint_selected(self) -> ReceiptFiles | None:
        """Rebuild the selected sale's receipt, write its .txt and .pdf, and show it."""
        sale = self.selected_sale()
        if sale is None:
            return None
        language = ui_language(self.ctx.settings)
        names = {c.customer_id: c.name for c in self.ctx.store.list_customers()}
        receipt = Receipt.from_sale_record(sale, store_name=self.ctx.store_name,
                                           customer_name=names.get(sale.customer_id or ""))
        try:
            files = save_receipt(receipt, self.ctx.receipt_dir, language)
            self.ctx.store.audit("receipt_reprinted", {"receipt_no": sale.receipt_no}, actor="admin")
        except Exception as exc:
            log.exception("reprinting receipt %s failed", sale.receipt_no)
            self.notice.show_error(self.tr("Could not save the receipt: {error}").format(error=exc))
            return None
        self.notice.show_ok(self.tr("Receipt {number} saved.").format(number=sale.receipt_no))
        image = QPixmap.fromImage(receipt_to_image(receipt, language, width_px=420))
        if self.preview is not None:
            self.preview.close()
        preview = ReceiptPreview(image, files, self)
        preview.finished.connect(lambda _r, p=preview: self._preview_closed(p))
        self.preview = preview
        preview.open()
        return files

    def _preview_closed(self, preview: ReceiptPreview) -> None:
        if self.preview is preview:
            self.preview = None
        preview.deleteLater()

    def close_dialogs(self) -> None:
        if self.preview is not None:
            self.preview.close()
