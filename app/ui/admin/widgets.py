"""Small building blocks shared by the admin pages: page header, notices, buttons, tables, number pad."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QAbstractItemModel, QModelIndex, QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.settings import Settings
from app.ui.i18n import current_language
from app.ui.theme import SKY, repolish

ROW_HEIGHT = 48


def ui_language(settings: Settings) -> str:
    """The language the app shows now (money and product names follow it)."""
    language = current_language() or settings.language
    return language if language in ("ko", "en") else "ko"


def action_button(text: str, role: str = "secondary", object_name: str = "") -> QPushButton:
    """A large touch button; ``role`` "primary", "secondary" or "danger" picks its colours (admin.qss)."""
    button = QPushButton(text)
    button.setProperty("role", role)
    button.setCursor(Qt.PointingHandCursor)
    button.setMinimumSize(150, 52)
    button.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)  # its text's width; a form may widen it
    if object_name:
        button.setObjectName(object_name)
    return button


def card() -> QFrame:
    frame = QFrame()
    frame.setProperty("card", True)
    return frame


def make_table(model: QAbstractItemModel, object_name: str = "AdminTable") -> QTableView:
    """A read-only table that selects whole rows, one at a time, with touch-sized rows."""
    table = QTableView(objectName=object_name)
    table.setModel(model)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.ElideRight)
    table.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class PageHeader(QWidget):
    """The title of a page, a muted hint under it, and room for buttons on the right."""

    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title, objectName="PageTitle")
        self.hint = QLabel(hint, objectName="PageHint", wordWrap=True)
        self.hint.setVisible(bool(hint))
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title)
        texts.addWidget(self.hint)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(12)
        self.row.addLayout(texts, 1)

    def add_widget(self, widget: QWidget) -> None:
        self.row.addWidget(widget, 0, Qt.AlignVCenter)


class Notice(QLabel):
    """A one-line result message under a form or table: green for done, red for a problem."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="Notice", wordWrap=True)
        self.setProperty("state", "none")
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # buttons beside it keep their place when it comes and goes
        self.setSizePolicy(policy)
        self.hide()

    def show_ok(self, text: str) -> None:
        self._show(text, "ok")

    def show_error(self, text: str) -> None:
        self._show(text, "error")

    def clear_notice(self) -> None:
        self.clear()
        self.hide()

    @property
    def state(self) -> str:
        return str(self.property("state"))

    def _show(self, text: str, state: str) -> None:
        self.setText(text)
        if self.property("state") != state:
            self.setProperty("state", state)
            repolish(self)
        self.show()


class TwoLineDelegate(QStyledItemDelegate):
    """Draws a cell's ``"first\nsecond"`` text as a main line and a smaller, muted second line.

    The base class paints the cell (background, selection) with the text left out; the two lines are
    then drawn with fonts derived from the cell's own.
    """

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.text = ""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        first, _, second = str(index.data(Qt.DisplayRole) or "").partition("\n")
        main_font = QFont(index.data(Qt.FontRole) or option.font)
        small_font = QFont(main_font)
        size = main_font.pixelSize() if main_font.pixelSize() > 0 else QFontMetrics(main_font).height()
        small_font.setPixelSize(max(11, round(size * 0.82)))
        main_metrics, small_metrics = QFontMetrics(main_font), QFontMetrics(small_font)
        rect = option.rect.adjusted(10, 4, -10, -4)
        top = rect.top() + (rect.height() - main_metrics.height() - small_metrics.height()) / 2
        foreground = index.data(Qt.ForegroundRole)
        colour = QColor(foreground) if foreground is not None else option.palette.color(QPalette.Text)
        painter.save()
        painter.setPen(colour)
        painter.setFont(main_font)
        painter.drawText(QRectF(rect.left(), top, rect.width(), main_metrics.height()), int(Qt.AlignLeft),
                         main_metrics.elidedText(first, Qt.ElideRight, rect.width()))
        painter.setPen(QColor(SKY["text_muted"]))
        painter.setFont(small_font)
        second_top = top + main_metrics.height()
        painter.drawText(QRectF(rect.left(), second_top, rect.width(), small_metrics.height()),
                         int(Qt.AlignLeft), small_metrics.elidedText(second, Qt.ElideRight, rect.width()))
        painter.restore()


class StatTile(QFrame):
    """A caption and a big value (e.g. "Sales" / "12")."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="StatTile")
        self.caption = QLabel(caption, objectName="StatCaption")
        self.value = QLabel("—", objectName="StatValue")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 10, 18, 10)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def set_value(self, text: str) -> None:
        self.value.setText(text)


class NumberPad(QWidget):
    """Digits, backspace and clear for touch screens without a keyboard.

    Types into whichever of ``edits`` has the focus (the first one when none has); the keys never take
    the focus themselves.
    """

    def __init__(self, edits: Sequence[QLineEdit], parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="NumberPad")
        self.edits = list(edits)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        self.keys: dict[str, QPushButton] = {}
        for position, key in enumerate(keys):
            text = {"clear": self.tr("Clear"), "back": "⌫"}.get(key, key)
            button = QPushButton(text, objectName="PadKey")
            button.setFocusPolicy(Qt.NoFocus)
            button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
            button.setMinimumSize(72, 56)
            button.clicked.connect(lambda _checked=False, k=key: self.press(k))
            grid.addWidget(button, position // 3, position % 3)
            self.keys[key] = button

    def target(self) -> QLineEdit | None:
        focused = self.window().focusWidget()  # the window's focus child, even while it is inactive
        for edit in self.edits:
            if edit is focused:
                return edit
        return next((e for e in self.edits if e.isEnabled()), None)

    def press(self, key: str) -> None:
        edit = self.target()
        if edit is None:
            return
        if key == "back":
            edit.backspace()
        elif key == "clear":
            edit.clear()
        else:
            edit.insert(key)
