"""Operator PIN page: the current PIN, the new one twice, and a number pad for the touch screen."""

from __future__ import annotations

import itertools
import logging

from PyQt5.QtCore import QRegularExpression, Qt
from PyQt5.QtGui import QRegularExpressionValidator
from PyQt5.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from app.core.operator import validate_pin
from app.ui.admin.context import AdminContext
from app.ui.admin.widgets import Notice, NumberPad, PageHeader, action_button

log = logging.getLogger(__name__)


def is_weak_pin(pin: str) -> bool:
    """All one digit (1111) or a run up or down (1234, 9876): the first PINs anybody tries."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


class PinPage(QWidget):
    """Changes the operator PIN through ``ctx.verify_pin`` and ``ctx.change_pin``."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.header = PageHeader(self.tr("Operator PIN"),
                                 self.tr("The PIN that opens this admin area: 4 to 8 digits."))
        self.current_edit, self.new_edit, self.repeat_edit = (self._pin_edit() for _ in range(3))
        form = QGridLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(14)
        for row, (caption, edit) in enumerate([(self.tr("Current PIN"), self.current_edit),
                                               (self.tr("New PIN"), self.new_edit),
                                               (self.tr("New PIN again"), self.repeat_edit)]):
            form.addWidget(QLabel(caption, objectName="FormLabel"), row, 0)
            form.addWidget(edit, row, 1)
        form.setColumnStretch(1, 1)
        self.change_button = action_button(self.tr("Change PIN"), "primary")
        self.change_button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.change_button.clicked.connect(self.change_pin)
        self.notice = Notice()
        column = QVBoxLayout()
        column.setSpacing(16)
        column.addLayout(form)
        column.addWidget(self.change_button)
        column.addWidget(self.notice)
        column.addStretch(1)
        self.pad = NumberPad([self.current_edit, self.new_edit, self.repeat_edit])
        self.pad.setFixedSize(330, 300)
        body = QHBoxLayout()
        body.setSpacing(40)
        body.addStretch(1)
        body.addLayout(column, 3)
        body.addWidget(self.pad, 0, Qt.AlignTop)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)
        layout.addWidget(self.header)
        layout.addLayout(body, 1)
        for edit, following in ((self.current_edit, self.new_edit), (self.new_edit, self.repeat_edit)):
            edit.returnPressed.connect(following.setFocus)
        self.repeat_edit.returnPressed.connect(self.change_pin)

    def _pin_edit(self) -> QLineEdit:
        edit = QLineEdit(objectName="PinEdit")
        edit.setEchoMode(QLineEdit.Password)
        edit.setMaxLength(8)
        edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,8}"), edit))
        edit.setInputMethodHints(Qt.ImhDigitsOnly | Qt.ImhSensitiveData | Qt.ImhNoPredictiveText)
        edit.setMinimumWidth(220)
        return edit

    def problem(self) -> str | None:
        """Why the entered PINs cannot be used (the current PIN itself is checked afterwards)."""
        current, new, repeat = self.current_edit.text(), self.new_edit.text(), self.repeat_edit.text()
        if not current:
            return self.tr("Enter the current PIN.")
        if validate_pin(new) is not None:
            return self.tr("The new PIN must be 4 to 8 digits.")
        if new != repeat:
            return self.tr("The two new PINs are not the same.")
        if is_weak_pin(new):
            return self.tr("Choose a PIN that is harder to guess than 1111 or 1234.")
        if new == current:
            return self.tr("The new PIN is the same as the current one.")
        return None

    def change_pin(self) -> bool:
        if (problem := self.problem()) is not None:
            self.notice.show_error(problem)
            return False
        try:
            right = self.ctx.verify_pin(self.current_edit.text())
        except Exception:
            log.exception("checking the operator PIN failed")
            right = False
        if not right:
            self.current_edit.clear()
            self.current_edit.setFocus()
            self.notice.show_error(self.tr("The current PIN is wrong."))
            return False
        try:
            self.ctx.change_pin(self.new_edit.text())
        except Exception as exc:
            log.exception("changing the operator PIN failed")
            self.notice.show_error(self.tr("Could not change the PIN: {error}").format(error=exc))
            return False
        try:
            self.ctx.store.audit("operator_pin_changed", {}, actor="admin")
        except Exception:
            log.exception("could not audit the PIN change")
        for edit in (self.current_edit, self.new_edit, self.repeat_edit):
            edit.clear()
        self.notice.show_ok(self.tr("The operator PIN was changed."))
        log.info("operator PIN changed")
        return True
