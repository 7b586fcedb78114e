"""Translations from TOML files: English source strings in ``tr()``, Korean text in ``resources/i18n``.

``ko.toml`` has one table per context (the class name ``self.tr`` is called in) mapping the English
source string to its translation. A key ``"source|disambiguation"`` wins over ``"source"`` when
``tr()`` passes a disambiguation. PyQt5's ``self.tr`` uses the *runtime* class name as context, so a
subclass of a translated widget would miss its parent's table; the translator therefore falls back to
the same source string in any context. ``%n`` is substituted by Qt after translation.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from PyQt5.QtCore import QCoreApplication, QObject, QTranslator

from app.core.settings import RESOURCES_DIR

log = logging.getLogger(__name__)

I18N_DIR = RESOURCES_DIR / "i18n"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("ko", "en")
_LANGUAGE_PROPERTY = "selfcheckout_language"
_installed: dict[int, QTranslator] = {}


def load_table(path: Path) -> dict[str, dict[str, str]]:
    """The ``{context: {source: translation}}`` table of a TOML file; bad content raises ``ValueError``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read translations: {exc}") from exc
    for context, entries in data.items():
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise ValueError(f"{path}: [{context}] must be a table of text values")
    return data


def translation_files(language: str) -> list[Path]:
    """``<language>.toml`` and the per-area files ``<language>.<area>.toml`` (e.g. ``ko.admin.toml``)."""
    return [I18N_DIR / f"{language}.toml", *sorted(I18N_DIR.glob(f"{language}.*.toml"))]


def load_tables(paths: list[Path]) -> dict[str, dict[str, str]]:
    """The tables of ``paths`` merged; the same source in the same context twice raises ``ValueError``."""
    merged: dict[str, dict[str, str]] = {}
    for path in paths:
        for context, entries in load_table(path).items():
            target = merged.setdefault(context, {})
            if twice := sorted(set(target) & set(entries)):
                raise ValueError(f"{path}: [{context}] {twice[0]!r} is already translated in another file")
            target.update(entries)
    return merged


class TomlTranslator(QTranslator):
    """A ``QTranslator`` whose messages come from a TOML table instead of a compiled ``.qm`` file."""

    def __init__(self, paths: Path | list[Path], language: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = [paths] if isinstance(paths, Path) else list(paths)
        self.table = load_tables(self.paths)
        self._language = language
        self._any_context = {src: text for entries in self.table.values() for src, text in entries.items()}

    def language(self) -> str:
        return self._language

    def isEmpty(self) -> bool:
        return not self._any_context

    def translate(self, context: str | None, source: str | None, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """The translation of ``source`` in ``context``, else in any context, else ``None``.

        ``None`` becomes a null ``QString``, which tells Qt to try the next translator and finally keep
        the source text; an empty string would replace the text with nothing.
        """
        if not source:
            return None
        entries = self.table.get(context or "", {})
        if disambiguation and f"{source}|{disambiguation}" in entries:
            return entries[f"{source}|{disambiguation}"]
        if source in entries:
            return entries[source]
        return self._any_context.get(source)


def install_translator(app: QCoreApplication, language: str) -> QTranslator | None:
    """Make ``language`` the app's language: removes the translator installed before, then installs one
    for ``language`` (none for English, the source language). Widgets get a ``LanguageChange`` event."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    key = id(app)
    if current_language(app) == language:
        return _installed.get(key)
    old = _installed.pop(key, None)
    if old is not None:
        app.removeTranslator(old)
        old.setParent(None)
    app.setProperty(_LANGUAGE_PROPERTY, language)
    if language == SOURCE_LANGUAGE:
        log.info("language: %s (source strings)", language)
        return None
    paths = translation_files(language)
    try:
        translator = TomlTranslator(paths, language, parent=app)
    except ValueError:
        log.exception("translations for %s unavailable; showing English", language)
        return None
    app.installTranslator(translator)
    _installed[key] = translator
    log.info("language: %s (%d strings from %d files)", language, len(translator._any_context), len(paths))
    return translator


def current_language(app: QCoreApplication | None = None) -> str | None:
    """The language last installed with ``install_translator`` on ``app``, or ``None``."""
    app = app or QCoreApplication.instance()
    value = app.property(_LANGUAGE_PROPERTY) if app is not None else None
    return str(value) if value else None
