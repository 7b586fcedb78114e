"""Fonts (Lotte Mart Dream or the NanumGothic fallback, never tofu) and the layered, templated theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5.QtGui import QFontInfo
from PyQt5.QtWidgets import QLabel

from app.core.settings import Settings
from app.ui.app import create_app
from app.ui.fonts import fallback_font_dir, register_fonts, supports_hangul
from app.ui.theme import SKY, ThemeError, apply_theme, fill_template, load_stylesheet, theme_variables
from app.ui.video_view import VideoView


def test_fallback_is_nanum_gothic_without_font_dirs(qapp):
    fonts = register_fonts([], apply=False)
    assert fonts.fallback
    assert fonts.body == "NanumGothic"
    assert fonts.hangul_ok and supports_hangul(fonts.body)
    assert "LotteMartDream-Bold.ttf" in fonts.missing
    assert fonts.heading_weight >= 700  # the same family, so headings ask for a bold weight


def test_fallback_is_found_through_the_package_not_a_fixed_path():
    folder = fallback_font_dir()
    assert folder is not None and (folder / "NanumGothic.ttf").is_file()
    assert folder.parent.name == "koreanize_matplotlib"


def test_missing_font_dir_is_not_an_error(qapp, tmp_path: Path):
    fonts = register_fonts([tmp_path / "nowhere", tmp_path], apply=False)
    assert fonts.fallback and fonts.hangul_ok


def test_lotte_mart_dream_is_used_when_present(qapp, shared_fonts: Path):
    fonts = register_fonts([Path("/nonexistent"), shared_fonts], apply=False)
    assert not fonts.fallback
    assert "Lotte" in fonts.body and "Medium" in fonts.body
    assert "Lotte" in fonts.heading and "Bold" in fonts.heading
    assert fonts.heading_weight == 400  # the Bold file is its own family: no synthetic bolding
    assert len(fonts.found) == 3 and not fonts.missing
    assert all(supports_hangul(f) for f in (fonts.body, fonts.heading, fonts.light))


def test_korean_renders_with_a_hangul_font(qtbot, shared_fonts: Path):
    create_app([], Settings(language="ko", font_dirs=(str(shared_fonts),)))
    label = QLabel("합계 12,300원")
    label.setObjectName("TotalAmount")
    qtbot.addWidget(label)
    label.ensurePolished()
    family = QFontInfo(label.font()).family()
    assert "Lotte" in family and "Bold" in family
    assert supports_hangul(family)
    assert not label.grab().isNull()


def test_unknown_variable_is_an_error_naming_the_file(tmp_path: Path):
    (tmp_path / "broken.qss").write_text("QWidget { color: {{ no_such_colour }}; }", encoding="utf-8")
    with pytest.raises(ThemeError, match=r"broken\.qss.*no_such_colour"):
        load_stylesheet(["broken"], SKY, styles_dir=tmp_path)
    with pytest.raises(ThemeError, match="missing"):
        load_stylesheet(["missing"], SKY, styles_dir=tmp_path)


def test_variables_are_filled():
    assert fill_template("a {{primary}} b {{ text }}", SKY) == f"a {SKY['primary']} b {SKY['text']}"


def test_real_layers_fill_completely(qapp):
    sheet = load_stylesheet(variables=theme_variables(register_fonts([], apply=False)))
    assert "{{" not in sheet and "}}" not in sheet
    assert SKY["primary"] in sheet and "NanumGothic" in sheet
    assert sheet.index("base.qss") < sheet.index("kiosk.qss") < sheet.index("large.qss")


def test_theme_reaches_custom_widget_properties(qtbot, qapp):
    apply_theme(qapp, register_fonts([], apply=False))
    view = VideoView()
    qtbot.addWidget(view)
    view.ensurePolished()
    assert view.boxColor.name().lower() == SKY["primary"].lower()
    assert view.backgroundColor.name().lower() == SKY["video_bg"].lower()
