"""A camera view: the latest frame scaled with its aspect ratio kept, detection boxes drawn on top.

Frames arrive as BGR ``numpy`` arrays (OpenCV order) and are converted to an owned ``QImage``
(respecting ``bytesPerLine``) at once, so the camera thread may reuse its buffer. The widget only paints
the most recent frame; it never queues frames.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, pyqtProperty
from PyQt5.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)


class Box(NamedTuple):
    """A detection in frame pixel coordinates."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    score: float
    uncertain: bool = False


def bgr_to_qimage(frame: np.ndarray) -> QImage:
    """An owned ``QImage`` of a BGR (H×W×3), BGRA (H×W×4) or grey (H×W) ``uint8`` frame.

    Non-contiguous arrays (slices, views) are made contiguous first; the row stride is passed as
    ``bytesPerLine`` so odd widths are not skewed, and the result is copied so it does not share memory.
    """
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise TypeError("frame must be a uint8 numpy array")
    if frame.ndim == 2:
        fmt = QImage.Format_Grayscale8
    elif frame.ndim == 3 and frame.shape[2] == 3:
        fmt = QImage.Format_BGR888
    elif frame.ndim == 3 and frame.shape[2] == 4:
        fmt = QImage.Format_ARGB32  # BGRA bytes on little-endian machines
    else:
        raise ValueError(f"unsupported frame shape {frame.shape}")
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    image = QImage(frame.data, width, height, frame.strides[0], fmt)
    return image.copy()


def fit_rect(source: QSize, bounds: QRectF) -> QRectF:
    """The largest rect with ``source``'s aspect ratio centred in ``bounds``."""
    if source.isEmpty() or bounds.isEmpty():
        return QRectF()
    scale = min(bounds.width() / source.width(), bounds.height() / source.height())
    w, h = source.width() * scale, source.height() * scale
    return QRectF(bounds.center().x() - w / 2, bounds.center().y() - h / 2, w, h)


def _color_property(key: str) -> pyqtProperty:
    return pyqtProperty(QColor, lambda self: self._colors[key], lambda self, c: self._set_color(key, c))


class VideoView(QWidget):
    """Paints the latest camera frame, the detection boxes, or a status message when there is no frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._boxes: list[Box] = []
        self._status: str | None = None
        self._size_hint = QSize(640, 360)
        self._colors = {"background": QColor("#17324F"), "box": QColor("#38B6FF"),
                        "uncertain": QColor("#FFB020"), "text": QColor("#CFE6FA")}
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WA_OpaquePaintEvent, False)

    # --- state ----------------------------------------------------------------------------------------
    def set_frame(self, frame: np.ndarray | QImage | None) -> None:
        """Show ``frame`` (BGR array or ``QImage``, copied); ``None`` clears it and shows the status."""
        if frame is None:
            self._image = None
        elif isinstance(frame, QImage):
            self._image = frame.copy()
        else:
            self._image = bgr_to_qimage(frame)
        self.update()

    def set_overlay(self, boxes: Sequence[Box | tuple]) -> None:
        """Boxes ``(x1, y1, x2, y2, label, score, uncertain)`` in frame pixels, drawn over the frame."""
        self._boxes = [Box(*b) for b in boxes]
        self.update()

    def overlay(self) -> list[Box]:
        """The boxes currently drawn over the frame."""
        return list(self._boxes)

    def set_status(self, text: str | None) -> None:
        """The message shown when there is no frame; ``None`` restores the default."""
        self._status = text
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def status_text(self) -> str:
        return self._status if self._status is not None else self.tr("Camera not connected")

    def image_rect(self) -> QRectF:
        """Where the frame is painted, in widget coordinates."""
        return fit_rect(self._image.size(), QRectF(self.rect())) if self._image is not None else QRectF()

    # --- theme colours, set from qss (``qproperty-boxColor: #...``) -------------------------------------
    def _set_color(self, key: str, color: QColor) -> None:
        self._colors[key] = QColor(color)
        self.update()

    backgroundColor = _color_property("background")  # noqa: N815 - Qt property names are camelCase
    boxColor = _color_property("box")  # noqa: N815
    uncertainColor = _color_property("uncertain")  # noqa: N815
    textColor = _color_property("text")  # noqa: N815

    def set_size_hint(self, size: QSize) -> None:
        """The preferred size the layout starts from (the view still grows into free space)."""
        self._size_hint = QSize(size)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self._size_hint

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    # --- painting -------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform
                               | QPainter.TextAntialiasing)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(self.rect()), 14, 14)
        painter.setClipPath(clip)
        painter.fillRect(self.rect(), self._colors["background"])
        if self._image is None:
            self._paint_status(painter)
        else:
            target = self.image_rect()
            painter.drawImage(target, self._image)
            self._paint_boxes(painter, target)
        painter.end()

    def _paint_status(self, painter: QPainter) -> None:
        rect = QRectF(self.rect())
        size = max(24.0, min(rect.width(), rect.height()) * 0.16)
        icon = QRectF(0, 0, size * 1.4, size)
        icon.moveCenter(QPointF(rect.center().x(), rect.center().y() - size * 0.55))
        pen = QPen(self._colors["text"], max(2.0, size / 14))
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(icon, size * 0.18, size * 0.18)
        painter.drawEllipse(icon.center(), size * 0.26, size * 0.26)
        font = self.font()
        font.setPixelSize(int(max(14, min(26, rect.height() / 14))))
        painter.setFont(font)
        text_rect = QRectF(rect.left() + 12, icon.bottom() + size * 0.3, rect.width() - 24, size * 1.6)
        painter.drawText(text_rect, Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, self.status_text())

    def _paint_boxes(self, painter: QPainter, target: QRectF) -> None:
        if not self._boxes or self._image is None:
            return
        sx = target.width() / self._image.width()
        sy = target.height() / self._image.height()
        font = self.font()
        font.setPixelSize(int(max(12, min(20, target.height() / 30))))
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        for box in self._boxes:
            color = self._colors["uncertain" if box.uncertain else "box"]
            rect = QRectF(target.left() + box.x1 * sx, target.top() + box.y1 * sy,
                          (box.x2 - box.x1) * sx, (box.y2 - box.y1) * sy)
            pen = QPen(color, 3, Qt.DashLine if box.uncertain else Qt.SolidLine)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(rect, 4, 4)
            text = f"{box.label} {box.score:.0%}" + (" ?" if box.uncertain else "")
            chip = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
            chip.moveBottomLeft(QPointF(rect.left() - 1.5, rect.top() - 1.5))
            if chip.top() < target.top():
                chip.moveTopLeft(QPointF(rect.left() + 1.5, rect.top() + 1.5))
            chip.moveLeft(max(target.left(), min(chip.left(), target.right() - chip.width())))
            painter.setPen(Qt.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(chip, 4, 4)
            painter.setPen(QColor("#FFFFFF") if not box.uncertain else QColor("#14304D"))
            painter.drawText(chip, Qt.AlignCenter, text)
