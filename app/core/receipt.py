"""Receipts as plain text, for the screen, the receipt file and a printer with a fixed-width font.

Columns are measured in display cells: a Hangul syllable (or any East Asian wide/fullwidth character)
takes 2 cells, a combining mark 0, everything else 1, so the columns line up on a terminal, a receipt
printer and in a monospaced Qt label alike. Labels are Korean, or English with ``lang="en"``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from app.core.cart import CartLine
from app.core.money import LANGUAGES, format_won

log = logging.getLogger(__name__)

DEFAULT_WIDTH = 42
MIN_NAME_WIDTH = 8

LABELS: Mapping[str, Mapping[str, str]] = {
    "ko": {"receipt_no": "영수증 번호", "date": "일시", "item": "상품명", "count": "수량",
           "unit": "단가", "amount": "금액", "total": "합계", "customer": "고객",
           "payment": "결제 수단", "items": "품목 수", "thanks": "감사합니다"},
    "en": {"receipt_no": "Receipt no.", "date": "Date", "item": "Item", "count": "Qty",
           "unit": "Price", "amount": "Amount", "total": "Total", "customer": "Customer",
           "payment": "Payment", "items": "Items", "thanks": "Thank you"},
}
PAYMENT_METHODS: Mapping[str, Mapping[str, str]] = {
    "face": {"ko": "얼굴 결제", "en": "Face pay"},
    "card": {"ko": "카드", "en": "Card"},
    "cash": {"ko": "현금", "en": "Cash"},
}


def char_width(ch: str) -> int:
    """Display cells of one character: 2 for East Asian wide/fullwidth, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in ".." when cut."""
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 2:
            break
        out.append(ch)
        used += w
    return "".join(out) + ".." if width >= 2 else "".join(out)


def pad_right(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))


def pad_left(text: str, width: int) -> str:
    return " " * max(0, width - text_width(text)) + text


def center(text: str, width: int) -> str:
    gap = max(0, width - text_width(text))
    return " " * (gap // 2) + text


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    count: int
    unit_price_won: int
    line_total_won: int


@dataclass(frozen=True)
class Receipt:
    """One completed sale as printed. ``issued_at`` is shown as given (pass local time)."""

    store_name: str
    receipt_no: str
    issued_at: datetime
    lines: tuple[ReceiptLine, ...]
    total_won: int
    payment_method: str
    customer_name: str | None = None

    @classmethod
    def from_cart_lines(cls, lines: Iterable[CartLine], *, store_name: str, receipt_no: str,
                        issued_at: datetime, payment_method: str, customer_name: str | None = None,
                        lang: str = "ko") -> Receipt:
        items = tuple(ReceiptLine(ln.product.name(lang), ln.count, ln.product.price_won, ln.line_total)
                      for ln in lines)
        return cls(store_name, receipt_no, issued_at, items, sum(i.line_total_won for i in items),
                   payment_method, customer_name)

    @classmethod
    def from_sale_record(cls, record: SaleLike, *, store_name: str, customer_name: str | None = None,
                         tz: tzinfo | None = None) -> Receipt:
        """A reprint from a stored sale (``app.store.records.SaleRecord``), in local time unless ``tz``."""
        items = tuple(ReceiptLine(ln.name, ln.count, ln.unit_price_won, ln.line_total_won)
                      for ln in record.lines)
        return cls(store_name, record.receipt_no, record.created_at.astimezone(tz), items, record.total_won,
                   record.payment_method, customer_name)


class SaleLineLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def unit_price_won(self) -> int: ...
    @property
    def line_total_won(self) -> int: ...


class SaleLike(Protocol):
    """What :meth:`Receipt.from_sale_record` reads (core does not import the store)."""

    @property
    def receipt_no(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def total_won(self) -> int: ...
    @property
    def payment_method(self) -> str: ...
    @property
    def lines(self) -> Iterable[SaleLineLike]: ...


def payment_label(method: str, lang: str) -> str:
    return PAYMENT_METHODS.get(method, {}).get(lang, method)


def render_receipt(receipt: Receipt, lang: str = "ko", width: int = DEFAULT_WIDTH) -> str:
    """The receipt as text lines of at most ``width`` cells (wider only if the numbers need it).

    Item rows: name, ``x count``, unit price, line total; a name too long for its column gets a line of
    its own with the numbers on the next line.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    label = LABELS[lang]
    counts = [f"x{line.count}" for line in receipt.lines]
    units = [f"{line.unit_price_won:,}" for line in receipt.lines]
    amounts = [f"{line.line_total_won:,}" for line in receipt.lines]
    w_count = max([text_width(label["count"]), *map(len, counts)])
    w_unit = max([text_width(label["unit"]), *map(len, units)])
    w_amount = max([text_width(label["amount"]), *map(len, amounts)])
    w_name = max(MIN_NAME_WIDTH, width - w_count - w_unit - w_amount - 3)
    width = w_name + w_count + w_unit + w_amount + 3

    def row(name: str, count: str, unit: str, amount: str) -> str:
        return (pad_right(name, w_name) + " " + pad_left(count, w_count) + " " + pad_left(unit, w_unit)
                + " " + pad_left(amount, w_amount))

    def pair(key: str, value: str) -> str:
        return f"{label[key]}: {value}"

    out = [center(truncate(receipt.store_name, width), width), "=" * width,
           truncate(pair("receipt_no", receipt.receipt_no), width),
           truncate(pair("date", f"{receipt.issued_at:%Y-%m-%d %H:%M:%S}"), width), "-" * width,
           row(label["item"], label["count"], label["unit"], label["amount"]), "-" * width]
    for line, count, unit, amount in zip(receipt.lines, counts, units, amounts, strict=True):
        if text_width(line.name) <= w_name:
            out.append(row(line.name, count, unit, amount))
        else:
            out.append(truncate(line.name, width))
            out.append(row("", count, unit, amount))
    total = format_won(receipt.total_won, lang)
    item_count = str(sum(line.count for line in receipt.lines))
    out += ["-" * width, pad_right(label["items"], width - len(item_count)) + item_count,
            pad_right(label["total"], width - text_width(total)) + total, "=" * width]
    if receipt.customer_name:
        out.append(truncate(pair("customer", receipt.customer_name), width))
    out.append(truncate(pair("payment", payment_label(receipt.payment_method, lang)), width))
    out.append(center(label["thanks"], width))
    if sum(line.line_total_won for line in receipt.lines) != receipt.total_won:
        log.warning("receipt %s: lines add up to %d, total says %d", receipt.receipt_no,
                    sum(line.line_total_won for line in receipt.lines), receipt.total_won)
    return "\n".join(out) + "\n"
