"""Plain-text receipts: every line and the total, Korean/English labels, columns aligned for Hangul."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.cart import CartLine
from app.core.catalog import Product
from app.core.receipt import Receipt, ReceiptLine, render_receipt, text_width, truncate

RAMEN = Product("P-001", "신라면", "Shin Ramyun", 1200, "ramen")
COLA = Product("P-002", "코카콜라 제로 500ml", "Coca-Cola Zero 500ml", 1500, "cola")
WATER = Product("P-003", "생수", "Water", 800, "water")
LONG = Product("P-004", "오뚜기 진라면 매운맛 멀티팩 5개입 기획상품", "Jin Ramen Hot multipack", 4980, "jin")
LINES = [CartLine(RAMEN, 2), CartLine(COLA, 12), CartLine(WATER, 1), CartLine(LONG, 1)]
WHEN = datetime(2026, 11, 23, 10, 30, 5)


def make_receipt(lang: str = "ko") -> Receipt:
    return Receipt.from_cart_lines(LINES, store_name="롯데마트 셀프계산대", receipt_no="R20261123-000042",
                                   issued_at=WHEN, payment_method="face", customer_name="김민수", lang=lang)


def test_text_width_counts_hangul_as_two():
    assert text_width("abc") == 3
    assert text_width("신라면") == 6
    assert text_width("콜라 500ml") == 10
    assert text_width("e\u0301") == 1  # a combining accent takes no cell
    assert text_width("₩1,000") == 6
    assert text_width(truncate("오뚜기 진라면 매운맛", 9)) <= 9
    assert truncate("오뚜기 진라면 매운맛", 9).endswith("..")


def test_receipt_has_every_line_and_the_total():
    receipt = make_receipt()
    assert receipt.total_won == 2400 + 18000 + 800 + 4980
    text = render_receipt(receipt)
    for expected in ("롯데마트 셀프계산대", "영수증 번호: R20261123-000042",
                     "일시: 2026-11-23 10:30:05", "신라면", "코카콜라 제로 500ml", "생수",
                     "오뚜기 진라면 매운맛", "x12", "1,500", "18,000", "x2", "2,400", "4,980", "26,180원",
                     "고객: 김민수", "결제 수단: 얼굴 결제", "합계", "품목 수"):
        assert expected in text, expected
    total_line = next(line for line in text.splitlines() if line.startswith("합계"))
    assert total_line.endswith("26,180원")


def cells(text: str) -> int:
    """Display cells, measured independently of the module: wide/fullwidth characters take 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_ends(row: str, tokens: list[str], start: int = 0) -> tuple[int, ...]:
    """The display column (Hangul = 2 cells) where each token ends, searched left to right."""
    ends, pos = [], start
    for token in tokens:
        pos = row.index(token, pos) + len(token)
        ends.append(cells(row[:pos]))
    return tuple(ends)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("width", [32, 42])
def test_columns_line_up(lang, width):
    text = render_receipt(make_receipt(lang), lang=lang, width=width)
    rows = text.splitlines()
    assert all(cells(row) <= width for row in rows), [r for r in rows if cells(r) > width]
    item_rows = [row for row in rows if " x" in row]
    assert len(item_rows) == len(LINES)
    ends = {column_ends(row, [f"x{ln.count}", f"{ln.product.price_won:,}", f"{ln.line_total:,}"],
                        row.index(" x"))
            for row, ln in zip(item_rows, LINES, strict=True)}
    labels = ("수량", "단가", "금액") if lang == "ko" else ("Qty", "Price", "Amount")
    header = next(row for row in rows if labels[0] in row)
    assert ends == {column_ends(header, list(labels))}  # every row and the header end at the same columns
    assert ends.pop()[-1] == width  # amounts end at the right edge
    totals = [row for row in rows if row.startswith(("합계", "Total", "품목 수", "Items"))]
    assert len(totals) == 2 and all(cells(row) == width for row in totals)


def test_long_name_gets_its_own_line():
    text = render_receipt(make_receipt(), width=32)
    rows = text.splitlines()
    index = next(i for i, row in enumerate(rows) if row.startswith("오뚜기"))
    assert " x" not in rows[index] and rows[index + 1].lstrip().startswith("x1")
    assert rows[index + 1].endswith("4,980")


def test_english_variant():
    text = render_receipt(make_receipt("en"), lang="en")
    for expected in ("Receipt no.: R20261123-000042", "Date: 2026-11-23 10:30:05", "Shin Ramyun", "Qty",
                     "Total", "₩26,180", "Customer: 김민수", "Payment: Face pay"):
        assert expected in text, expected
    assert "합계" not in text
    with pytest.raises(ValueError):
        render_receipt(make_receipt(), lang="jp")


def test_no_customer_and_unknown_payment_method():
    receipt = Receipt("Store", "R1", WHEN, (ReceiptLine("물", 1, 500, 500),), 500, "voucher")
    text = render_receipt(receipt)
    assert "고객" not in text and "결제 수단: voucher" in text and "500원" in text


def test_reprint_from_a_stored_sale():
    from app.store.records import SaleLineRecord, SaleRecord  # the store's own type, as reprints get it

    lines = (SaleLineRecord("P-001", "신라면", 1200, 2, 2400), SaleLineRecord("P-002", "콜라", 1500, 1, 1500))
    sale = SaleRecord(7, "R20261123-000007", datetime(2026, 11, 23, 1, 30, tzinfo=UTC), "C-1", 3900, "face",
                      "completed", lines)
    seoul = timezone(timedelta(hours=9))
    receipt = Receipt.from_sale_record(sale, store_name="마트", customer_name="김민수", tz=seoul)
    assert receipt.issued_at.hour == 10 and receipt.total_won == 3900
    text = render_receipt(receipt)
    assert "2026-11-23 10:30:00" in text and "R20261123-000007" in text and "3,900원" in text
    assert "신라면" in text and "콜라" in text
