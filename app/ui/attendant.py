"""Staff-only dialogs: the PIN pad and the attendant panel (age approval, unknown items, voids, admin).

Both are window-modal and opened with ``open()`` (never a nested ``exec_`` loop): they report through
signals, so the camera and model threads keep feeding the window behind them.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QEvent, Qt, pyqtSignal
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.checkout import CheckoutSnapshot
from app.core.money import format_won
from app.core.operator import PinCheck


class PinDialog(QDialog):
    """A numeric PIN pad. ``check`` is ``OperatorGate.check``; ``accepted_pin`` carries the good PIN."""

    accepted_pin = pyqtSignal(str)

    def __init__(self, check: Callable[[str], PinCheck], parent: QWidget | None = None, *,
                 hint: str = "") -> None:
        super().__init__(parent, objectName="PinDialog")
        self.setWindowModality(Qt.WindowModal)
        self._check = check
        self._hint = hint
        self.title = QLabel(objectName="DialogTitle", alignment=Qt.AlignCenter)
        self.entry = QLineEdit(objectName="PinEntry", alignment=Qt.AlignCenter, echoMode=QLineEdit.Password)
        self.entry.setMaxLength(12)
        self.entry.returnPressed.connect(self.submit)
        self.feedback = QLabel(objectName="PinFeedback", alignment=Qt.AlignCenter, wordWrap=True)
        pad = QGridLayout()
        pad.setSpacing(10)
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"]):
            button = QPushButton(objectName="PinKey", cursor=Qt.PointingHandCursor)
            button.setFocusPolicy(Qt.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self.press(k))
            self.keys[key] = button
            pad.addWidget(button, i // 3, i % 3)
        self.cancel_button = QPushButton(objectName="SecondaryButton", cursor=Qt.PointingHandCursor)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        layout.addWidget(self.title)
        layout.addWidget(self.entry)
        layout.addWidget(self.feedback)
        layout.addLayout(pad)
        layout.addWidget(self.cancel_button)
        self.retranslate()

    def press(self, key: str) -> None:
        if key == "back":
            self.entry.backspace()
        elif key == "ok":
            self.submit()
        else:
            self.entry.insert(key)

    def submit(self) -> None:
        pin = self.entry.text()
        result = self._check(pin)
        self.entry.clear()
        if result is PinCheck.OK:
            self.accepted_pin.emit(pin)
            self.accept()
            return
        self.feedback.setProperty("error", True)
        self.feedback.setText({
            PinCheck.WRONG: self.tr("Wrong PIN. Try again."),
            PinCheck.LOCKED: self.tr("Too many wrong PINs: locked for a while."),
            PinCheck.NOT_SET: self.tr("No staff PIN is set. Set one with: selfcheckout operator-pin"),
        }[result])

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Staff PIN"))
        self.title.setText(self.tr("Staff PIN"))
        if not self.feedback.property("error"):
            self.feedback.setText(self._hint or self.tr("Staff only: enter the operator PIN."))
        labels = {"back": "⌫", "ok": self.tr("OK")}
        for key, button in self.keys.items():
            button.setText(labels.get(key, key))
        self.cancel_button.setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class AttendantDialog(QDialog):
    """What staff can do for the current sale. Each button emits one intent and closes the dialog;
    the kiosk carries it out with the PIN that opened it (the checkout audits it)."""

    approve_age = pyqtSignal()
    pick_candidate = pyqtSignal(str)  # detector class
    dismiss_unknown = pyqtSignal()
    void_line = pyqtSignal(str)  # sku
    void_sale = pyqtSignal()
    open_admin = pyqtSignal()
    register_customer = pyqtSignal()
    exit_kiosk = pyqtSignal()

    def __init__(self, snapshot: CheckoutSnapshot, language: str, parent: QWidget | None = None, *,
                 can_exit: bool = False) -> None:
        super().__init__(parent, objectName="AttendantDialog")
        self.setWindowModality(Qt.WindowModal)
        self.snapshot = snapshot
        self.language = language
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        self.title = QLabel(objectName="DialogTitle")
        layout.addWidget(self.title)
        self.section_labels: list[QLabel] = []
        if "age_check" in snapshot.attendant_reasons:
            self._section(layout, self.tr("Age-restricted items: check the customer's ID"))
            self._button(layout, "approve_age", self.tr("Approve the age check"), self.approve_age.emit,
                         primary=True)
        if "unknown_item" in snapshot.attendant_reasons:
            self._section(layout, self.tr("Item not recognised: what is it?"))
            row = QHBoxLayout()
            for cand in snapshot.candidates:
                name = cand.name_ko if language == "ko" else cand.name_en
                self._button(row, f"pick:{cand.detector_class}", f"{name}  {cand.score:.0%}",
                             lambda c=cand.detector_class: self.pick_candidate.emit(c), primary=True)
            self._button(row, "dismiss", self.tr("Not a product"), self.dismiss_unknown.emit)
            layout.addLayout(row)
        if snapshot.lines:
            self._section(layout, self.tr("Remove an item from the sale"))
            grid = QGridLayout()
            for i, line in enumerate(snapshot.lines):
                amount = format_won(line.line_total, language)
                text = f"{line.product.name(language)}  ×{line.count}  {amount}"
                grid.addWidget(QLabel(text, objectName="AttendantLine"), i, 0)
                self._button(grid, f"void:{line.product.sku}", self.tr("Remove"),
                             lambda sku=line.product.sku: self.void_line.emit(sku), cell=(i, 1))
            layout.addLayout(grid)
        self._section(layout, self.tr("More"))
        more = QHBoxLayout()
        if snapshot.state.value != "idle":
            self._button(more, "void_sale", self.tr("Cancel the whole sale"), self.void_sale.emit)
        self._button(more, "register", self.tr("Register a customer"), self.register_customer.emit)
        self._button(more, "admin", self.tr("Admin area"), self.open_admin.emit)
        if can_exit:
            self._button(more, "exit", self.tr("Close the kiosk"), self.exit_kiosk.emit)
        layout.addLayout(more)
        layout.addStretch(1)
        self.close_button = QPushButton(objectName="SecondaryButton", cursor=Qt.PointingHandCursor)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.close_button)
        self.setWindowTitle(self.tr("Staff"))
        self.title.setText(self.tr("Staff"))
        self.close_button.setText(self.tr("Close"))

    def _section(self, layout, text: str) -> None:
        label = QLabel(text, objectName="AttendantSection", wordWrap=True)
        self.section_labels.append(label)
        layout.addWidget(label)

    def _button(self, layout, key: str, text: str, action: Callable[[], None], *, primary: bool = False,
                cell: tuple[int, int] | None = None) -> None:
        button = QPushButton(text, objectName="StaffAction", cursor=Qt.PointingHandCursor)
        button.setProperty("primary", primary)

        def clicked() -> None:
            self.accept()  # closed first: the action may open another dialog
            action()

        button.clicked.connect(clicked)
        self.buttons[key] = button
        if cell is not None:
            layout.addWidget(button, *cell)
        else:
            layout.addWidget(button)
