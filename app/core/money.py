"""Money is whole won held in ``int``; this module only formats it for people."""

from __future__ import annotations

LANGUAGES = ("ko", "en")


def format_won(amount: int, lang: str = "ko") -> str:
    """``12300`` → ``"12,300원"`` (ko) or ``"₩12,300"`` (en); negative amounts get a leading minus."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be whole won (int), not {type(amount).__name__}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,}"
    return f"{sign}{digits}원" if lang == "ko" else f"{sign}₩{digits}"
