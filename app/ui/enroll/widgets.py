"""Building blocks of the enrollment dialog: buttons and labels, the step header, a touch stepper, the
strip of kept cutouts and a notice line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPainter, QPixmap
from PyQt5.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ui.theme import SKY, repolish
from app.ui.video_view import bgr_to_qimage

THUMB = 96


def make_button(object_name: str, text: str = "") -> QPushButton:
    button = QPushButton(text, objectName=object_name)
    button.setCursor(Qt.PointingHandCursor)
    button.setFocusPolicy(Qt.NoFocus)  # touch screen: no focus frames, Enter stays with the fields
    button.setAutoDefault(False)
    return button


def make_label(object_name: str, text: str = "", *, wrap: bool = True, align: Qt.Alignment | None = None
               ) -> QLabel:
    label = QLabel(text, objectName=object_name, wordWrap=wrap)
    if align is not None:
        label.setAlignment(align)
    return label


def set_state(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the stylesheet reads and re-polish when it changed."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        repolish(widget)


def card(margins: int = 24, spacing: int = 14) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(objectName="EnCard")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins - 4, margins, margins - 4)
    layout.setSpacing(spacing)
    return frame, layout


def bullets(texts: Sequence[str]) -> QGridLayout:
    """Numbered lines: a blue disc with the number, the text beside it."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(12)
    for i, text in enumerate(texts):
        number = make_label("EnBullet", str(i + 1), wrap=False, align=Qt.AlignCenter)
        grid.addWidget(number, i, 0, Qt.AlignTop)
        grid.addWidget(make_label("EnBulletText", text), i, 1)
    grid.setColumnStretch(1, 1)
    return grid


def page_layout(page: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(page)
    layout.setContentsMargins(36, 22, 36, 22)
    layout.setSpacing(14)
    return layout


def button_row(*widgets: QWidget | None) -> QHBoxLayout:
    """Buttons left to right; ``None`` is the stretch between the left and the right group."""
    row = QHBoxLayout()
    row.setSpacing(12)
    for widget in widgets:
        if widget is None:
            row.addStretch(1)
        else:
            row.addWidget(widget)
    return row


class EnrollNotice(QLabel):
    """A one-line message: ok (green), error (red) or info (blue); hidden when cleared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="EnNotice", wordWrap=True)
        self.setProperty("state", "none")
        self.hide()

    def show_text(self, text: str, state: str = "info") -> None:
        self.setText(text)
        set_state(self, "state", state)
        self.show()

    def clear_notice(self) -> None:
        self.clear()
        self.hide()

    @property
    def state(self) -> str:
        return str(self.property("state")) if self.isVisibleTo(self.parentWidget()) else "none"


class EnrollHeader(QFrame):
    """The dialog's title, its five steps and the close button."""

    close_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="EnHeader")
        mark = make_label("EnMark", "+", wrap=False, align=Qt.AlignCenter)
        self.title = make_label("EnHeaderTitle", self.tr("New product"), wrap=False)
        names = [self.tr("Product"), self.tr("Empty counter"), self.tr("Photos"), self.tr("Training"),
                 self.tr("Result")]
        self.steps = [make_label("EnStep", f"{i + 1}  {name}", wrap=False, align=Qt.AlignCenter)
                      for i, name in enumerate(names)]
        self.close_button = make_button("EnClose", self.tr("Close"))
        self.close_button.clicked.connect(self.close_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 12, 20, 12)
        layout.setSpacing(8)
        layout.addWidget(mark)
        layout.addSpacing(6)
        layout.addWidget(self.title)
        layout.addStretch(1)
        for step in self.steps:
            layout.addWidget(step)
        layout.addSpacing(14)
        layout.addWidget(self.close_button)
        self._index = 0
        self.set_stage(0)

    def set_stage(self, index: int) -> None:
        self._index = index
        for i, step in enumerate(self.steps):
            set_state(step, "state", "done" if i < index else "current" if i == index else "pending")

    def stage(self) -> int:
        return self._index


class Stepper(QWidget):
    """A number with big − and + buttons (a spin box for fingers)."""

    value_changed = pyqtSignal(int)

    def __init__(self, value: int, minimum: int, maximum: int, step: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min, self._max, self._step = minimum, maximum, step
        self.minus = make_button("EnStepButton", "−")
        self.plus = make_button("EnStepButton", "+")
        for button in (self.minus, self.plus):
            button.setFixedSize(72, 60)
        self.label = make_label("EnStepValue", wrap=False, align=Qt.AlignCenter)
        self.minus.clicked.connect(lambda: self.set_value(self._value - self._step))
        self.plus.clicked.connect(lambda: self.set_value(self._value + self._step))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.minus)
        layout.addWidget(self.label)
        layout.addWidget(self.plus)
        self._value = -1
        self.set_value(value)

    def value(self) -> int:
        return self._value

    def set_value(self, value: int) -> None:
        value = max(self._min, min(self._max, int(value)))
        changed = value != self._value
        self._value = value
        self.label.setText(f"{value:,}")
        self.minus.setEnabled(value > self._min)
        self.plus.setEnabled(value < self._max)
        if changed:
            self.value_changed.emit(value)


def cutout_pixmap(image: np.ndarray, side: int = THUMB) -> QPixmap:
    """A BGRA cutout scaled into a ``side`` x ``side`` square on the light surface colour."""
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor(SKY["surface_alt"]))
    qimage = bgr_to_qimage(np.ascontiguousarray(image))
    scaled = qimage.scaled(side - 8, side - 8, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    painter = QPainter(pixmap)
    painter.drawImage((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    painter.end()
    return pixmap


class ThumbGrid(QScrollArea):
    """The kept cutouts in rows of ``columns``, each with its number and a remove button
    (``remove_requested(index)``); scrolls when there are more than fit."""

    remove_requested = pyqtSignal(int)

    def __init__(self, columns: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)
        self.empty = make_label("EnEmptyStrip", wrap=True, align=Qt.AlignLeft | Qt.AlignTop)
        outer.addWidget(self.empty)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.setWidget(inner)
        self.tiles: list[QFrame] = []
        self.remove_buttons: list[QPushButton] = []

    def set_empty_text(self, text: str) -> None:
        self.empty.setText(text)

    def set_images(self, images: Sequence[np.ndarray], remove_text: str) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles, self.remove_buttons = [], []
        for i, image in enumerate(images):
            tile = QFrame(objectName="EnThumb")
            column = QVBoxLayout(tile)
            column.setContentsMargins(6, 6, 6, 6)
            column.setSpacing(4)
            picture = QLabel(objectName="EnThumbImage", alignment=Qt.AlignCenter)
            picture.setPixmap(cutout_pixmap(image))
            picture.setFixedSize(QSize(THUMB, THUMB))
            column.addWidget(picture, 0, Qt.AlignHCenter)
            remove = make_button("EnThumbRemove", f"{i + 1}  ✕ {remove_text}")
            remove.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            remove.clicked.connect(lambda _checked=False, index=i: self.remove_requested.emit(index))
            column.addWidget(remove)
            self.grid.addWidget(tile, i // self.columns, i % self.columns)
            self.tiles.append(tile)
            self.remove_buttons.append(remove)
        self.empty.setVisible(not images)
        if images:
            self.ensureWidgetVisible(self.tiles[-1])
