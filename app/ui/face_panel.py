"""The face-pay card: the face camera, who is at the counter, and the registered customers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from PyQt5.QtCore import QEvent, QSize, Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ui.app import app_font_set
from app.ui.theme import fill_template, repolish, theme_variables
from app.ui.video_view import VideoView

log = logging.getLogger(__name__)

Customer = tuple[Any, str, "date | datetime | str | None"]
_ID_ROLE = Qt.UserRole
# Its own small style (colours only: the font size still follows the window's large layer).
REGISTER_BUTTON_QSS = """
QPushButton#RegisterButton {
    background: {{primary_soft}}; color: {{primary_pressed}}; border: none; border-radius: 18px;
    min-height: 36px; padding: 0 18px; font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QPushButton#RegisterButton:hover { background: {{primary}}; color: {{primary_text}}; }
QPushButton#RegisterButton:pressed { background: {{primary_pressed}}; color: {{primary_text}}; }
"""


def format_registered(value: date | datetime | str | None) -> str:
    """``2024-05-01`` for dates and datetimes; text as given; '' for ``None``."""
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


class CustomerItem(QWidget):
    """One row of the customer list: the name, then the ID and registration date."""

    def __init__(self, customer_id: Any, name: str, registered: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_label = QLabel(name, objectName="CustomerName")
        self.meta_label = QLabel(f"ID {customer_id}  ·  {registered}" if registered else f"ID {customer_id}",
                                 objectName="CustomerMeta")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        layout.addWidget(self.name_label)
        layout.addWidget(self.meta_label)


class FacePanel(QFrame):
    """Face camera view, the "who is here" line, the list of registered customers and the button that
    starts a registration (``register_requested``)."""

    register_requested = pyqtSignal()

    def __init__(self, customers: Iterable[Customer] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FaceCard")
        self.setProperty("card", True)
        self._customers: list[tuple[Any, str, str]] = []
        self._highlighted: Any = None
        self.title = QLabel(objectName="CardTitle")
        self.register_button = QPushButton(objectName="RegisterButton")
        self.register_button.setCursor(Qt.PointingHandCursor)
        self.register_button.setFocusPolicy(Qt.NoFocus)
        self.register_button.setStyleSheet(fill_template(REGISTER_BUTTON_QSS, theme_variables(app_font_set()),
                                                         "app/ui/face_panel.py"))
        self.register_button.clicked.connect(self.register_requested)
        self.video = VideoView()
        self.video.setObjectName("FaceVideo")
        self.video.setMinimumSize(160, 120)
        self.video.set_size_hint(QSize(200, 150))
        self.who_label = QLabel(objectName="FaceWho", wordWrap=True)
        self.list_title = QLabel(objectName="ListTitle")
        self.customer_list = QListWidget(objectName="CustomerList")
        self.customer_list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.customer_list.setFocusPolicy(Qt.NoFocus)
        self.customer_list.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.customer_list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.customer_list.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)
        self.empty_label = QLabel(objectName="ListEmpty", alignment=Qt.AlignCenter, wordWrap=True)
        self.empty_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)

        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(self.who_label)
        right.addWidget(self.list_title)
        right.addWidget(self.customer_list, 1)
        right.addWidget(self.empty_label, 1)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.video, 5)
        body.addLayout(right, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 20)
        layout.setSpacing(12)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.register_button)
        layout.addLayout(title_row)
        layout.addLayout(body, 1)
        self.set_customers(customers)

    # --- state ----------------------------------------------------------------------------------------
    def set_customers(self, customers: Iterable[Customer]) -> None:
        """Show ``(id, name, registered_at)`` rows; keeps the highlight when that customer is still there."""
        self._customers = [(cid, name, format_registered(reg)) for cid, name, reg in customers]
        self.customer_list.clear()
        for cid, name, registered in self._customers:
            item = QListWidgetItem()
            item.setData(_ID_ROLE, cid)
            self.customer_list.addItem(item)
            self.customer_list.setItemWidget(item, CustomerItem(cid, name, registered))
        self.update_item_sizes()
        has_rows = bool(self._customers)
        self.customer_list.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)
        self.highlight(self._highlighted if self._find(self._highlighted) is not None else None)
        self.retranslate()

    def update_item_sizes(self) -> None:
        """Fit the rows to their widgets (call after the style, and so the fonts, changed)."""
        for row in range(self.customer_list.count()):
            item = self.customer_list.item(row)
            widget = self.customer_list.itemWidget(item)
            for label in widget.findChildren(QLabel):
                label.ensurePolished()
            widget.layout().invalidate()
            hint = widget.layout().sizeHint()
            item.setSizeHint(QSize(hint.width(), max(56, hint.height() + 10)))  # + item margin and border

    def customers(self) -> list[tuple[Any, str, str]]:
        return list(self._customers)

    def highlight(self, customer_id: Any | None) -> None:
        """Select ``customer_id`` in the list and greet them; ``None`` (or an unknown id) clears it."""
        row = self._find(customer_id)
        if customer_id is not None and row is None:
            log.warning("highlight: customer %r is not in the list", customer_id)
        self._highlighted = customer_id if row is not None else None
        self.customer_list.clearSelection()
        if row is not None:
            item = self.customer_list.item(row)
            item.setSelected(True)
            self.customer_list.scrollToItem(item)
        self.who_label.setProperty("recognised", row is not None)
        repolish(self.who_label)
        self.retranslate()

    def highlighted(self) -> Any | None:
        return self._highlighted

    def _find(self, customer_id: Any | None) -> int | None:
        if customer_id is None:
            return None
        return next((i for i, (cid, _, _) in enumerate(self._customers) if cid == customer_id), None)

    # --- text -----------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Face pay"))
        self.register_button.setText(self.tr("Register my face"))
        self.list_title.setText(self.tr("Registered customers ({count})").format(count=len(self._customers)))
        self.empty_label.setText(self.tr("No customers registered yet."))
        row = self._find(self._highlighted)
        if row is None:
            self.who_label.setText(self.tr("Look at the camera to pay with your face."))
        else:
            self.who_label.setText(self.tr("Welcome, {name}!").format(name=self._customers[row][1]))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
