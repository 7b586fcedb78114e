"""The admin window: a header with "Close admin", a page list on the left and the chosen page on the right.

The kiosk opens it after the operator PIN was accepted, so it never asks for the PIN itself. It is a
``QDialog`` filling the screen; ``present()`` shows it without blocking (the GUI keeps running), and
``finished`` tells the kiosk it was closed. The sky-blue look comes from the app theme, whose
layers include ``admin.qss`` (every rule scoped to ``#AdminWindow``); when the app's stylesheet lacks
that layer (a test without ``create_app``), the window sets it on itself.
"""

from __future__ import annotations

import logging

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PyQt5.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.admin.catalog_page import CatalogPage
from app.ui.admin.context import AdminContext
from app.ui.admin.customers_page import CustomersPage
from app.ui.admin.pin_page import PinPage
from app.ui.admin.sales_page import SalesPage
from app.ui.admin.system_page import SystemPage
from app.ui.theme import ThemeError, load_stylesheet, theme_variables

log = logging.getLogger(__name__)

PAGES = ("catalog", "customers", "sales", "system", "pin")


ADMIN_LAYER = "admin"


def admin_stylesheet() -> str:
    """The ``admin.qss`` layer filled from the sky palette and the fonts the app registered."""
    from app.ui.app import app_font_set

    return load_stylesheet((ADMIN_LAYER,), theme_variables(app_font_set()))


class AdminWindow(QDialog):
    """Pages: ``catalog_page``, ``customers_page``, ``sales_page``, ``system_page``, ``pin_page``."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("AdminWindow")
        self.setWindowTitle(self.tr("Admin"))
        self.setMinimumSize(1024, 640)
        app = QApplication.instance()
        if f"--- {ADMIN_LAYER}.qss ---" not in (app.styleSheet() if app is not None else ""):
            try:
                self.setStyleSheet(admin_stylesheet())
            except (ThemeError, OSError):
                log.exception("admin stylesheet unavailable; using the app theme alone")

        self.catalog_page = CatalogPage(ctx)
        self.customers_page = CustomersPage(ctx)
        self.sales_page = SalesPage(ctx)
        self.system_page = SystemPage(ctx)
        self.pin_page = PinPage(ctx)
        self.pages: dict[str, QWidget] = {
            "catalog": self.catalog_page, "customers": self.customers_page, "sales": self.sales_page,
            "system": self.system_page, "pin": self.pin_page}
        titles = {"catalog": self.tr("Catalog"), "customers": self.tr("Customers"),
                  "sales": self.tr("Sales"), "system": self.tr("System"), "pin": self.tr("Operator PIN")}
        icons = {"catalog": "▦", "customers": "☺", "sales": "₩", "system": "⚙", "pin": "✱"}

        self.stack = QStackedWidget(objectName="AdminStack")
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        nav = QFrame(objectName="AdminNav")
        nav_layout = QVBoxLayout(nav)
        nav_layout.setContentsMargins(14, 18, 14, 18)
        nav_layout.setSpacing(8)
        for name in PAGES:
            page_card = QFrame(objectName="PageCard")
            page_card.setProperty("card", True)
            card_layout = QVBoxLayout(page_card)
            card_layout.setContentsMargins(24, 20, 24, 20)
            card_layout.addWidget(self.pages[name])
            self.stack.addWidget(page_card)
            button = QPushButton(f"{icons[name]}   {titles[name]}", objectName="NavButton", checkable=True)
            button.setCursor(Qt.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, n=name: self.show_page(n))
            self.nav_group.addButton(button)
            self.nav_buttons[name] = button
            nav_layout.addWidget(button)
        nav_layout.addStretch(1)
        self.close_button = QPushButton(self.tr("Close admin"), objectName="CloseAdminButton")
        self.close_button.setCursor(Qt.PointingHandCursor)
        self.close_button.clicked.connect(self.accept)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 20, 16)
        body.setSpacing(18)
        body.addWidget(nav)
        body.addWidget(self.stack, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        column.addWidget(self._make_header())
        column.addLayout(body, 1)
        self.show_page("catalog")

    def _make_header(self) -> QFrame:
        header = QFrame(objectName="HeaderBar")
        mark = QLabel("S", objectName="BrandMark", alignment=Qt.AlignCenter)
        title = QLabel(self.tr("Admin"), objectName="AppTitle")
        subtitle = QLabel(self.tr("Store operator area: catalog, customers, sales and system"),
                          objectName="AppSubtitle")
        self.store_label = QLabel(self.ctx.store_name, objectName="StoreName")
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        layout = QHBoxLayout(header)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.setSpacing(14)
        layout.addWidget(mark)
        layout.addLayout(titles, 1)
        layout.addWidget(self.store_label)
        layout.addWidget(self.close_button)
        return header

    # --- navigation ---------------------------------------------------------------------------------
    @property
    def current_page(self) -> str:
        return next(n for n, b in self.nav_buttons.items() if b.isChecked())

    def show_page(self, name: str) -> None:
        """Show page ``name`` (one of ``PAGES``), re-reading its data from the store."""
        if name not in self.pages:
            raise ValueError(f"unknown admin page {name!r}; expected one of {', '.join(PAGES)}")
        self.nav_buttons[name].setChecked(True)
        page = self.pages[name]
        refresh = getattr(page, "refresh", None)
        if callable(refresh) and name != "system":  # the system page refreshes itself when shown
            refresh()
        self.stack.setCurrentIndex(PAGES.index(name))

    def present(self, fullscreen: bool | None = None) -> None:
        """Show without blocking: full screen when the kiosk runs full screen, else maximised."""
        fullscreen = self.ctx.settings.fullscreen if fullscreen is None else fullscreen
        if fullscreen:
            self.showFullScreen()
        else:
            self.showMaximized()
        if QGuiApplication.platformName() != "offscreen":  # (which warns that it cannot raise windows)
            self.raise_()
            self.activateWindow()

    # --- closing ------------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Every way of closing (button, Escape, the window manager) ends here: stop timers, dialogs."""
        self.system_page.stop()
        for page in (self.catalog_page, self.customers_page, self.sales_page):
            page.close_dialogs()
        log.info("admin area closed")
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.system_page.stop()
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a form must not close the whole admin area (QDialog's default button behaviour).
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
