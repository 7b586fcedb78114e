"""The kiosk window: header, counter camera, cart with total and Pay, face pay, and a status bar.

Thin: it receives its models (settings, cart, customers) in the constructor, shows them, and forwards
intents (``pay_requested``, ``language_changed``). Laid out for 16:10 (1280x800) and 16:9 (1920x1080).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PyQt5.QtCore import QEvent, Qt, pyqtSignal
from PyQt5.QtGui import QCloseEvent, QResizeEvent
from PyQt5.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.capture.base import SourceStatus
from app.core.cart import Cart
from app.core.checkout import CheckoutSnapshot, CheckoutState, Message
from app.core.settings import Settings
from app.ui.cart_panel import CartPanel
from app.ui.checkout_view import AttendantBanner, PaidScreen, PaymentCard
from app.ui.chrome import LANGUAGE_NAMES, HeaderBar, KioskStatusBar
from app.ui.face_panel import Customer, FacePanel
from app.ui.i18n import current_language, install_translator
from app.ui.theme import repolish
from app.ui.video_view import VideoView

log = logging.getLogger(__name__)

LARGE_SIZE = (1600, 960)


class MainWindow(QMainWindow):
    """The counter screen. Panels: ``counter_view``, ``cart_panel``, ``face_panel``, ``header``; during
    payment ``payment_card`` takes the counter's place and ``paid_screen`` fills the window at the end.
    ``show_checkout`` renders the checkout's snapshot; the buttons only emit intents."""

    pay_requested = pyqtSignal()
    confirm_requested = pyqtSignal()  # the payment card's main button (list right / pay)
    cancel_requested = pyqtSignal()
    done_requested = pyqtSignal()  # the payment-complete screen's Done
    staff_requested = pyqtSignal()
    exit_requested = pyqtSignal()  # someone tried to close the locked kiosk window
    language_changed = pyqtSignal(str)

    def __init__(self, settings: Settings, cart: Cart, customers: Iterable[Customer] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._language = settings.language
        app = QApplication.instance()
        if app is not None and current_language(app) != self._language:
            install_translator(app, self._language)
        self.setObjectName("MainWindow")
        self.setMinimumSize(1024, 640)

        self._counter_state = "ready"
        self.header = HeaderBar()
        self.language_button = self.header.language_button
        self.language_button.clicked.connect(self.toggle_language)
        self.staff_button = QPushButton(objectName="HeaderStaffButton", cursor=Qt.PointingHandCursor)
        self.staff_button.clicked.connect(self.staff_requested)
        self.header.layout().insertWidget(self.header.layout().count() - 1, self.staff_button)
        self.counter_card, self.counter_view = self._make_counter_card()
        self.payment_card = PaymentCard()
        self.payment_card.primary_clicked.connect(self.confirm_requested)
        self.payment_card.cancel_clicked.connect(self.cancel_requested)
        self.left_stack = QStackedWidget()
        self.left_stack.addWidget(self.counter_card)
        self.left_stack.addWidget(self.payment_card)
        self.cart_panel = CartPanel(cart, self._language)
        self.pay_button = self.cart_panel.pay_button
        self.cart_panel.pay_requested.connect(self.pay_requested)
        self.attendant_banner = AttendantBanner()
        self.attendant_banner.staff_clicked.connect(self.staff_requested)
        self.cart_panel.layout().insertWidget(2, self.attendant_banner)
        self.checkout_message = QLabel(objectName="CheckoutMessage", wordWrap=True)
        self.checkout_message.hide()
        self.cart_panel.layout().insertWidget(3, self.checkout_message)
        self.paid_screen = PaidScreen()
        self.paid_screen.done_clicked.connect(self.done_requested)
        self._snapshot: CheckoutSnapshot | None = None
        self._locked = False
        self.face_panel = FacePanel(customers)
        self.face_view = self.face_panel.video

        right = QVBoxLayout()
        right.setSpacing(16)
        right.addWidget(self.cart_panel, 7)
        right.addWidget(self.face_panel, 3)
        body = QHBoxLayout()
        body.setContentsMargins(20, 16, 20, 16)
        body.setSpacing(16)
        body.addWidget(self.left_stack, 11)
        body.addLayout(right, 8)
        self.body_page = QWidget()
        self.body_page.setLayout(body)
        self.page_stack = QStackedWidget()
        self.page_stack.addWidget(self.body_page)
        self.page_stack.addWidget(self.paid_screen)
        central = QWidget(objectName="Central")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.page_stack, 1)
        self.setCentralWidget(central)
        self._make_status_bar()
        self.retranslate()

    def _make_counter_card(self) -> tuple[QFrame, VideoView]:
        card = QFrame(objectName="CounterCard")
        card.setProperty("card", True)
        self.counter_title = QLabel(objectName="CardTitle")
        self.counter_hint = QLabel(objectName="CardHint", alignment=Qt.AlignRight | Qt.AlignVCenter)
        view = VideoView()
        view.setObjectName("CounterVideo")
        self.steps = [QLabel(objectName="Step") for _ in range(3)]
        title_row = QHBoxLayout()
        title_row.addWidget(self.counter_title, 1)
        title_row.addWidget(self.counter_hint)
        steps_row = QHBoxLayout()
        steps_row.setSpacing(12)
        for step in self.steps:
            steps_row.addWidget(step, 1)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(20, 18, 20, 20)
        layout.setSpacing(14)
        layout.addLayout(title_row)
        layout.addWidget(view, 1)
        layout.addLayout(steps_row)
        return card, view

    def _make_status_bar(self) -> None:
        self.status_bar = KioskStatusBar()
        self.camera_chips = self.status_bar.camera_chips
        self.model_chip = self.status_bar.model_chip
        self.language_label = self.status_bar.language_label
        self.setStatusBar(self.status_bar)

    # --- public API -----------------------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self._language

    def set_camera_status(self, which: str, text: str, ok: bool) -> None:
        """Show the state of the ``'counter'`` or ``'face'`` camera in the status bar."""
        self.status_bar.set_camera_status(which, text, ok)

    def show_camera_state(self, which: str, status: SourceStatus) -> None:
        """Show a frame source's state (translated) in the status bar and, when not live, on its view."""
        self.status_bar.show_camera_state(which, status)
        view = self.counter_view if which == "counter" else self.face_view
        if not status.is_live:
            view.set_status(self.status_bar.camera_text(which))

    def set_model_status(self, text: str | None, ok: bool | None = True) -> None:
        """Show the detector/face model state (backend, loaded or degraded) in the status bar."""
        self.status_bar.set_model_status(text, ok)

    def set_face_status(self, text: str | None, ok: bool | None = True) -> None:
        """Show the face recognition backend (or why face pay is off) in the status bar."""
        self.status_bar.set_face_status(text, ok)

    def set_counter_state(self, state: str) -> None:
        """'ready', 'settling' (items moving: the cart waits) or 'unclear' (spread the items out)."""
        if state not in ("ready", "settling", "unclear"):
            raise ValueError(f"unknown counter state {state!r}")
        if state != self._counter_state:
            self._counter_state = state
            self.counter_hint.setProperty("state", state)
            repolish(self.counter_hint)
            self.retranslate()

    def show_checkout(self, snapshot: CheckoutSnapshot, timeout_s: float | None = None) -> None:
        """Render the checkout: which page shows, the Pay button, the staff banner, the message."""
        self._snapshot = snapshot
        state = snapshot.state
        if state is CheckoutState.PAID:
            self.paid_screen.show_snapshot(snapshot, self._language, timeout_s)
            self.page_stack.setCurrentWidget(self.paid_screen)
        else:
            self.page_stack.setCurrentWidget(self.body_page)
        paying = state in (CheckoutState.REVIEW, CheckoutState.IDENTIFY, CheckoutState.LIVENESS,
                           CheckoutState.CONFIRM)
        if paying:
            self.payment_card.show_snapshot(snapshot, self._language, timeout_s)
        self.left_stack.setCurrentWidget(self.payment_card if paying else self.counter_card)
        self.pay_button.setEnabled(snapshot.can_review)
        self.pay_button.setVisible(not paying)  # the payment card has its own buttons
        self.attendant_banner.show_reasons(tuple(r.value for r in snapshot.attendant_reasons),
                                           snapshot.unknown_items)
        self.set_counter_state("unclear" if snapshot.spread_items else
                               "settling" if snapshot.settling and state is not CheckoutState.IDLE
                               else "ready")
        quiet = {Message.PLACE_ITEMS, Message.SCANNING, Message.REVIEW_LIST, Message.LOOK_AT_CAMERA,
                 Message.TURN_HEAD, Message.CONFIRM_PAYMENT, Message.PAID}
        shown = state in (CheckoutState.IDLE, CheckoutState.SCANNING) and snapshot.message not in quiet
        self.checkout_message.setVisible(shown)
        if shown:
            self.checkout_message.setText(self.payment_card.message_text(snapshot.message))
            warn = snapshot.message in (Message.SPREAD_ITEMS, Message.HOLD_ON, Message.ATTENDANT_NEEDED,
                                        Message.PIN_REFUSED, Message.TIMED_OUT, Message.CANCELLED,
                                        Message.LIVENESS_FAILED, Message.PAYMENT_FAILED,
                                        Message.TAKE_ITEMS)
            if self.checkout_message.property("warn") != warn:
                self.checkout_message.setProperty("warn", warn)
                repolish(self.checkout_message)

    def set_remaining(self, remaining_s: float | None) -> None:
        """Seconds left before the current checkout step times out (the countdown bars)."""
        self.payment_card.set_remaining(remaining_s)
        self.paid_screen.set_remaining(remaining_s)

    @property
    def checkout_snapshot(self) -> CheckoutSnapshot | None:
        return self._snapshot

    def lock(self) -> None:
        """Kiosk mode: full screen, and closing (Alt+F4, the window manager) asks for the staff PIN."""
        self._locked = True
        self.setWindowFlags(self.windowFlags() | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        self.showFullScreen()

    @property
    def locked(self) -> bool:
        return self._locked

    def unlock_and_close(self) -> None:
        """Staff confirmed with the PIN: leave kiosk mode and close."""
        self._locked = False
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._locked:
            event.ignore()
            self.exit_requested.emit()
            return
        super().closeEvent(event)

    def demo_pin_hint(self, pin: str) -> str:
        return self.tr("Demo PIN: {pin}").format(pin=pin)

    def demo_customer_name(self) -> str:
        return self.tr("Demo customer")

    def set_demo_mode(self, demo: bool, reason: str = "") -> None:
        """The demo badge in the header (``reason``, e.g. why the demo started, as its tooltip)."""
        self.header.demo_badge.setVisible(demo)
        self.header.demo_badge.setToolTip(reason)

    def set_language(self, language: str) -> None:
        """Switch the shown language live (installs the translator; every widget gets ``LanguageChange``)."""
        app = QApplication.instance()
        if app is not None:
            install_translator(app, language)
        self._follow_language(language)

    def _follow_language(self, language: str) -> None:
        if language in LANGUAGE_NAMES and language != self._language:
            log.info("window language: %s", language)
            self._language = language
            self.cart_panel.set_language(language)
            if self._snapshot is not None:
                self.show_checkout(self._snapshot)
            self.retranslate()
            self.language_changed.emit(language)

    def toggle_language(self) -> None:
        self.set_language("en" if self._language == "ko" else "ko")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        self.set_large(size.width() >= LARGE_SIZE[0] and size.height() >= LARGE_SIZE[1])

    def set_large(self, large: bool) -> None:
        """Bigger type for full-HD screens (the ``large.qss`` layer keys on this property)."""
        if self.property("large") == large:
            return
        self.setProperty("large", large)
        for widget in (self, *self.findChildren(QWidget)):
            repolish(widget)
        self.cart_panel.update_row_height()
        self.face_panel.update_item_sizes()

    # --- text -----------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Self checkout"))
        self.header.title.setText(self.tr("Self checkout"))
        self.header.subtitle.setText(self.tr("No barcodes needed: just place your items on the counter"))
        other = "en" if self._language == "ko" else "ko"
        self.language_button.setText(LANGUAGE_NAMES[other])
        self.counter_title.setText(self.tr("Counter"))
        hints = {"ready": self.tr("Items are recognised automatically"),
                 "settling": self.tr("Hold on: the items are moving"),
                 "unclear": self.tr("Some items are unclear: please spread them out")}
        self.counter_hint.setText(hints[self._counter_state])
        texts = [self.tr("Place your items"), self.tr("Check the list"), self.tr("Tap Pay")]
        for number, (step, text) in enumerate(zip(self.steps, texts, strict=True), start=1):
            step.setText(f"{number}   {text}")
        self.header.demo_badge.setText(self.tr("DEMO"))
        self.staff_button.setText(self.tr("Staff"))
        self.status_bar.retranslate(self._language)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:  # also when someone else installed a translator
            self._follow_language(current_language() or self._language)
            self.retranslate()
        super().changeEvent(event)
