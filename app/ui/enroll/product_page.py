"""Step 1: the new product's fields (SKU, names, price, detector class, age check), checked by the
engine's rules and against the catalog and the detector; and the offer to carry on an enrollment that
an earlier session left."""

from __future__ import annotations

from PyQt5.QtCore import QRegularExpression, Qt, pyqtSignal
from PyQt5.QtGui import QRegularExpressionValidator
from PyQt5.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import MAX_NAME_LEN, MAX_PRICE_WON, Product
from app.core.money import format_won
from app.ui.enroll.flow import FIELDS, suggest_class
from app.ui.enroll.widgets import bullets, button_row, card, make_button, make_label, page_layout, set_state


def _field(max_length: int, pattern: str | None = None) -> QLineEdit:
    edit = QLineEdit(objectName="EnField")
    edit.setMaxLength(max_length)
    edit.setProperty("error", False)
    if pattern is not None:
        edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), edit))
    return edit


class ProductPage(QWidget):
    """``product()`` reads the fields; ``show_problems`` marks the wrong ones."""

    next_requested = pyqtSignal()
    resume_requested = pyqtSignal()
    dismiss_requested = pyqtSignal()

    def __init__(self, language: str = "ko", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self._class_edited = False
        title = make_label("EnTitle", self.tr("Which product is new?"))
        intro = make_label("EnText", self.tr("The product joins the catalog only once the detector has "
                                             "learnt it and the new model is put to use."))
        self.banner = self._make_banner()

        self.edits: dict[str, QLineEdit] = {
            "sku": _field(32, r"[A-Za-z0-9-]{0,32}"),
            "name_ko": _field(MAX_NAME_LEN),
            "name_en": _field(MAX_NAME_LEN),
            "price_won": _field(8, r"[0-9]{0,8}"),
            "detector_class": _field(64, r"[a-z0-9_]{0,64}"),
        }
        examples = {"sku": "MELONA-8P", "name_ko": "빙그레 메로나 8개입", "name_en": "Binggrae Melona (8)",
                    "price_won": "4800", "detector_class": "melona_multipack"}
        for name, example in examples.items():
            self.edits[name].setPlaceholderText(self.tr("e.g. {example}").format(example=example))
        self.edits["price_won"].setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.edits["price_won"].setInputMethodHints(Qt.ImhDigitsOnly)
        self.edits["name_en"].textEdited.connect(self._suggest_class)
        self.edits["detector_class"].textEdited.connect(self._class_typed)
        labels = {"sku": self.tr("SKU"), "name_ko": self.tr("Korean name"),
                  "name_en": self.tr("English name"), "price_won": self.tr("Price (won)"),
                  "detector_class": self.tr("Detector class")}
        self.errors: dict[str, QLabel] = {}
        form_card, form_layout = card()
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        row = 0
        for name in FIELDS:
            grid.addWidget(make_label("EnFieldLabel", labels[name], wrap=False), row, 0, Qt.AlignVCenter)
            grid.addWidget(self.edits[name], row, 1)
            error = make_label("EnFieldError")
            error.hide()
            grid.addWidget(error, row + 1, 1)
            self.errors[name] = error
            grid.setRowMinimumHeight(row + 1, 8)
            row += 2
        self.class_hint = make_label("EnSmall", self.tr("The name the detector uses: lowercase letters, "
                                                         "digits and '_'. Filled in from the English name."))
        grid.addWidget(self.class_hint, row, 1)
        self.age_check = QCheckBox(self.tr("Age-restricted (19+): the buyer's age is checked"),
                                   objectName="EnCheck")
        grid.addWidget(self.age_check, row + 1, 1)
        grid.setColumnStretch(1, 1)
        form_layout.addLayout(grid)
        form_layout.addStretch(1)

        how_card, how_layout = card()
        how_layout.addWidget(make_label("EnCardTitle", self.tr("How it works")))
        how_layout.addLayout(bullets([
            self.tr("Take pictures of the empty counter."),
            self.tr("Put the product on the counter and take at least 6 photos, turning it each time."),
            self.tr("The kiosk teaches its detector the new product (about 15 minutes)."),
            self.tr("The new model is used only if the other products are still counted as well."),
        ]))
        how_layout.addStretch(1)

        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(form_card, 3)
        body.addWidget(how_card, 2)
        self.next_button = make_button("EnPrimary", self.tr("Next"))
        self.next_button.clicked.connect(self.next_requested)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        layout.addLayout(button_row(None, self.next_button))

    def _make_banner(self) -> QFrame:
        banner = QFrame(objectName="EnBanner")
        self.banner_title = make_label("EnBannerTitle")
        self.banner_text = make_label("EnBannerText")
        self.resume_button = make_button("EnPrimary", self.tr("Carry on"))
        self.dismiss_button = make_button("EnSecondary", self.tr("New product"))
        self.resume_button.clicked.connect(self.resume_requested)
        self.dismiss_button.clicked.connect(self.dismiss_requested)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.banner_title)
        texts.addWidget(self.banner_text)
        row = QHBoxLayout(banner)
        row.setContentsMargins(20, 12, 16, 12)
        row.setSpacing(12)
        row.addLayout(texts, 1)
        row.addWidget(self.dismiss_button)
        row.addWidget(self.resume_button)
        banner.hide()
        return banner

    # --- the offer to carry on ---------------------------------------------------------------------------
    def show_pending(self, name: str, sku: str, finished: bool) -> None:
        if finished:
            self.banner_title.setText(self.tr("The enrollment of {name} has finished").format(name=name))
            self.banner_text.setText(self.tr("Its result ({sku}) has not been decided yet: see it and "
                                             "choose whether to use the new model.").format(sku=sku))
            self.resume_button.setText(self.tr("See the result"))
        else:
            self.banner_title.setText(self.tr("The enrollment of {name} was stopped").format(name=name))
            self.banner_text.setText(self.tr("The training of {sku} can carry on where it stopped.")
                                     .format(sku=sku))
            self.resume_button.setText(self.tr("Carry on"))
        self.banner.show()

    def hide_pending(self) -> None:
        self.banner.hide()

    # --- fields ------------------------------------------------------------------------------------------
    def _suggest_class(self, text: str) -> None:
        if not self._class_edited:
            self.edits["detector_class"].setText(suggest_class(text))

    def _class_typed(self, text: str) -> None:
        self._class_edited = bool(text)

    def product(self) -> Product:
        """The fields as a product (a price that is not a number reads as 0, which the checks refuse)."""
        price = self.edits["price_won"].text().strip()
        return Product(sku=self.edits["sku"].text().strip(), name_ko=self.edits["name_ko"].text().strip(),
                       name_en=self.edits["name_en"].text().strip(),
                       price_won=int(price) if price.isdigit() else 0,
                       detector_class=self.edits["detector_class"].text().strip(),
                       age_restricted=self.age_check.isChecked())

    def set_product(self, product: Product) -> None:
        values = {"sku": product.sku, "name_ko": product.name_ko, "name_en": product.name_en,
                  "price_won": str(product.price_won), "detector_class": product.detector_class}
        for name, value in values.items():
            self.edits[name].setText(value)
        self.age_check.setChecked(product.age_restricted)
        self._class_edited = True
        self.show_problems({})

    def problem_text(self, name: str, code: str) -> str:
        if code == "sku_taken":
            return self.tr("The catalog already has a product with this SKU.")
        if code == "class_known":
            return self.tr("The detector already knows this class: give the new product a new name.")
        if code == "class_taken":
            return self.tr("A product of the catalog already uses this class.")
        texts = {
            "sku": self.tr("Use 1 to 32 letters, digits or '-'."),
            "name_ko": self.tr("Enter the name (at most {count} characters).").format(count=MAX_NAME_LEN),
            "name_en": self.tr("Enter the name (at most {count} characters).").format(count=MAX_NAME_LEN),
            "price_won": self.tr("Enter a price from 1 to {max}.").format(
                max=format_won(MAX_PRICE_WON, self.language)),
            "detector_class": self.tr("Use 1 to 64 lowercase letters, digits or '_', e.g. melona_multipack."),
        }
        return texts[name]

    def show_problems(self, problems: dict[str, str], details: dict[str, str] | None = None) -> None:
        """Mark each field of ``problems`` ({field: code}) with its message; ``details``: the engine's
        own sentence per field (a tooltip)."""
        details = details or {}
        for name in FIELDS:
            code = problems.get(name)
            label = self.errors[name]
            set_state(self.edits[name], "error", code is not None)
            if code is None:
                label.hide()
                label.clear()
                continue
            label.setText(self.problem_text(name, code))
            label.setToolTip(details.get(name, ""))
            label.show()
        first = next((n for n in FIELDS if n in problems), None)
        if first is not None:
            self.edits[first].setFocus()
