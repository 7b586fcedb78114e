"""Painted widgets of the registration wizard: the pose arrow, the progress ring, a busy spinner and the
camera view with the face guide. Colours come from the sky palette of ``app.ui.theme``."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PyQt5.QtGui import QColor, QFont, QHideEvent, QPainter, QPainterPath, QPaintEvent, QPen, QShowEvent
from PyQt5.QtWidgets import QSizePolicy, QWidget

from app.ui.theme import SKY
from app.ui.video_view import VideoView

POSES: tuple[str, ...] = ("front", "right", "down", "left")


def _color(name: str, alpha: int = 255) -> QColor:
    color = QColor(SKY[name])
    color.setAlpha(alpha)
    return color


class PoseArrow(QWidget):
    """Where to turn, from the customer's point of view (they face the screen: their right is the
    screen's right): a target for ``front``, an arrow for ``right``/``down``/``left``, a check mark once
    the pose is captured (``set_pose(pose, captured=True)``), nothing for ``None``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pose: str | None = None
        self._captured = False
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    def set_pose(self, pose: str | None, *, captured: bool = False) -> None:
        if pose is not None and pose not in POSES:
            raise ValueError(f"unknown pose {pose!r}")
        self._pose, self._captured = pose, captured
        self.update()

    def pose(self) -> str | None:
        return self._pose

    def captured(self) -> bool:
        return self._captured

    def sizeHint(self) -> QSize:
        return QSize(140, 140)

    def minimumSizeHint(self) -> QSize:
        return QSize(72, 72)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pose is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        side = min(self.width(), self.height()) - 4.0
        disc = QRectF(0, 0, side, side)
        disc.moveCenter(QRectF(self.rect()).center())
        painter.setPen(Qt.NoPen)
        painter.setBrush(_color("success", 40) if self._captured else _color("primary_soft"))
        painter.drawEllipse(disc)
        c, r = disc.center(), side / 2
        if self._captured:
            self._paint_check(painter, c, r)
        elif self._pose == "front":
            self._paint_target(painter, c, r)
        else:
            self._paint_arrow(painter, c, r, {"right": 0.0, "down": 90.0, "left": 180.0}[self._pose])
        painter.end()

    def _paint_target(self, painter: QPainter, c: QPointF, r: float) -> None:
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(_color("primary"), max(3.0, r * 0.09)))
        painter.drawEllipse(c, r * 0.62, r * 0.62)
        painter.setPen(Qt.NoPen)
        painter.setBrush(_color("primary"))
        painter.drawEllipse(c, r * 0.26, r * 0.26)

    def _paint_arrow(self, painter: QPainter, c: QPointF, r: float, degrees: float) -> None:
        painter.save()
        painter.translate(c)
        painter.rotate(degrees)  # drawn pointing right, then turned (y grows downwards: 90 = down)
        shaft, head_w, head_l = r * 0.26, r * 0.5, r * 0.5
        path = QPainterPath()
        path.moveTo(-r * 0.62, -shaft / 2)
        path.lineTo(r * 0.62 - head_l, -shaft / 2)
        path.lineTo(r * 0.62 - head_l, -head_w)
        path.lineTo(r * 0.66, 0)
        path.lineTo(r * 0.62 - head_l, head_w)
        path.lineTo(r * 0.62 - head_l, shaft / 2)
        path.lineTo(-r * 0.62, shaft / 2)
        path.closeSubpath()
        painter.setPen(QPen(_color("primary"), r * 0.06, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(_color("primary"))
        painter.drawPath(path)
        painter.restore()

    def _paint_check(self, painter: QPainter, c: QPointF, r: float) -> None:
        path = QPainterPath(QPointF(c.x() - r * 0.42, c.y() + r * 0.02))
        path.lineTo(c.x() - r * 0.12, c.y() + r * 0.32)
        path.lineTo(c.x() + r * 0.45, c.y() - r * 0.3)
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(_color("success"), r * 0.16, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawPath(path)


class PoseRing(QWidget):
    """Progress over the four poses: one arc per pose (front at the top, then clockwise), done ones
    filled, the current one outlined, and ``done/4`` in the middle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._done: frozenset[str] = frozenset()
        self._current: str | None = None

    def set_progress(self, done: Sequence[str], current: str | None) -> None:
        unknown = (set(done) | ({current} if current else set())) - set(POSES)
        if unknown:
            raise ValueError(f"unknown poses {sorted(unknown)}")
        self._done, self._current = frozenset(done), current
        self.update()

    def done(self) -> frozenset[str]:
        return self._done

    def current(self) -> str | None:
        return self._current

    def sizeHint(self) -> QSize:
        return QSize(140, 140)

    def minimumSizeHint(self) -> QSize:
        return QSize(72, 72)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        side = min(self.width(), self.height()) - 4.0
        width = max(8.0, side * 0.13)
        rect = QRectF(0, 0, side - width, side - width)
        rect.moveCenter(QRectF(self.rect()).center())
        gap = 10.0
        span = 90.0 - gap
        for i, pose in enumerate(POSES):
            start = 90.0 + 45.0 - gap / 2 - i * 90.0  # Qt angles: counter-clockwise from 3 o'clock
            if pose in self._done:
                color = _color("primary")
            elif pose == self._current:
                color = _color("accent")
            else:
                color = _color("border")
            painter.setPen(QPen(color, width, Qt.SolidLine, Qt.RoundCap))
            painter.drawArc(rect, int(start * 16), int(-span * 16))
        font = QFont(self.font())
        font.setPixelSize(int(max(14, side * 0.24)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(_color("text"))
        painter.drawText(rect, Qt.AlignCenter, f"{len(self._done)}/{len(POSES)}")
        painter.end()


class Spinner(QWidget):
    """A turning arc: the busy indicator. It only animates while it is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._angle = 0
        self._timer = QTimer(self, interval=40, timeout=self._step)

    def _step(self) -> None:
        self._angle = (self._angle + 12) % 360
        self.update()

    def running(self) -> bool:
        return self._timer.isActive()

    def sizeHint(self) -> QSize:
        return QSize(88, 88)

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        side = min(self.width(), self.height())
        width = max(4.0, side * 0.1)
        rect = QRectF(0, 0, side - width, side - width)
        rect.moveCenter(QRectF(self.rect()).center())
        painter.setPen(QPen(_color("primary_soft"), width))
        painter.drawEllipse(rect)
        painter.setPen(QPen(_color("primary"), width, Qt.SolidLine, Qt.RoundCap))
        painter.drawArc(rect, -self._angle * 16, 100 * 16)
        painter.end()


class FaceGuideView(VideoView):
    """The live face camera: the face box is drawn as a plain rounded frame (blue when the frame fits
    the asked pose, amber when not), and without a face an oval shows where to put it."""

    def _paint_boxes(self, painter: QPainter, target: QRectF) -> None:
        if self.image() is None:
            return
        boxes = self.overlay()
        if not boxes:
            oval = QRectF(0, 0, target.height() * 0.46, target.height() * 0.62)
            oval.moveCenter(target.center())
            painter.setBrush(Qt.NoBrush)
            painter.setPen(QPen(QColor(255, 255, 255, 170), 3, Qt.DashLine))
            painter.drawEllipse(oval)
            return
        image = self.image()
        sx, sy = target.width() / image.width(), target.height() / image.height()
        for box in boxes:
            rect = QRectF(target.left() + box.x1 * sx, target.top() + box.y1 * sy,
                          (box.x2 - box.x1) * sx, (box.y2 - box.y1) * sy)
            color = _color("accent") if box.uncertain else _color("primary")
            painter.setBrush(Qt.NoBrush)
            painter.setPen(QPen(color, 4))
            radius = min(rect.width(), rect.height()) * 0.18
            painter.drawRoundedRect(rect, radius, radius)


def mirror_box(box: tuple[float, float, float, float], width: float) -> tuple[float, float, float, float]:
    """``box`` (x1, y1, x2, y2) in an image flipped left-right of ``width`` pixels."""
    x1, y1, x2, y2 = box
    return (width - x2, y1, width - x1, y2)

