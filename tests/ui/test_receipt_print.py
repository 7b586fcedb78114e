"""Receipt files: the text, an 80 mm PDF with the Korean font embedded, the raster preview, atomic writes."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PyQt5.QtGui import QColor, QImage

from app.core.receipt import Receipt, ReceiptLine, render_receipt
from app.core.settings import Settings
from app.ui import receipt_print
from app.ui.app import create_app
from app.ui.fonts import supports_hangul
from app.ui.receipt_print import (
    PAPER_WIDTH_MM,
    ReceiptFiles,
    receipt_font_set,
    receipt_pdf,
    receipt_to_image,
    save_receipt,
)

# The Lotte Mart Dream files when they are next to the project, else the NanumGothic fallback is used.
SHARED_FONTS = Path(__file__).resolve().parents[3] / "shared" / "fonts"
LINES = (ReceiptLine("농심 신라면 멀티팩 5입", 1, 4980, 4980),
         ReceiptLine("코카콜라 500ml", 2, 2100, 4200),
         ReceiptLine("빙그레 바나나맛우유 240ml", 3, 1700, 5100))
RECEIPT = Receipt("셀프 계산대", "R20261123-000042", datetime(2026, 11, 23, 14, 5, 9), LINES,
                  14280, "face", "김민준")


@pytest.fixture(autouse=True)
def app(qapp):
    create_app([], Settings(language="ko", font_dirs=(str(SHARED_FONTS),)))
    return qapp


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of a PDF, inflated when it is Flate-compressed."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        try:
            out.append(zlib.decompress(body))
        except zlib.error:
            out.append(body)
    return out


def ink_columns(image: QImage, top: int, bottom: int) -> list[int]:
    """x of every column with a dark pixel between rows ``top`` and ``bottom``."""
    return [x for x in range(image.width())
            if any(QColor(image.pixel(x, y)).lightness() < 128 for y in range(top, bottom, 2))]


def test_save_receipt_writes_text_and_pdf(tmp_path: Path):
    folder = tmp_path / "receipts" / "2026-11"
    files = save_receipt(RECEIPT, folder)
    assert files == ReceiptFiles(folder / "R20261123-000042.txt", folder / "R20261123-000042.pdf")
    assert files.text.read_text("utf-8") == render_receipt(RECEIPT, "ko")
    assert "김민준" in files.text.read_text("utf-8")
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in folder.iterdir()) == ["R20261123-000042.pdf", "R20261123-000042.txt"]

    english = save_receipt(RECEIPT, folder, "en")  # same number: replaced in place
    assert "Total" in english.text.read_text("utf-8")
    assert sorted(p.name for p in folder.iterdir()) == ["R20261123-000042.pdf", "R20261123-000042.txt"]


def test_pdf_is_an_80mm_page_with_the_korean_font_embedded():
    data = receipt_pdf(RECEIPT, "ko")
    assert len(data) > 10_000  # a subset of the font is in there, not just a page of boxes
    boxes = [[float(v) for v in m.groups()] for m in
             re.finditer(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\s*\]", data)]
    assert len(boxes) == 1
    width_mm, height_mm = boxes[0][2] / 72 * 25.4, boxes[0][3] / 72 * 25.4
    assert width_mm == pytest.approx(PAPER_WIDTH_MM, abs=0.2)
    assert 60 < height_mm < 300  # a roll cut to the receipt's length
    family = receipt_font_set().body
    assert supports_hangul(family)
    assert b"/FontFile2" in data, "the TrueType font is embedded"
    base_fonts = re.findall(rb"/BaseFont\s*/([^\s/>]+)", data)
    assert base_fonts, "the page names its font"
    # The ToUnicode map of the embedded subset maps glyphs back to the Hangul of the receipt.
    cmaps = b"".join(s for s in pdf_streams(data) if b"begincmap" in s).lower()
    for syllable in "합계감사":
        assert f"{ord(syllable):04x}".encode() in cmaps, f"{syllable} is not in the embedded font"


def test_preview_image_draws_hangul_on_a_column_grid():
    image = receipt_to_image(RECEIPT, "ko", width_px=640)
    assert image.width() == 640
    rows = render_receipt(RECEIPT, "ko").rstrip("\n").split("\n")
    margin = 640 * 4 / 80
    line = (image.height() - 2 * margin) / len(rows)
    assert 14 < line < 40

    def band(index: int) -> tuple[int, int]:
        return int(margin + index * line), int(margin + (index + 1) * line)

    # The amounts of the item rows are right-aligned in one column, whatever the names' lengths.
    item_rows = [i for i, row in enumerate(rows) if row.rstrip().endswith(("4,980", "4,200", "5,100"))]
    assert len(item_rows) == 3
    right_edges = {max(ink_columns(image, *band(i))) for i in item_rows}
    assert max(right_edges) - min(right_edges) <= 3
    # Real glyphs, not boxes: two names that differ in one syllable render differently.
    other = Receipt(RECEIPT.store_name, RECEIPT.receipt_no, RECEIPT.issued_at,
                    (ReceiptLine("농심 신라면 멀티팩 5입".replace("신", "진"), 1, 4980, 4980), *LINES[1:]),
                    RECEIPT.total_won, RECEIPT.payment_method, RECEIPT.customer_name)
    changed = receipt_to_image(other, "ko", width_px=640)
    name_row = item_rows[0]
    top, bottom = band(name_row)
    differing = [y for y in range(top, bottom) for x in range(0, 320, 2)
                 if image.pixel(x, y) != changed.pixel(x, y)]
    assert differing, "신 and 진 look the same: Hangul is drawn as boxes"
    untouched = band(0)
    assert all(image.pixel(x, y) == changed.pixel(x, y) for y in range(*untouched) for x in range(0, 640, 4))


def test_english_receipt_and_wide_letters():
    wide = Receipt("WWW MMM Market", "R1", datetime(2026, 1, 2, 3, 4, 5),
                   (ReceiptLine("WMWMWMWMWM", 1, 1000, 1000),), 1000, "card")
    image = receipt_to_image(wide, "en", width_px=576)
    assert image.width() == 576 and image.height() > 200
    assert max(ink_columns(image, 0, image.height())) < 576 - 576 * 4 / 80 + 2  # stays inside the margin


def test_bad_receipt_numbers_are_refused(tmp_path: Path):
    for number in ("../evil", "", ".hidden", "a/b"):
        bad = Receipt("s", number, datetime(2026, 1, 1), LINES, 14280, "face")
        with pytest.raises(ValueError, match="file name"):
            save_receipt(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    first = save_receipt(RECEIPT, tmp_path)
    before = first.pdf.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(receipt_print.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        save_receipt(Receipt(*[getattr(RECEIPT, f) for f in ("store_name", "receipt_no", "issued_at",
                                                             "lines", "total_won")], "cash"), tmp_path)
    assert first.pdf.read_bytes() == before  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.pdf.name, first.text.name]  # no .part left
