"""Receipt files: the text of ``app.core.receipt.render_receipt`` and an 80 mm PDF of the same layout.

The text is laid out in display cells (a Hangul syllable takes two), so the PDF draws it on a cell grid:
every character is centred in its cells, and one a little too wide for them is squeezed to fit. The
kiosk's own fonts (Lotte Mart Dream, or the NanumGothic fallback; see ``app.ui.fonts``) therefore line
up like a monospaced receipt printer, and Hangul is drawn with a font that has it. Qt embeds the font
(a subset) in the PDF. The page is 80 mm wide and exactly as long as the receipt, like a roll.

:func:`receipt_to_image` paints the same layout on a ``QImage`` (a preview, or a raster printer).
Files are written atomically (a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QSizeF, Qt
from PyQt5.QtGui import QColor, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from app.core.receipt import LABELS, Receipt, char_width, render_receipt
from app.core.settings import Settings
from app.ui.fonts import FontSet, register_fonts

log = logging.getLogger(__name__)

PAPER_WIDTH_MM = 80.0
MARGIN_MM = 4.0
PDF_DPI = 300
#: 80 mm at 203 dpi, the common thermal receipt printer resolution.
PREVIEW_WIDTH_PX = 640
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_fallback_fonts: list[FontSet] = []


@dataclass(frozen=True)
class ReceiptFiles:
    """Where :func:`save_receipt` wrote the receipt."""

    text: Path
    pdf: Path


@dataclass(frozen=True)
class _Layout:
    """The receipt text placed on a grid of ``cells`` columns; lengths in device pixels."""

    rows: tuple[str, ...]
    bold_rows: frozenset[int]
    cells: int
    width: float
    margin: float
    cell: float
    pixel_size: int
    line_height: float
    ascent: float

    @property
    def height(self) -> float:
        return 2 * self.margin + len(self.rows) * self.line_height


def receipt_font_set() -> FontSet:
    """The fonts the app registered (``app.ui.app.create_app``), else registers the kiosk's fonts."""
    from app.ui.app import app_font_set  # app.ui.app is the composition of the UI; imported when used

    font_set = app_font_set()
    if font_set is not None:
        return font_set
    if not _fallback_fonts:
        _fallback_fonts.append(register_fonts(Settings().font_dirs, apply=False))
    return _fallback_fonts[0]


def _clusters(row: str) -> list[tuple[int, str, int]]:
    """(first cell, text, cells) per character; combining marks join the character before them."""
    out: list[tuple[int, str, int]] = []
    cell = 0
    for ch in row:
        width = char_width(ch)
        if width == 0 and out:
            start, text, cells = out[-1]
            out[-1] = (start, text + ch, cells)
            continue
        out.append((cell, ch, width))
        cell += width
    return out


def _layout(text: str, lang: str, font_set: FontSet, width: float) -> _Layout:
    rows = tuple(text.rstrip("\n").split("\n"))
    cells = max(max(sum(c for _, _, c in _clusters(row)) for row in rows), 1)
    margin = width * MARGIN_MM / PAPER_WIDTH_MM
    cell = (width - 2 * margin) / cells
    probe = QFontMetricsF(font_set.font("body", 100))
    hangul = max(probe.horizontalAdvance(ch) for ch in "가한원") / 100
    digit = max(probe.horizontalAdvance(ch) for ch in "0123456789,") / 100
    # Hangul fills most of its two cells; digits may come out a little wider than a cell and are
    # squeezed by a few per cent when drawn (see _paint), which keeps the text large and readable.
    pixel_size = max(4, int(min(1.9 * cell / hangul, 1.05 * cell / digit)))
    metrics = QFontMetricsF(font_set.font("body", pixel_size))
    total = LABELS[lang]["total"]
    bold = frozenset(i for i, row in enumerate(rows) if i == 0 or row.startswith(total))
    return _Layout(rows, bold, cells, width, margin, cell, pixel_size, metrics.lineSpacing() * 1.2,
                   metrics.ascent() + (metrics.lineSpacing() * 0.2) / 2)


def _paint(painter: QPainter, layout: _Layout, font_set: FontSet) -> None:
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    painter.setPen(QColor("#000000"))
    fonts = {False: font_set.font("body", layout.pixel_size), True: font_set.font("bold", layout.pixel_size)}
    widths: dict[tuple[bool, str], float] = {}
    for index, row in enumerate(layout.rows):
        bold = index in layout.bold_rows
        font = fonts[bold]
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        baseline = layout.margin + index * layout.line_height + layout.ascent
        for start, text, cells in _clusters(row):
            if not text.strip():
                continue
            key = (bold, text)
            if key not in widths:
                widths[key] = metrics.horizontalAdvance(text)
            advance, room = widths[key], cells * layout.cell
            left = layout.margin + start * layout.cell
            if advance <= room * 0.98:
                painter.drawText(QPointF(left + (room - advance) / 2, baseline), text)
                continue
            painter.save()  # a wide character (W, M, a long dash): squeeze it into its cells
            painter.translate(left + room * 0.01, baseline)
            painter.scale(room * 0.98 / advance, 1.0)
            painter.drawText(QPointF(0, 0), text)
            painter.restore()


def receipt_to_image(receipt: Receipt, lang: str = "ko", *, width_px: int = PREVIEW_WIDTH_PX,
                     font_set: FontSet | None = None) -> QImage:
    """The receipt as a white ``QImage`` ``width_px`` wide (80 mm paper), laid out as in the PDF."""
    font_set = font_set or receipt_font_set()
    layout = _layout(render_receipt(receipt, lang), lang, font_set, float(width_px))
    image = QImage(width_px, max(1, round(layout.height)), QImage.Format_RGB32)
    image.fill(Qt.white)
    painter = QPainter(image)
    try:
        _paint(painter, layout, font_set)
    finally:
        painter.end()
    return image


def receipt_pdf(receipt: Receipt, lang: str = "ko", *, font_set: FontSet | None = None) -> bytes:
    """The receipt as a one-page PDF, 80 mm wide and as long as the receipt."""
    font_set = font_set or receipt_font_set()
    width = PAPER_WIDTH_MM / 25.4 * PDF_DPI
    layout = _layout(render_receipt(receipt, lang), lang, font_set, width)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setTitle(receipt.receipt_no)
    writer.setCreator("selfcheckout")
    height_mm = layout.height / PDF_DPI * 25.4
    writer.setPageSize(QPageSize(QSizeF(PAPER_WIDTH_MM, height_mm), QPageSize.Millimeter, "Receipt 80 mm",
                                 QPageSize.ExactMatch))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"could not start the PDF of receipt {receipt.receipt_no}")
    try:
        _paint(painter, layout, font_set)
    finally:
        painter.end()
    buffer.close()
    return bytes(data)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def save_receipt(receipt: Receipt, directory: Path, lang: str = "ko", *,
                 font_set: FontSet | None = None) -> ReceiptFiles:
    """Write ``<receipt_no>.txt`` and ``<receipt_no>.pdf`` into ``directory`` (created if missing).

    Each file is replaced atomically, so a reader never sees half a receipt. A receipt number that is
    not a plain file name raises ``ValueError``; a disk problem raises ``OSError``.
    """
    if not _SAFE_NAME.fullmatch(receipt.receipt_no):
        raise ValueError(f"receipt number {receipt.receipt_no!r} cannot be used as a file name")
    text = render_receipt(receipt, lang)
    pdf = receipt_pdf(receipt, lang, font_set=font_set)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = ReceiptFiles(text=directory / f"{receipt.receipt_no}.txt",
                         pdf=directory / f"{receipt.receipt_no}.pdf")
    _write_atomic(files.text, text.encode("utf-8"))
    _write_atomic(files.pdf, pdf)
    log.info("receipt %s written to %s (.txt, .pdf)", receipt.receipt_no, directory)
    return files


__all__ = ["ReceiptFiles", "receipt_font_set", "receipt_pdf", "receipt_to_image", "save_receipt"]
