"""Font registration: Lotte Mart Dream from the configured folders, NanumGothic as the Korean fallback.

The Lotte Mart Dream files are never shipped with the project; the operator puts them into ``fonts/``
(or another folder in ``settings.font_dirs``). When they are missing, the NanumGothic files carried by
the ``koreanize-matplotlib`` package are used, and failing that any installed font that can draw
Hangul, so Korean never renders as boxes.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtGui import QFont, QFontDatabase, QRawFont
from PyQt5.QtWidgets import QApplication

log = logging.getLogger(__name__)

#: role -> file name of the Lotte Mart Dream face used for it, in order of preference.
LOTTE_FILES: dict[str, tuple[str, ...]] = {
    "body": ("LotteMartDream-Medium.ttf", "LotteMartDream-Light.ttf", "LotteMartDream-Bold.ttf"),
    "heading": ("LotteMartDream-Bold.ttf", "LotteMartDream-Medium.ttf"),
    "bold": ("LotteMartDream-Bold.ttf", "LotteMartDream-Medium.ttf"),
    "light": ("LotteMartDream-Light.ttf", "LotteMartDream-Medium.ttf"),
}
FALLBACK_PACKAGE = "koreanize_matplotlib"
FALLBACK_FILES = (
    "NanumGothic.ttf", "NanumGothicBold.ttf", "NanumGothicExtraBold.ttf", "NanumGothicLight.ttf",
)
HANGUL_SAMPLE = "가"

_registered: dict[Path, list[str]] = {}


@dataclass(frozen=True)
class FontSet:
    """The families chosen for each role, what was found, and whether the fallback is in use."""

    body: str
    heading: str
    bold: str
    light: str
    #: CSS weight to request for headings/bold text: 400 when the family itself is the bold face.
    heading_weight: int = 400
    found: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()
    fallback: bool = False
    hangul_ok: bool = True

    def font(self, role: str = "body", pixel_size: int = 16) -> QFont:
        """A ``QFont`` for ``role`` (body, heading, bold, light) at ``pixel_size``."""
        font = QFont(getattr(self, role))
        font.setPixelSize(pixel_size)
        if role in ("heading", "bold") and self.heading_weight >= 600:
            font.setWeight(QFont.Bold)
        return font

    def qss_variables(self) -> dict[str, str]:
        """Variables for the stylesheet templates (see ``app.ui.theme``)."""
        return {
            "font_body": self.body, "font_heading": self.heading, "font_bold": self.bold,
            "font_light": self.light, "heading_weight": str(self.heading_weight),
        }


def add_font_file(path: Path) -> list[str]:
    """Register one font file with Qt (once per process); returns its families, empty on failure."""
    path = path.resolve()
    if path in _registered:
        return _registered[path]
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = list(QFontDatabase.applicationFontFamilies(font_id)) if font_id >= 0 else []
    if not families:
        log.warning("could not load font file %s", path)
    else:
        _registered[path] = families
    return families


def supports_hangul(family: str) -> bool:
    """True when ``family`` itself (not a fallback font) lists Korean and has a glyph for '가'."""
    if QFontDatabase.Korean not in QFontDatabase().writingSystems(family):
        return False
    raw = QRawFont.fromFont(QFont(family))
    return raw.isValid() and raw.familyName() == family and raw.supportsCharacter(HANGUL_SAMPLE)


def fallback_font_dir() -> Path | None:
    """The NanumGothic folder inside the installed ``koreanize_matplotlib`` package (not imported)."""
    spec = importlib.util.find_spec(FALLBACK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return folder if folder.is_dir() else None


def _find_lotte(font_dirs: Iterable[str | Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for folder in map(Path, font_dirs):
        for name in {n for names in LOTTE_FILES.values() for n in names}:
            if name not in files and (folder / name).is_file():
                files[name] = folder / name
    return files


def _lotte_set(files: dict[str, Path]) -> FontSet | None:
    families = {name: add_font_file(path) for name, path in files.items()}
    chosen: dict[str, str] = {}
    for role, names in LOTTE_FILES.items():
        for name in names:
            if families.get(name) and supports_hangul(families[name][0]):
                chosen[role] = families[name][0]
                break
    if "body" not in chosen:
        return None
    bold_is_face = "Bold" in chosen.get("heading", "")
    return FontSet(
        body=chosen["body"], heading=chosen.get("heading", chosen["body"]),
        bold=chosen.get("bold", chosen["body"]), light=chosen.get("light", chosen["body"]),
        heading_weight=400 if bold_is_face else 700, found=tuple(files.values()),
        missing=tuple(sorted({n for ns in LOTTE_FILES.values() for n in ns} - set(files))),
    )


def _fallback_set(found: tuple[Path, ...], missing: tuple[str, ...]) -> FontSet:
    folder = fallback_font_dir()
    families: list[str] = []
    if folder is not None:
        for name in FALLBACK_FILES:
            if (folder / name).is_file():
                families += add_font_file(folder / name)
    family = next((f for f in families if supports_hangul(f)), None)
    if family is None:
        family = next((f for f in QFontDatabase().families(QFontDatabase.Korean) if supports_hangul(f)), None)
    if family is None:
        family = QApplication.font().family()
        log.error("no font that can draw Hangul was found; Korean text may show as boxes")
    log.info("Lotte Mart Dream not found; using %s", family)
    return FontSet(body=family, heading=family, bold=family, light=family, heading_weight=800,
                   found=found, missing=missing, fallback=True, hangul_ok=supports_hangul(family))


def register_fonts(font_dirs: Iterable[str | Path] = (), *, apply: bool = True,
                   pixel_size: int = 16) -> FontSet:
    """Register the kiosk fonts from ``font_dirs`` and (with ``apply``) make the body font the app font.

    Needs a ``QApplication``. Lotte Mart Dream is used when its Medium or Bold file is found; otherwise
    NanumGothic from ``koreanize_matplotlib``; otherwise any installed Korean font.
    """
    if QApplication.instance() is None:
        raise RuntimeError("register_fonts needs a QApplication")
    files = _find_lotte(font_dirs)
    font_set = _lotte_set(files) if files else None
    if font_set is None:
        all_names = tuple(sorted({n for ns in LOTTE_FILES.values() for n in ns}))
        font_set = _fallback_set(tuple(files.values()), tuple(n for n in all_names if n not in files))
    else:
        log.info("using Lotte Mart Dream fonts: %s", ", ".join(str(p) for p in font_set.found))
    if apply:
        QApplication.setFont(font_set.font("body", pixel_size))
    return font_set
