"""The catalog page's dialogs: change one price, add a product. Both check their input before closing."""

from __future__ import annotations

from PyQt5.QtCore import QRegularExpression, Qt
from PyQt5.QtGui import QRegularExpressionValidator
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import MAX_NAME_LEN, MAX_PRICE_WON, SKU_RE, Catalog, Product
from app.core.money import format_won
from app.ui.admin.widgets import Notice, NumberPad, action_button

_DIGITS = QRegularExpression(r"[0-9]{0,9}")


def _price_edit() -> QLineEdit:
    edit = QLineEdit(objectName="PriceEdit")
    edit.setValidator(QRegularExpressionValidator(_DIGITS, edit))
    edit.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    edit.setInputMethodHints(Qt.ImhDigitsOnly)
    return edit


def _dialog_buttons(dialog: QDialog, ok_text: str, cancel_text: str) -> tuple[QHBoxLayout, QWidget]:
    cancel = action_button(cancel_text)
    cancel.clicked.connect(dialog.reject)
    ok = action_button(ok_text, "primary")
    ok.setDefault(True)
    ok.clicked.connect(dialog.accept)
    for button in (cancel, ok):
        button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
    row = QHBoxLayout()
    row.setSpacing(12)
    row.addWidget(cancel, 1)
    row.addWidget(ok, 1)
    return row, ok


class PriceDialog(QDialog):
    """Asks for a new price of ``product``; ``price`` holds it once accepted."""

    def __init__(self, product: Product, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="AdminDialog")
        self.product = product
        self.language = language
        self.price: int | None = None
        self.setWindowTitle(self.tr("Change price"))
        self.setModal(True)
        title = QLabel(self.tr("Change price"), objectName="AdminDialogTitle")
        name = QLabel(product.name(language), objectName="DialogSubject", wordWrap=True)
        current = QLabel(self.tr("Now: {price}").format(price=format_won(product.price_won, language)),
                         objectName="PageHint")
        self.edit = _price_edit()
        self.edit.setText(str(product.price_won))
        self.edit.selectAll()
        unit = QLabel(self.tr("won"), objectName="Unit")
        entry = QHBoxLayout()
        entry.addWidget(self.edit, 1)
        entry.addWidget(unit)
        self.pad = NumberPad([self.edit])
        self.notice = Notice()
        buttons, self.ok_button = _dialog_buttons(self, self.tr("Save"), self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        for widget in (title, name, current):
            layout.addWidget(widget)
        layout.addLayout(entry)
        layout.addWidget(self.pad, 1)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        self.resize(460, 600)

    def problem(self) -> str | None:
        """Why the entered price cannot be used, or None."""
        text = self.edit.text().strip()
        if not text:
            return self.tr("Enter the new price in won.")
        if not text.isdigit() or not 0 < int(text) <= MAX_PRICE_WON:
            return self.tr("The price must be from 1 to {max}.").format(
                max=format_won(MAX_PRICE_WON, self.language))
        return None

    def accept(self) -> None:
        if (problem := self.problem()) is not None:
            self.notice.show_error(problem)
            return
        self.price = int(self.edit.text())
        super().accept()


class ProductDialog(QDialog):
    """Asks for a new product; the detector class is one of ``free_classes`` (known, not yet used)."""

    def __init__(self, catalog: Catalog, free_classes: tuple[str, ...], detector_known: bool,
                 language: str = "ko", parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="AdminDialog")
        self.catalog = catalog
        self.language = language
        self.product: Product | None = None
        self.setWindowTitle(self.tr("Add product"))
        self.setModal(True)
        title = QLabel(self.tr("Add product"), objectName="AdminDialogTitle")
        self.sku_edit = QLineEdit(placeholderText="TTEOK-500")
        self.sku_edit.setMaxLength(32)
        self.name_ko_edit = QLineEdit(placeholderText="떡볶이 떡 500g")
        self.name_en_edit = QLineEdit(placeholderText="Rice cakes 500g")
        for edit in (self.name_ko_edit, self.name_en_edit):
            edit.setMaxLength(MAX_NAME_LEN)
        self.price_edit = _price_edit()
        self.class_combo = QComboBox()
        self.class_combo.addItems(free_classes)
        self.age_check = QCheckBox(self.tr("Age-restricted (19+): the buyer's age is checked"))
        form = QGridLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        rows = [(self.tr("SKU"), self.sku_edit), (self.tr("Korean name"), self.name_ko_edit),
                (self.tr("English name"), self.name_en_edit), (self.tr("Price (won)"), self.price_edit),
                (self.tr("Detector class"), self.class_combo)]
        for row, (label, widget) in enumerate(rows):
            form.addWidget(QLabel(label, objectName="FormLabel"), row, 0)
            form.addWidget(widget, row, 1)
        form.addWidget(self.age_check, len(rows), 1)
        form.setColumnStretch(1, 1)
        self.notice = Notice()
        buttons, self.ok_button = _dialog_buttons(self, self.tr("Add"), self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        if not free_classes:
            self.ok_button.setEnabled(False)
            self.class_combo.setEnabled(False)
            self.notice.show_error(
                self.tr("Every product class the detector knows already has a product.") if detector_known
                else self.tr("The detector's classes are not known (no model loaded)."))
        self.resize(680, 600)

    def problem(self) -> str | None:
        sku = self.sku_edit.text().strip()
        if not SKU_RE.fullmatch(sku):
            return self.tr("The SKU must be 1 to 32 letters, digits or '-'.")
        if sku in self.catalog:
            return self.tr("A product with this SKU already exists.")
        for edit in (self.name_ko_edit, self.name_en_edit):
            if not edit.text().strip():
                return self.tr("Enter the Korean and the English name.")
        price = self.price_edit.text().strip()
        if not price.isdigit() or not 0 < int(price) <= MAX_PRICE_WON:
            return self.tr("The price must be from 1 to {max}.").format(
                max=format_won(MAX_PRICE_WON, self.language))
        if self.class_combo.currentIndex() < 0:
            return self.tr("Choose the detector class of the product.")
        return None

    def accept(self) -> None:
        if (problem := self.problem()) is not None:
            self.notice.show_error(problem)
            return
        self.product = Product(sku=self.sku_edit.text().strip(), name_ko=self.name_ko_edit.text().strip(),
                               name_en=self.name_en_edit.text().strip(),
                               price_won=int(self.price_edit.text()),
                               detector_class=self.class_combo.currentText(),
                               age_restricted=self.age_check.isChecked())
        super().accept()
