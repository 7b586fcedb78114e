"""Application set-up: name, fonts, translator and theme; and a helper to save screenshots."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PyQt5.QtWidgets import QApplication, QWidget

from app import __version__
from app.core.settings import Settings
from app.ui.fonts import FontSet, register_fonts
from app.ui.i18n import install_translator
from app.ui.theme import apply_theme

log = logging.getLogger(__name__)

APP_NAME = "selfcheckout"
ORG_NAME = "selfcheckout"
_font_sets: dict[int, FontSet] = {}


def create_app(argv: Sequence[str], settings: Settings) -> QApplication:
    """The ``QApplication`` (the existing one if any) with fonts, translator and theme set up.

    Safe to call more than once per process: fonts are registered once, the translator is replaced
    and the theme re-applied.
    """
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    font_set = register_fonts(settings.font_dirs)
    _font_sets[id(app)] = font_set
    install_translator(app, settings.language)
    apply_theme(app, font_set)
    log.info("app ready: language=%s font=%s fallback=%s", settings.language, font_set.body,
             font_set.fallback)
    return app


def app_font_set(app: QApplication | None = None) -> FontSet | None:
    """The ``FontSet`` ``create_app`` registered for ``app`` (the current one by default)."""
    app = app or QApplication.instance()
    return _font_sets.get(id(app)) if app is not None else None


def grab_screenshot(widget: QWidget, path: str | Path, size: tuple[int, int] = (1280, 800)) -> Path:
    """Resize and show ``widget``, let layouts and painting settle, and save it as a PNG at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.resize(*size)
    widget.show()
    app = QApplication.instance()
    for _ in range(3):
        app.processEvents()
    pixmap = widget.grab()
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"could not save a screenshot to {path}")
    log.info("screenshot %s (%dx%d)", path, pixmap.width(), pixmap.height())
    return path
