"""The registration dialog's header and its text pages: consent, details, summary and done.

Thin views: they show what the dialog hands them and forward intents as signals; the rules live in
``app.core.registration.RegistrationWizard``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PyQt5.QtCore import QEvent, Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.registration import NAME_MAX, NAME_MIN
from app.ui.registration.widgets import POSES, PoseArrow
from app.ui.theme import repolish


def make_button(object_name: str) -> QPushButton:
    button = QPushButton(objectName=object_name)
    button.setCursor(Qt.PointingHandCursor)
    button.setFocusPolicy(Qt.NoFocus)  # touch screen: no focus frames, Enter stays with the fields
    button.setAutoDefault(False)
    return button


def make_label(object_name: str, *, wrap: bool = True, align: Qt.Alignment | None = None) -> QLabel:
    label = QLabel(objectName=object_name, wordWrap=wrap)
    if align is not None:
        label.setAlignment(align)
    return label


def set_state(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property used by the stylesheet and re-polish when it changed."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        repolish(widget)


class Page(QWidget):
    """A page: ``retranslate()`` on construction and whenever the language changes."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError


def page_layout(page: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(page)
    layout.setContentsMargins(40, 26, 40, 28)
    layout.setSpacing(16)
    return layout


class StepHeader(QFrame):
    """The title, the four stages (consent, details, photos, check) and the cancel button."""

    cancel_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RegHeader")
        self.title = make_label("RegTitle", wrap=False)
        self.steps = [make_label("RegStep", wrap=False, align=Qt.AlignCenter) for _ in range(4)]
        self.cancel_button = make_button("CancelButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        policy = self.cancel_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the header keeps its height on the done page
        self.cancel_button.setSizePolicy(policy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(28, 12, 20, 12)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addStretch(1)
        for step in self.steps:
            layout.addWidget(step)
        layout.addSpacing(16)
        layout.addWidget(self.cancel_button)
        self._index = 0
        self.set_stage(0)
        self.retranslate()

    def set_stage(self, index: int) -> None:
        """0 consent, 1 details, 2 photos, 3 check; 4 or more: all done."""
        self._index = index
        for i, step in enumerate(self.steps):
            set_state(step, "state", "done" if i < index else "current" if i == index else "pending")

    def stage(self) -> int:
        return self._index

    def retranslate(self) -> None:
        self.title.setText(self.tr("Register my face"))
        names = [self.tr("Consent"), self.tr("Details"), self.tr("Face photos"), self.tr("Check")]
        for i, (step, name) in enumerate(zip(self.steps, names, strict=True)):
            step.setText(f"{i + 1}  {name}")
        self.cancel_button.setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class ConsentPage(Page):
    """What is kept and what is not; agree or decline."""

    agreed = pyqtSignal()
    declined = pyqtSignal()

    def __init__(self, keep_images: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keep_images = keep_images
        self.title = make_label("PageTitle")
        self.intro = make_label("PageText")
        card = QFrame(objectName="RegCard")
        points = QGridLayout(card)
        points.setContentsMargins(28, 22, 28, 22)
        points.setHorizontalSpacing(18)
        points.setVerticalSpacing(16)
        self.points: list[QLabel] = []
        for i in range(4):
            bullet = make_label("Bullet", wrap=False, align=Qt.AlignCenter)
            bullet.setText(str(i + 1))
            text = make_label("BulletText")
            points.addWidget(bullet, i, 0, Qt.AlignTop)
            points.addWidget(text, i, 1)
            self.points.append(text)
        points.setColumnStretch(1, 1)
        self.question = make_label("Question")
        self.decline_button = make_button("SecondaryButton")
        self.agree_button = make_button("PrimaryButton")
        self.decline_button.clicked.connect(self.declined)
        self.agree_button.clicked.connect(self.agreed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.question, 1)
        buttons.addWidget(self.decline_button)
        buttons.addSpacing(8)
        buttons.addWidget(self.agree_button)
        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(card)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Pay with your face"))
        self.intro.setText(self.tr("Register once, then pay at this counter just by looking at the camera. "
                                   "Before we start, please read what we keep."))
        photos = (self.tr("This store keeps encrypted photos of your face from the registration.")
                  if self.keep_images else self.tr("No photos of your face are stored."))
        texts = [
            self.tr("We keep only face templates (numbers computed from your face) and your name and "
                    "customer ID."),
            photos,
            self.tr("The templates are encrypted and used only for face pay in this store."),
            self.tr("You can have everything deleted at any time at the counter."),
        ]
        for label, text in zip(self.points, texts, strict=True):
            label.setText(text)
        self.question.setText(self.tr("Do you agree?"))
        self.decline_button.setText(self.tr("Decline"))
        self.agree_button.setText(self.tr("I agree"))


class DetailsPage(Page):
    """Name, customer ID and the optional last four phone digits, with the core's messages inline."""

    submitted = pyqtSignal(str, str, str)  # name, customer ID, phone last 4 ('' when not given)
    back_requested = pyqtSignal()
    FIELDS = ("name", "customer_id", "phone_last4")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = make_label("PageTitle")
        self.intro = make_label("PageText")
        self.edits = {f: QLineEdit(objectName="RegField") for f in self.FIELDS}
        self.labels = {f: make_label("FieldLabel", wrap=False) for f in self.FIELDS}
        self.notes = {f: make_label("FieldNote") for f in self.FIELDS}
        self._errors: dict[str, str] = {}
        self.edits["name"].setMaxLength(NAME_MAX + 10)
        self.edits["customer_id"].setMaxLength(30)
        self.edits["phone_last4"].setMaxLength(4)
        self.edits["phone_last4"].setInputMethodHints(Qt.ImhDigitsOnly)
        self.edits["customer_id"].setInputMethodHints(Qt.ImhNoAutoUppercase | Qt.ImhPreferNumbers)
        card = QFrame(objectName="RegCard")
        grid = QGridLayout(card)
        grid.setContentsMargins(28, 22, 28, 18)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        spots = {"name": (0, 0, 2), "customer_id": (3, 0, 1), "phone_last4": (3, 1, 1)}
        for field, (row, col, span) in spots.items():
            grid.addWidget(self.labels[field], row, col, 1, span)
            grid.addWidget(self.edits[field], row + 1, col, 1, span)
            grid.addWidget(self.notes[field], row + 2, col, 1, span, Qt.AlignTop)
            self.edits[field].returnPressed.connect(self._submit)
            self.edits[field].textEdited.connect(lambda _text, f=field: self._clear_error(f))
        for row in (2, 5):  # room for a two-line message, so the form does not jump
            grid.setRowMinimumHeight(row, 46)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.back_button = make_button("SecondaryButton")
        self.next_button = make_button("PrimaryButton")
        self.back_button.clicked.connect(self.back_requested)
        self.next_button.clicked.connect(self._submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(card)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    def values(self) -> tuple[str, str, str]:
        return tuple(self.edits[f].text() for f in self.FIELDS)  # type: ignore[return-value]

    def set_values(self, name: str, customer_id: str, phone_last4: str | None) -> None:
        for field, value in zip(self.FIELDS, (name, customer_id, phone_last4 or ""), strict=True):
            self.edits[field].setText(value)

    def _submit(self) -> None:
        name, customer_id, phone = self.values()
        self.submitted.emit(name, customer_id.strip(), phone.strip())

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Field -> the core's English message; shown translated under the field (others cleared)."""
        self._errors = {f: m for f, m in errors.items() if f in self.edits}
        for field in self.FIELDS:
            set_state(self.edits[field], "error", field in self._errors)
        if self._errors:
            self.edits[next(f for f in self.FIELDS if f in self._errors)].setFocus()
        self._update_notes()

    def errors(self) -> dict[str, str]:
        """Field -> the message shown (translated)."""
        return {f: self.notes[f].text() for f in self._errors}

    def _clear_error(self, field: str) -> None:
        if self._errors.pop(field, None) is not None:
            set_state(self.edits[field], "error", False)
            self._update_notes()

    def _update_notes(self) -> None:
        hints = {"name": self.tr("As you would like to be greeted ({low}-{high} characters).").format(
                     low=NAME_MIN, high=NAME_MAX),
                 "customer_id": self.tr("Your membership number: 3-20 letters, digits or '-'."),
                 "phone_last4": self.tr("Optional: a second check when you pay.")}
        for field in self.FIELDS:
            error = self._errors.get(field)
            set_state(self.notes[field], "error", error is not None)
            self.notes[field].setText(hints[field] if error is None else self.error_text(error))

    def error_text(self, message: str) -> str:
        """The translation of one of the core's validation messages (unknown ones are shown as they are)."""
        customer_id = self.edits["customer_id"].text().strip()
        known = [
            (f"The name must be {NAME_MIN}-{NAME_MAX} characters.",
             self.tr("The name must be {low}-{high} characters.").format(low=NAME_MIN, high=NAME_MAX)),
            ("The name must not contain control characters.",
             self.tr("The name must not contain control characters.")),
            ("The customer ID must be 3-20 letters, digits or '-'.",
             self.tr("The customer ID must be 3-20 letters, digits or '-'.")),
            (f"The customer ID {customer_id} is already registered.",
             self.tr("The customer ID {id} is already registered.").format(id=customer_id)),
            ("Enter exactly the last four digits of the phone number.",
             self.tr("Enter exactly the last four digits of the phone number.")),
        ]
        return next((text for english, text in known if english == message), message)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Your details"))
        self.intro.setText(self.tr("We use these to find your registration at the counter."))
        self.labels["name"].setText(self.tr("Name"))
        self.labels["customer_id"].setText(self.tr("Customer ID"))
        self.labels["phone_last4"].setText(self.tr("Phone, last 4 digits"))
        self.edits["phone_last4"].setPlaceholderText(self.tr("optional"))
        self.back_button.setText(self.tr("Back"))
        self.next_button.setText(self.tr("Next"))
        self._update_notes()


class SummaryPage(Page):
    """Name, ID and the captured poses; a face that matches another customer needs the operator PIN."""

    retake_requested = pyqtSignal()
    finish_requested = pyqtSignal()
    pin_submitted = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: tuple[str, str, str | None] = ("", "", None)
        self._done: frozenset[str] = frozenset()
        self._duplicate: str | None = None
        self._pin_state = ""
        self._save_error: str | None = None
        self.title = make_label("PageTitle")
        self.intro = make_label("PageText")
        card = QFrame(objectName="RegCard")
        grid = QGridLayout(card)
        grid.setContentsMargins(28, 20, 28, 20)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(12)
        self.keys = [make_label("SummaryKey", wrap=False) for _ in range(4)]
        self.name_value = make_label("SummaryValue")
        self.id_value = make_label("SummaryValue")
        self.phone_value = make_label("SummaryValue")
        self.chips = {pose: make_label("PoseChip", wrap=False, align=Qt.AlignCenter) for pose in POSES}
        chip_row = QHBoxLayout()
        chip_row.setSpacing(10)
        for chip in self.chips.values():
            chip_row.addWidget(chip)
        chip_row.addStretch(1)
        for row, value in enumerate((self.name_value, self.id_value, self.phone_value)):
            grid.addWidget(self.keys[row], row, 0)
            grid.addWidget(value, row, 1)
        grid.addWidget(self.keys[3], 3, 0)
        grid.addLayout(chip_row, 3, 1)
        grid.setColumnStretch(1, 1)

        self.duplicate_box = QFrame(objectName="DuplicateBox")
        self.duplicate_title = make_label("DuplicateTitle")
        self.duplicate_text = make_label("DuplicateText")
        self.pin_edit = QLineEdit(objectName="PinField")
        self.pin_edit.setEchoMode(QLineEdit.Password)
        self.pin_edit.setMaxLength(8)
        self.pin_edit.setInputMethodHints(Qt.ImhDigitsOnly | Qt.ImhSensitiveData | Qt.ImhNoPredictiveText)
        self.pin_edit.setFixedWidth(220)
        self.pin_button = make_button("PinButton")
        self.pin_state = make_label("PinState")
        self.pin_edit.returnPressed.connect(self._submit_pin)
        self.pin_button.clicked.connect(self._submit_pin)
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.pin_edit)
        pin_row.addWidget(self.pin_button)
        pin_row.addWidget(self.pin_state, 1)
        box = QVBoxLayout(self.duplicate_box)
        box.setContentsMargins(22, 14, 22, 14)
        box.setSpacing(8)
        box.addWidget(self.duplicate_title)
        box.addWidget(self.duplicate_text)
        box.addLayout(pin_row)
        self.duplicate_box.hide()

        self.save_error = make_label("SaveError")
        self.save_error.hide()
        self.retake_button = make_button("SecondaryButton")
        self.finish_button = make_button("PrimaryButton")
        self.retake_button.clicked.connect(self.retake_requested)
        self.finish_button.clicked.connect(self.finish_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retake_button)
        buttons.addStretch(1)
        buttons.addWidget(self.finish_button)
        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(card)
        layout.addWidget(self.duplicate_box)
        layout.addStretch(1)
        layout.addWidget(self.save_error)
        layout.addLayout(buttons)
        self.retranslate()

    def show_registration(self, name: str, customer_id: str, phone_last4: str | None, done: Iterable[str],
                          duplicate_of: str | None, confirmed: bool) -> None:
        self._values = (name, customer_id, phone_last4)
        self._done = frozenset(done)
        self._duplicate = duplicate_of
        self._pin_state = "ok" if duplicate_of and confirmed else ""
        self._save_error = None
        self.pin_edit.clear()
        self.duplicate_box.setVisible(duplicate_of is not None)
        self.retranslate()

    def _submit_pin(self) -> None:
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        if pin:
            self.pin_submitted.emit(pin)

    def set_pin_state(self, state: str) -> None:
        """'' (not tried), 'wrong' or 'ok' (an operator confirmed: Finish is enabled)."""
        self._pin_state = state
        self.retranslate()

    def show_save_error(self, message: str | None) -> None:
        self._save_error = message
        self.retranslate()

    def can_finish(self) -> bool:
        return self._duplicate is None or self._pin_state == "ok"

    def retranslate(self) -> None:
        name, customer_id, phone = self._values
        self.title.setText(self.tr("Check your registration"))
        self.intro.setText(self.tr("Please check your details, then tap Finish to save."))
        for key, text in zip(self.keys, (self.tr("Name"), self.tr("Customer ID"), self.tr("Phone"),
                                         self.tr("Face photos")), strict=True):
            key.setText(text)
        self.name_value.setText(name)
        self.id_value.setText(customer_id)
        self.phone_value.setText(f"···· {phone}" if phone else self.tr("not given"))
        names = {"front": self.tr("Front"), "right": self.tr("Right"), "down": self.tr("Down"),
                 "left": self.tr("Left")}
        for pose, chip in self.chips.items():
            chip.setText(names[pose])
            set_state(chip, "done", pose in self._done)
        self.duplicate_title.setText(self.tr("This face looks like a registered customer (ID {id}).").format(
            id=self._duplicate or ""))
        self.duplicate_text.setText(self.tr("A staff member must confirm with the operator PIN before "
                                            "this registration can be saved."))
        self.pin_edit.setPlaceholderText(self.tr("Operator PIN"))
        self.pin_button.setText(self.tr("Confirm"))
        pin_texts = {"": "", "wrong": self.tr("Wrong PIN. Please try again."),
                     "ok": self.tr("Confirmed by staff.")}
        self.pin_state.setText(pin_texts[self._pin_state])
        set_state(self.pin_state, "state", self._pin_state)
        self.pin_edit.setEnabled(self._pin_state != "ok")
        self.pin_button.setEnabled(self._pin_state != "ok")
        self.save_error.setVisible(self._save_error is not None)
        if self._save_error is not None:
            self.save_error.setText(self.tr("The registration could not be saved: {error}").format(
                error=self._save_error))
        self.retake_button.setText(self.tr("Retake photos"))
        self.finish_button.setText(self.tr("Finish"))
        self.finish_button.setEnabled(self.can_finish())


class DonePage(Page):
    """The registration is saved."""

    close_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = ""
        self.mark = PoseArrow()
        self.mark.set_pose("front", captured=True)
        self.mark.setFixedSize(140, 140)
        self.title = make_label("PageTitle", align=Qt.AlignCenter)
        self.text = make_label("PageText", align=Qt.AlignCenter)
        self.close_button = make_button("PrimaryButton")
        self.close_button.clicked.connect(self.close_requested)
        self.close_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        layout = page_layout(self)
        layout.addStretch(1)
        layout.addWidget(self.mark, 0, Qt.AlignHCenter)
        layout.addSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addSpacing(16)
        layout.addWidget(self.close_button, 0, Qt.AlignHCenter)
        layout.addStretch(1)
        self.retranslate()

    def set_name(self, name: str) -> None:
        self._name = name
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("You are registered, {name}!").format(name=self._name))
        self.text.setText(self.tr("Next time, just look at the camera to pay."))
        self.close_button.setText(self.tr("Close"))
