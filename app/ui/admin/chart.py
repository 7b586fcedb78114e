"""A bar chart of won per hour of one day, painted with QPainter (no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from app.core.money import format_won
from app.ui.theme import SKY

HOURS = 24


class HourlyChart(QWidget):
    """24 bars (0-23 h); the busiest hour is marked with its amount. ``set_totals`` takes won per hour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HourlyChart")
        self.totals: tuple[int, ...] = (0,) * HOURS
        self.language = "ko"
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:
        return QSize(600, 180)

    def set_totals(self, totals: Sequence[int], language: str = "ko") -> None:
        if len(totals) != HOURS:
            raise ValueError(f"expected {HOURS} hourly totals, got {len(totals)}")
        self.totals = tuple(int(t) for t in totals)
        self.language = language
        self.update()

    def bar_rects(self) -> list[QRectF]:
        """Where each hour's bar is drawn (also used by tests)."""
        plot = self._plot_area()
        step = plot.width() / HOURS
        peak = max(self.totals) or 1
        rects = []
        for hour, total in enumerate(self.totals):
            height = plot.height() * total / peak
            rects.append(QRectF(plot.left() + hour * step + step * 0.18, plot.bottom() - height,
                                step * 0.64, height))
        return rects

    def _plot_area(self) -> QRectF:
        label_height = self.fontMetrics().height()
        return QRectF(8, label_height + 10, max(1, self.width() - 16),
                      max(1, self.height() - 2 * label_height - 20))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        plot = self._plot_area()
        painter.setPen(QPen(QColor(SKY["border"]), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        peak = max(self.totals)
        rects = self.bar_rects()
        painter.setPen(Qt.NoPen)
        for rect, total in zip(rects, self.totals, strict=True):
            if total <= 0:
                continue
            colour = SKY["primary_pressed"] if total == peak else SKY["primary"]
            painter.setBrush(QColor(colour))
            height = max(rect.height(), 2.0)
            painter.drawRoundedRect(QRectF(rect.left(), rect.bottom() - height, rect.width(), height), 3, 3)
        font = QFont(self.font())
        font.setPixelSize(max(11, self.fontMetrics().height() - 6))
        painter.setFont(font)
        painter.setPen(QColor(SKY["text_muted"]))
        step = plot.width() / HOURS
        for hour in range(0, HOURS, 3):
            label = QRectF(plot.left() + hour * step - step, plot.bottom() + 4, step * 3, plot.height())
            painter.drawText(label, int(Qt.AlignHCenter | Qt.AlignTop), f"{hour:02d}")
        if peak > 0:
            top = rects[self.totals.index(peak)]
            painter.setPen(QColor(SKY["text"]))
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            text = format_won(peak, self.language)
            width = painter.fontMetrics().horizontalAdvance(text) + 8
            left = min(max(plot.left(), top.center().x() - width / 2), plot.right() - width)
            painter.drawText(QRectF(left, top.top() - painter.fontMetrics().height() - 4, width,
                                    painter.fontMetrics().height()), int(Qt.AlignCenter), text)
        else:
            painter.drawText(plot, int(Qt.AlignCenter), self.tr("No sales on this day"))
        painter.end()
