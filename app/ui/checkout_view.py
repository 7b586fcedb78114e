"""The payment screens: the step card shown during payment, the payment-complete screen and the
attendant banner. They render a :class:`CheckoutSnapshot` and emit intents; they decide nothing.
"""

from __future__ import annotations

import math

from PyQt5.QtCore import QEvent, QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PyQt5.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.checkout import CheckoutSnapshot, CheckoutState, Message
from app.core.money import format_won
from app.core.receipt import render_receipt
from app.ui.receipt_print import receipt_to_image
from app.ui.theme import SKY, repolish
from app.ui.video_view import VideoView

S = CheckoutState
PAYMENT_STEPS = (S.REVIEW, S.IDENTIFY, S.LIVENESS, S.CONFIRM)


def _label(name: str, *, wrap: bool = False, align: Qt.Alignment | None = None) -> QLabel:
    label = QLabel(objectName=name, wordWrap=wrap)
    if align is not None:
        label.setAlignment(align)
    return label


class CountdownBar(QProgressBar):
    """How long the current step waits before it gives up (full at entry, empty at the timeout)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="Countdown", textVisible=False)
        self.setRange(0, 1000)
        self.setFixedHeight(8)
        self._total: float | None = None

    def start(self, total_s: float | None) -> None:
        self._total = total_s
        self.setVisible(total_s is not None)
        self.setValue(1000)

    def set_remaining(self, remaining_s: float | None) -> None:
        if self._total is None or remaining_s is None:
            return
        self.setValue(int(1000 * max(0.0, min(1.0, remaining_s / self._total))))


class TurnArrow(QWidget):
    """A big arrow showing which way to turn the head (``side`` as seen on the screen), or a check."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="TurnArrow")
        self.setMinimumSize(120, 120)
        self.side: str | None = None  # "left" / "right" on screen, "front" (look back), None: hidden
        self.progress = 0.0

    def set_direction(self, side: str | None, progress: float = 0.0) -> None:
        if (side, progress) != (self.side, self.progress):
            self.side, self.progress = side, progress
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.side is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        size = min(self.width(), self.height()) - 8
        rect = QRectF((self.width() - size) / 2, (self.height() - size) / 2, size, size)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(SKY["primary_soft"]))
        p.drawEllipse(rect)
        pen = QPen(QColor(SKY["primary"]), max(4.0, size / 14))
        pen.setCapStyle(Qt.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawArc(rect.adjusted(4, 4, -4, -4), 90 * 16, int(-360 * 16 * self.progress))
        c = rect.center()
        r = size * 0.28
        p.setBrush(QColor(SKY["primary_pressed"]))
        p.setPen(Qt.NoPen)
        if self.side == "front":
            p.drawEllipse(c, r * 0.55, r * 0.55)
            return
        sign = -1 if self.side == "left" else 1
        path = QPainterPath()
        tip = QPointF(c.x() + sign * r * 1.2, c.y())
        path.moveTo(tip)
        path.lineTo(c.x() + sign * r * 0.1, c.y() - r)
        path.lineTo(c.x() + sign * r * 0.1, c.y() - r * 0.4)
        path.lineTo(c.x() - sign * r * 1.1, c.y() - r * 0.4)
        path.lineTo(c.x() - sign * r * 1.1, c.y() + r * 0.4)
        path.lineTo(c.x() + sign * r * 0.1, c.y() + r * 0.4)
        path.lineTo(c.x() + sign * r * 0.1, c.y() + r)
        path.closeSubpath()
        p.drawPath(path)


class PaymentCard(QFrame):
    """The left card during payment: the four steps, what to do now, the face video and the buttons."""

    primary_clicked = pyqtSignal()
    cancel_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="PaymentCard")
        self.setProperty("card", True)
        self._snapshot: CheckoutSnapshot | None = None
        self._language = "ko"
        self._liveness_side: str | None = None
        self.steps = [_label("PayStep", align=Qt.AlignCenter) for _ in PAYMENT_STEPS]
        steps_row = QHBoxLayout()
        steps_row.setSpacing(10)
        for step in self.steps:
            steps_row.addWidget(step, 1)
        self.title = _label("PayTitle", wrap=True)
        self.message = _label("PayMessage", wrap=True)
        self.countdown = CountdownBar()

        # review / confirm: the amount; identify / liveness: the face video (+ the arrow)
        self.amount_page = QWidget()
        self.amount_caption = _label("PayAmountCaption", align=Qt.AlignCenter)
        self.amount = _label("PayAmount", align=Qt.AlignCenter)
        self.amount_detail = _label("PayAmountDetail", align=Qt.AlignCenter, wrap=True)
        amount_layout = QVBoxLayout(self.amount_page)
        amount_layout.addStretch(1)
        for widget in (self.amount_caption, self.amount, self.amount_detail):
            amount_layout.addWidget(widget)
        amount_layout.addStretch(1)
        self.face_page = QWidget()
        self.face_video = VideoView()
        self.face_video.setObjectName("PayFaceVideo")
        self.arrow = TurnArrow()
        self.arrow.setFixedWidth(160)
        face_layout = QHBoxLayout(self.face_page)
        face_layout.setContentsMargins(0, 0, 0, 0)
        face_layout.setSpacing(16)
        face_layout.addWidget(self.face_video, 1)
        face_layout.addWidget(self.arrow)
        self.content = QStackedWidget()
        self.content.addWidget(self.amount_page)
        self.content.addWidget(self.face_page)

        self.cancel_button = QPushButton(objectName="SecondaryButton", cursor=Qt.PointingHandCursor)
        self.primary_button = QPushButton(objectName="PayButton", cursor=Qt.PointingHandCursor)
        self.primary_button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.primary_button.clicked.connect(self.primary_clicked)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.cancel_button, 1)
        buttons.addWidget(self.primary_button, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 22)
        layout.setSpacing(14)
        layout.addLayout(steps_row)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.content, 1)
        layout.addWidget(self.countdown)
        layout.addLayout(buttons)
        self.retranslate()

    # -- rendering ---------------------------------------------------------------------------------
    def show_snapshot(self, snapshot: CheckoutSnapshot, language: str, total_s: float | None) -> None:
        entered = self._snapshot is None or snapshot.state is not self._snapshot.state
        self._snapshot, self._language = snapshot, language
        if entered:
            self.countdown.start(total_s)
            if snapshot.state is not S.LIVENESS:
                self._liveness_side = None
        self.retranslate()

    def set_remaining(self, remaining_s: float | None) -> None:
        self.countdown.set_remaining(remaining_s)

    def set_liveness(self, side_on_screen: str | None, phase: str, progress: float) -> None:
        """``side_on_screen``: where the customer sees themselves turn; ``phase``: 'front', 'turn',
        'return' or 'done'."""
        self._liveness_side = side_on_screen
        self.arrow.set_direction(side_on_screen if phase == "turn" else "front" if phase else None, progress)
        self.retranslate()

    def retranslate(self) -> None:
        names = [self.tr("Check the list"), self.tr("Face"), self.tr("Head turn"), self.tr("Pay")]
        snap = self._snapshot
        current = PAYMENT_STEPS.index(snap.state) if snap is not None and snap.state in PAYMENT_STEPS else -1
        for i, (label, name) in enumerate(zip(self.steps, names, strict=True)):
            label.setText(f"{i + 1}  {name}")
            state = "current" if i == current else "done" if i < current else "todo"
            if label.property("state") != state:
                label.setProperty("state", state)
                repolish(label)
        self.cancel_button.setText(self.tr("Cancel"))
        if snap is None:
            return
        lang = self._language
        total = format_won(snap.total_won, lang)
        count = self.item_count_text(snap.item_count)
        self.content.setCurrentWidget(self.face_page if snap.state in (S.IDENTIFY, S.LIVENESS)
                                      else self.amount_page)
        self.primary_button.setVisible(snap.state in (S.REVIEW, S.CONFIRM))
        self.arrow.setVisible(snap.state is S.LIVENESS)
        if snap.state is S.REVIEW:
            self.title.setText(self.tr("Is the list right?"))
            self.amount_caption.setText(self.tr("Amount to pay"))
            self.amount.setText(total)
            self.amount_detail.setText(count + "  ·  " + self.tr("Check the items on the right"))
            self.primary_button.setText(self.tr("Yes, pay with my face"))
            self.cancel_button.setText(self.tr("Back to the counter"))
        elif snap.state is S.IDENTIFY:
            self.title.setText(self.tr("Look at the face camera"))
        elif snap.state is S.LIVENESS:
            name = snap.customer_name or ""
            self.title.setText(self.tr("{name}, please turn your head").format(name=name))
        elif snap.state is S.CONFIRM:
            name = snap.customer_name or ""
            self.title.setText(self.tr("Pay as {name}?").format(name=name))
            self.amount_caption.setText(self.tr("Amount to pay"))
            self.amount.setText(total)
            self.amount_detail.setText(count)
            self.primary_button.setText(self.tr("Pay {amount}").format(amount=total))
        self.message.setText(self.liveness_text() if snap.state is S.LIVENESS
                             and snap.message is Message.TURN_HEAD else self.message_text(snap.message))

    def item_count_text(self, n: int) -> str:
        return self.tr("1 item") if n == 1 else self.tr("{n} items").format(n=n)

    def liveness_text(self) -> str:
        side = self._liveness_side
        if side == "left":
            return self.tr("Turn your head towards the left of the screen, then look back at it.")
        if side == "right":
            return self.tr("Turn your head towards the right of the screen, then look back at it.")
        return self.tr("Look straight at the camera first.")

    def message_text(self, message: Message) -> str:
        texts = {
            Message.PLACE_ITEMS: self.tr("Place your items on the counter."),
            Message.TAKE_ITEMS: self.tr("Please take your items from the counter."),
            Message.SCANNING: self.tr("Your items are being added."),
            Message.HOLD_ON: self.tr("Hold on: the items are moving."),
            Message.SPREAD_ITEMS: self.tr("Some items lie on top of each other: please spread them out."),
            Message.ATTENDANT_NEEDED: self.tr("A member of staff will help you."),
            Message.EMPTY_CART: self.tr("There is nothing to pay yet."),
            Message.REVIEW_LIST: self.tr("Check that every item is on the list with the right count."),
            Message.LOOK_AT_CAMERA: self.tr("Look at the face camera to pay with your registered face."),
            Message.FACE_NOT_RECOGNISED: self.tr("We do not recognise this face. Registered? Look straight "
                                                 "at the camera, or cancel."),
            Message.TURN_HEAD: self.tr("Turn your head as the arrow shows, then look back."),
            Message.LIVENESS_FAILED: self.tr("The head turn was not recognised. Let's try again."),
            Message.CONFIRM_PAYMENT: self.tr("Tap Pay to complete the payment."),
            Message.PAYMENT_FAILED: self.tr("The payment could not be saved. Please try again or call "
                                            "staff."),
            Message.PAID: self.tr("Payment complete."),
            Message.ITEMS_CHANGED: self.tr("The items changed: please check the list again."),
            Message.CANCELLED: self.tr("The payment was cancelled."),
            Message.TIMED_OUT: self.tr("Time ran out: the payment was stopped."),
            Message.PIN_REFUSED: self.tr("Wrong staff PIN."),
            Message.VOIDED: self.tr("Staff removed items from the sale."),
            Message.APPROVED: self.tr("Staff approved the sale."),
            Message.ITEM_RESOLVED: self.tr("Staff identified the item."),
        }
        return texts[message]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class PaidScreen(QFrame):
    """Payment complete: the check mark, the total, the customer, the time, the receipt number, the
    items and the receipt itself. Fills the window until Done or its timeout."""

    done_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="PaidScreen")
        self._snapshot: CheckoutSnapshot | None = None
        self._language = "ko"
        self.mark = _label("PaidMark", align=Qt.AlignCenter)
        self.mark.setText("✓")
        self.title = _label("PaidTitle", align=Qt.AlignCenter)
        self.total = _label("PaidTotal", align=Qt.AlignCenter)
        self.thanks = _label("PaidThanks", align=Qt.AlignCenter, wrap=True)
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(24)
        self.facts.setVerticalSpacing(8)
        self.fact_keys = [_label("PaidKey") for _ in range(4)]
        self.fact_values = [_label("PaidValue") for _ in range(4)]
        for row, (key, value) in enumerate(zip(self.fact_keys, self.fact_values, strict=True)):
            self.facts.addWidget(key, row, 0)
            self.facts.addWidget(value, row, 1)
        self.receipt = QLabel(objectName="ReceiptImage", alignment=Qt.AlignHCenter | Qt.AlignTop)
        self.receipt_text = ""  # the receipt as text (the image shows the same layout as the PDF)
        self.receipt_scroll = QScrollArea(objectName="ReceiptScroll", widgetResizable=True)
        self.receipt_scroll.setWidget(self.receipt)
        self.receipt_scroll.setFrameShape(QFrame.NoFrame)
        self.receipt_title = _label("CardTitle")
        self.saved = _label("ReceiptSaved", wrap=True)
        self.done_button = QPushButton(objectName="PayButton", cursor=Qt.PointingHandCursor)
        self.done_button.clicked.connect(self.done_clicked)
        self.countdown = CountdownBar()

        summary = QFrame(objectName="PaidSummary")
        summary.setProperty("card", True)
        left = QVBoxLayout(summary)
        left.setContentsMargins(32, 32, 32, 32)
        left.setSpacing(12)
        left.addStretch(1)
        left.addWidget(self.mark, 0, Qt.AlignHCenter)
        left.addWidget(self.title)
        left.addWidget(self.total)
        left.addSpacing(12)
        facts = QWidget(objectName="PaidFacts")
        facts.setLayout(self.facts)
        facts.setMaximumWidth(480)
        left.addWidget(facts, 0, Qt.AlignHCenter)
        left.addSpacing(8)
        left.addWidget(self.thanks)
        left.addStretch(1)
        left.addWidget(self.countdown)
        left.addWidget(self.done_button)
        receipt_card = QFrame(objectName="ReceiptCard")
        receipt_card.setProperty("card", True)
        right = QVBoxLayout(receipt_card)
        right.setContentsMargins(24, 20, 24, 20)
        right.addWidget(self.receipt_title)
        right.addWidget(self.receipt_scroll, 1)
        right.addWidget(self.saved)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(20)
        layout.addWidget(summary, 3)
        layout.addWidget(receipt_card, 2)
        self.retranslate()

    def show_snapshot(self, snapshot: CheckoutSnapshot, language: str, total_s: float | None) -> None:
        if self._snapshot is None or self._snapshot.receipt_no != snapshot.receipt_no:
            self.countdown.start(total_s)
            self.saved.clear()
        self._snapshot, self._language = snapshot, language
        self.retranslate()

    def set_remaining(self, remaining_s: float | None) -> None:
        self.countdown.set_remaining(remaining_s)

    def set_saved(self, text: str) -> None:
        self.saved.setText(self.tr("Receipt saved: {path}").format(path=text))

    def item_count_text(self, n: int) -> str:
        return self.tr("1 item") if n == 1 else self.tr("{n} items").format(n=n)

    def set_save_failed(self) -> None:
        self.saved.setText(self.tr("The receipt file could not be saved (staff can reprint it)."))

    def retranslate(self) -> None:
        self.title.setText(self.tr("Payment complete"))
        self.receipt_title.setText(self.tr("Receipt"))
        self.done_button.setText(self.tr("Done"))
        self.thanks.setText(self.tr("Thank you! Please take your items."))
        keys = [self.tr("Customer"), self.tr("Items"), self.tr("Time"), self.tr("Receipt no.")]
        for label, key in zip(self.fact_keys, keys, strict=True):
            label.setText(key)
        snap = self._snapshot
        if snap is None or snap.receipt is None:
            return
        receipt, lang = snap.receipt, self._language
        self.total.setText(format_won(receipt.total_won, lang))
        values = [receipt.customer_name or "-", self.item_count_text(snap.item_count),
                  receipt.issued_at.strftime("%Y-%m-%d %H:%M:%S"), receipt.receipt_no]
        for label, value in zip(self.fact_values, values, strict=True):
            label.setText(value)
        text = render_receipt(receipt, lang)
        if text != self.receipt_text:
            self.receipt_text = text
            self.receipt.setToolTip(text)
            self.receipt.setPixmap(QPixmap.fromImage(receipt_to_image(receipt, lang, width_px=360)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class AttendantBanner(QFrame):
    """Shown in the cart card while the sale waits for staff (age check, an unknown item)."""

    staff_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="AttendantBanner")
        self.text = _label("AttendantText", wrap=True)
        self.button = QPushButton(objectName="StaffButton", cursor=Qt.PointingHandCursor)
        self.button.clicked.connect(self.staff_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 10, 10)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self._reasons: tuple[str, ...] = ()
        self._unknown = 0
        self.setVisible(False)
        self.retranslate()

    def show_reasons(self, reasons: tuple[str, ...], unknown_items: int) -> None:
        self._reasons, self._unknown = reasons, unknown_items
        self.setVisible(bool(reasons))
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(self.tr("Staff"))
        parts = []
        if "age_check" in self._reasons:
            parts.append(self.tr("An age-restricted item needs a staff check."))
        if "unknown_item" in self._reasons:
            n = self._unknown
            parts.append(self.tr("1 item not recognised: staff will identify it.") if n == 1 else
                         self.tr("{n} items not recognised: staff will identify them.").format(n=n))
        self.text.setText("\n".join(parts))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def liveness_progress(yaw: float | None, turn_min: float) -> float:
    """0..1: how far the head has turned towards the required angle (for the arrow's ring)."""
    if yaw is None or turn_min <= 0:
        return 0.0
    return max(0.0, min(1.0, math.fabs(yaw) / turn_min))
