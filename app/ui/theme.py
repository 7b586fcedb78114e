"""Layered Qt stylesheets with ``{{variables}}`` filled from a palette at load time (napari style).

``resources/styles/*.qss`` are templates; the layers are concatenated in order (``base`` first, then
``kiosk``, then optional variants such as a larger-text layer) after every ``{{name}}`` has been replaced
from the palette plus the font variables of the ``FontSet``. An unknown variable is an error that names
the file, so a typo never silently produces a broken style.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from PyQt5.QtWidgets import QApplication, QWidget

from app.core.settings import RESOURCES_DIR
from app.ui.fonts import FontSet

log = logging.getLogger(__name__)

STYLES_DIR = RESOURCES_DIR / "styles"
#: ``base`` and ``kiosk`` first, the screens' own layers (``checkout``, ``admin``) next, ``large``
#: (the full-HD sizes) last so it wins.
DEFAULT_LAYERS: tuple[str, ...] = ("base", "kiosk", "checkout", "admin", "large")
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

#: The sky-blue kiosk palette.
SKY: dict[str, str] = {
    "primary": "#38B6FF",
    "primary_hover": "#1FA6F5",
    "primary_pressed": "#0E8BD6",
    "primary_soft": "#D8EFFF",
    "primary_text": "#FFFFFF",
    "background": "#EAF6FF",
    "surface": "#FFFFFF",
    "surface_alt": "#F4FAFF",
    "border": "#D3E8F7",
    "text": "#14304D",
    "text_muted": "#6A8299",
    "accent": "#FFB020",
    "success": "#1DB47A",
    "danger": "#F0565A",
    "disabled": "#B9D3E6",
    "video_bg": "#17324F",
    "video_text": "#CFE6FA",
    "selection": "#D8EFFF",
    "accent_soft": "#FFF4DC",  # the staff / warning banners
    "accent_text": "#8A5A00",
    "danger_soft": "#FDECEC",
    "success_soft": "#E3F7EE",
}


class ThemeError(ValueError):
    """A stylesheet template that cannot be filled; the message names the file."""


def fill_template(text: str, variables: Mapping[str, str], source: str = "<string>") -> str:
    """Replace every ``{{name}}`` in ``text``; an unknown name raises ``ThemeError`` naming ``source``."""
    unknown = sorted({m.group(1) for m in _VARIABLE.finditer(text)} - set(variables))
    if unknown:
        raise ThemeError(f"{source}: unknown theme variable(s) {', '.join(unknown)}")
    return _VARIABLE.sub(lambda m: str(variables[m.group(1)]), text)


def load_stylesheet(layers: Sequence[str] = DEFAULT_LAYERS, variables: Mapping[str, str] | None = None,
                    styles_dir: Path = STYLES_DIR) -> str:
    """Fill and join the ``layers`` (file stems in ``styles_dir``) in order."""
    variables = dict(SKY if variables is None else variables)
    parts = []
    for layer in layers:
        path = styles_dir / f"{layer}.qss"
        if not path.is_file():
            raise ThemeError(f"{path}: stylesheet layer not found")
        filled = fill_template(path.read_text("utf-8"), variables, str(path))
        parts.append(f"/* --- {path.name} --- */\n{filled}")
    return "\n".join(parts)


def theme_variables(font_set: FontSet | None, palette: Mapping[str, str] = SKY) -> dict[str, str]:
    """Palette plus font variables (font families fall back to the app font without a ``FontSet``)."""
    variables = dict(palette)
    if font_set is None:
        family = QApplication.font().family()
        font_set = FontSet(body=family, heading=family, bold=family, light=family, heading_weight=700)
    variables.update(font_set.qss_variables())
    return variables


def apply_theme(app: QApplication, font_set: FontSet | None, palette: Mapping[str, str] = SKY,
                layers: Sequence[str] = DEFAULT_LAYERS) -> str:
    """Fill the stylesheet layers from ``palette`` and ``font_set`` and set it on ``app``; returns it."""
    sheet = load_stylesheet(layers, theme_variables(font_set, palette))
    app.setStyle("Fusion")
    app.setStyleSheet(sheet)
    log.debug("theme applied: layers=%s", ",".join(layers))
    return sheet


def dialog_stylesheet(template: str, source: str) -> str:
    """A dialog's own stylesheet template filled with the palette and the registered kiosk fonts (the
    registration and enrollment wizards set theirs on the dialog, on top of the application's layers)."""
    from app.ui.app import app_font_set

    return fill_template(template, theme_variables(app_font_set(), SKY), source)


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property used in a selector changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
