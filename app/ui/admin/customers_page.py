"""Customers page: registered customers and their face templates; delete one completely (confirmed)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PyQt5.QtWidgets import QHBoxLayout, QHeaderView, QMessageBox, QVBoxLayout, QWidget

from app.core.face_crypto import delete_customer_completely
from app.store.records import CustomerRecord
from app.ui.admin.context import AdminContext
from app.ui.admin.widgets import Notice, PageHeader, action_button, make_table
from app.ui.theme import repolish

log = logging.getLogger(__name__)

NAME, CUSTOMER_ID, REGISTERED, TEMPLATES, BACKEND = range(5)
_CENTER = int(Qt.AlignCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)


class CustomersTableModel(QAbstractTableModel):
    """Rows are customers: name, ID, registration time (local), number of templates, face backend."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[CustomerRecord, int]] = []

    def set_customers(self, customers: list[CustomerRecord], templates: Counter[str]) -> None:
        self.beginResetModel()
        self._rows = [(c, templates.get(c.customer_id, 0)) for c in customers]
        self.endResetModel()

    def customer(self, row: int) -> CustomerRecord:
        return self._rows[row][0]

    def row_of(self, customer_id: str) -> int:
        return next((i for i, (c, _) in enumerate(self._rows) if c.customer_id == customer_id), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return [self.tr("Name"), self.tr("Customer ID"), self.tr("Registered"), self.tr("Face templates"),
                    self.tr("Face backend")][section]
        if role == Qt.TextAlignmentRole:
            return _CENTER if section == TEMPLATES else _LEFT
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        customer, templates = self._rows[index.row()]
        column = index.column()
        if role == Qt.DisplayRole:
            return {NAME: customer.name, CUSTOMER_ID: customer.customer_id,
                    REGISTERED: f"{customer.created_at.astimezone():%Y-%m-%d %H:%M}",
                    TEMPLATES: str(templates), BACKEND: customer.backend}[column]
        if role == Qt.TextAlignmentRole:
            return _CENTER if column == TEMPLATES else _LEFT
        if role == Qt.ToolTipRole and column == REGISTERED:
            when = f"{customer.consent_at.astimezone():%Y-%m-%d %H:%M}"
            return self.tr("Consent given {when}").format(when=when)
        if role == Qt.UserRole:
            return customer.customer_id
        return None


class CustomersPage(QWidget):
    """The customer table and "Delete completely" (asks first; removes templates and kept face images)."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.confirm: QMessageBox | None = None
        self.model = CustomersTableModel(self)
        self.header = PageHeader(self.tr("Customers"),
                                 self.tr("Customers registered for face pay. Deleting one removes their "
                                         "face data for good; their past sales stay, without the name."))
        self.table = make_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.delete_button = action_button(self.tr("Delete completely"), "danger")
        self.delete_button.clicked.connect(self.ask_delete)
        self.notice = Notice()
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.notice, 1)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        customers = self.ctx.store.list_customers()
        templates = Counter(t.customer_id for t in self.ctx.store.face_templates())
        self.model.set_customers(customers, templates)
        self.header.title.setText(self.tr("Customers ({count})").format(count=len(customers)))
        self._update_buttons()

    def selected_customer(self) -> CustomerRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.customer(rows[0].row()) if rows else None

    def select_customer(self, customer_id: str) -> None:
        row = self.model.row_of(customer_id)
        if row < 0:
            raise KeyError(customer_id)
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.selected_customer() is not None)

    def ask_delete(self) -> None:
        customer = self.selected_customer()
        if customer is None:
            return
        box = QMessageBox(QMessageBox.Warning, self.tr("Delete customer"),
                          self.tr("Delete {name} completely?").format(name=customer.name),
                          QMessageBox.NoButton, self)
        box.setObjectName("AdminDialog")
        box.setInformativeText(self.tr("Their face templates and any kept face images are deleted for good. "
                                       "This cannot be undone."))
        self.confirm_button = box.addButton(self.tr("Delete"), QMessageBox.DestructiveRole)
        self.confirm_button.setProperty("role", "danger")
        repolish(self.confirm_button)
        self.cancel_button = box.addButton(self.tr("Keep"), QMessageBox.RejectRole)
        box.setDefaultButton(self.cancel_button)
        for button in (self.confirm_button, self.cancel_button):
            button.setMinimumSize(160, 52)
        box.buttonClicked.connect(
            lambda button, cid=customer.customer_id: self._confirmed(cid, button is self.confirm_button))
        box.finished.connect(lambda _result, b=box: self._confirm_closed(b))
        self.confirm = box
        box.open()

    def _confirm_closed(self, box: QMessageBox) -> None:
        if self.confirm is box:
            self.confirm = None
        box.deleteLater()

    def _confirmed(self, customer_id: str, yes: bool) -> None:
        if yes:
            self.delete_customer(customer_id)

    def delete_customer(self, customer_id: str) -> bool:
        name = next((c.name for c in self.ctx.store.list_customers() if c.customer_id == customer_id),
                    customer_id)
        try:
            removed = delete_customer_completely(self.ctx.store, customer_id,
                                                 images_dir=self.ctx.face_images_dir, actor="admin")
        except Exception as exc:
            log.exception("deleting customer %s failed", customer_id)
            self.notice.show_error(self.tr("Could not delete the customer: {error}").format(error=exc))
            return False
        log.info("admin deleted customer %s (%d templates)", customer_id, removed)
        self.refresh()
        self.notice.show_ok(self.tr("{name} was deleted with {count} face templates.").format(
            name=name, count=removed))
        try:
            self.ctx.on_customers_changed()
        except Exception:
            log.exception("on_customers_changed failed")
        return True

    def close_dialogs(self) -> None:
        if self.confirm is not None:
            self.confirm.close()
