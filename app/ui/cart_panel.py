"""The cart: a table model over :class:`~app.core.cart.Cart`, its view, the total and the Pay button."""

from __future__ import annotations

import contextlib
import logging
import weakref
from typing import Any

from PyQt5 import sip
from PyQt5.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QPixmap
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.cart import Cart, CartLine
from app.core.money import format_won
from app.core.settings import RESOURCES_DIR
from app.ui.theme import SKY

log = logging.getLogger(__name__)

NAME, COUNT, UNIT_PRICE, LINE_TOTAL = range(4)
PRODUCTS_DIR = RESOURCES_DIR / "products"
THUMBNAIL_PX = 40
_thumbnails: dict[str, QPixmap] = {}


def product_thumbnail(detector_class: str, name: str) -> QPixmap:
    """The product's artwork (``resources/products/<class>.png``) as a small square; a product without
    artwork (added in the admin area) gets its initial on a sky-blue tile. Cached per class."""
    if detector_class in _thumbnails:
        return _thumbnails[detector_class]
    size = THUMBNAIL_PX
    tile = QPixmap(size, size)
    tile.fill(Qt.transparent)
    painter = QPainter(tile)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.SmoothPixmapTransform)
    art = QImage(str(PRODUCTS_DIR / f"{detector_class}.png"))
    if not art.isNull():
        scaled = art.scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        painter.drawImage((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    else:
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(SKY["primary_soft"]))
        painter.drawRoundedRect(0, 0, size, size, 8, 8)
        painter.setPen(QColor(SKY["primary_pressed"]))
        font = painter.font()
        font.setPixelSize(size // 2)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(tile.rect(), Qt.AlignCenter, (name.strip() or "?")[0])
    painter.end()
    _thumbnails[detector_class] = tile
    return tile
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_CENTER = int(Qt.AlignCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)


class CartTableModel(QAbstractTableModel):
    """Rows are cart lines; columns product, count, unit price, line total. Follows the cart's changes."""

    def __init__(self, cart: Cart, language: str = "ko", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cart = cart
        self._language = language
        self._lines: tuple[CartLine, ...] = cart.lines
        ref = weakref.ref(self)

        def listener(_cart: Cart) -> None:
            model = ref()
            if model is not None and not sip.isdeleted(model):
                model.refresh()

        self._listener = listener
        cart.add_listener(listener)

    @property
    def cart(self) -> Cart:
        return self._cart

    def detach(self) -> None:
        """Stop following the cart."""
        with contextlib.suppress(ValueError):
            self._cart.remove_listener(self._listener)

    def refresh(self) -> None:
        self.beginResetModel()
        self._lines = self._cart.lines
        self.endResetModel()

    def set_language(self, language: str) -> None:
        """Product names and money follow ``language``; also re-reads the translated headers."""
        self._language = language
        self.refresh()
        self.headerDataChanged.emit(Qt.Horizontal, 0, self.columnCount() - 1)

    def headers(self) -> list[str]:
        return [self.tr("Product"), self.tr("Qty"), self.tr("Price"), self.tr("Amount")]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole and 0 <= section < 4:
            return self.headers()[section]
        if role == Qt.TextAlignmentRole:
            return _LEFT if section == NAME else _CENTER if section == COUNT else _RIGHT
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line, column = self._lines[index.row()], index.column()
        if role == Qt.DisplayRole:
            if column == NAME:
                return line.product.name(self._language)
            if column == COUNT:
                return str(line.count)
            if column == UNIT_PRICE:
                return format_won(line.product.price_won, self._language)
            return format_won(line.line_total, self._language)
        if role == Qt.DecorationRole and column == NAME:
            return product_thumbnail(line.product.detector_class, line.product.name(self._language))
        if role == Qt.TextAlignmentRole:
            return _LEFT if column == NAME else _CENTER if column == COUNT else _RIGHT
        if role == Qt.ToolTipRole and column == NAME:
            return f"{line.product.name(self._language)} ({line.product.sku})"
        if role == Qt.UserRole:
            return line.product.sku
        return None


class CartTotal(QFrame):
    """"Total" caption, the item count and the amount in the big bold heading font."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TotalBox")
        self.caption = QLabel(objectName="TotalCaption")
        self.count_label = QLabel(objectName="TotalCount")
        self.amount_label = QLabel(objectName="TotalAmount")
        self.amount_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        left = QVBoxLayout()
        left.setSpacing(2)
        left.addWidget(self.caption)
        left.addWidget(self.count_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.addLayout(left)
        layout.addStretch(1)
        layout.addWidget(self.amount_label)
        self._count = 0
        self.retranslate()

    def set_total(self, amount: int, item_count: int, language: str) -> None:
        self._count = item_count
        self.amount_label.setText(format_won(amount, language))
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(self.tr("Total"))
        self.count_label.setText(self.tr("{count} items").format(count=self._count))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class CartPanel(QFrame):
    """The cart card: title, the lines (or a hint when empty), the total and the Pay button."""

    pay_requested = pyqtSignal()

    def __init__(self, cart: Cart, language: str = "ko", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CartCard")
        self.setProperty("card", True)
        self._language = language
        self.model = CartTableModel(cart, language, self)
        self.title = QLabel(objectName="CardTitle")
        self.empty_label = QLabel(objectName="CartEmpty", alignment=Qt.AlignCenter, wordWrap=True)
        self.table = self._make_table()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table)
        self.total = CartTotal()
        self.pay_button = QPushButton(objectName="PayButton")
        self.pay_button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.pay_button.setCursor(Qt.PointingHandCursor)
        self.pay_button.clicked.connect(self.pay_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 20)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.pay_button)
        self.model.modelReset.connect(self._update_summary)
        self._update_summary()
        self.update_row_height()
        self.retranslate()

    def _make_table(self) -> QTableView:
        table = QTableView(objectName="CartTable")
        table.setModel(self.model)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setSelectionMode(QAbstractItemView.NoSelection)
        table.setFocusPolicy(Qt.NoFocus)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.ElideRight)
        table.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        table.verticalHeader().hide()
        table.setIconSize(QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        header = table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.Stretch)
        for column in (COUNT, UNIT_PRICE, LINE_TOTAL):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setHighlightSections(False)
        return table

    def update_row_height(self) -> None:
        """Rows about 2.1 lines of the table font high (call after the style, and so the font, changed)."""
        self.table.ensurePolished()
        height = max(int(self.table.fontMetrics().height() * 2.1), THUMBNAIL_PX + 8)
        self.table.verticalHeader().setDefaultSectionSize(height)

    @property
    def cart(self) -> Cart:
        return self.model.cart

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        self._language = language
        self.model.set_language(language)

    def refresh(self) -> None:
        """Re-read the cart (it also notifies the model by itself)."""
        self.model.refresh()

    def _update_summary(self) -> None:
        cart = self.model.cart
        self.total.set_total(cart.total, cart.item_count, self._language)
        self.stack.setCurrentWidget(self.empty_label if cart.is_empty else self.table)
        self.pay_button.setEnabled(not cart.is_empty)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Your items"))
        self.empty_label.setText(self.tr("Place your items on the counter.\nThey are added automatically."))
        self.pay_button.setText(self.tr("Pay"))
        self.model.headerDataChanged.emit(Qt.Horizontal, 0, self.model.columnCount() - 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
