"""The TOML translator, and that every tr() text in app/ui has a Korean translation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PyQt5.QtCore import QCoreApplication

from app.ui.i18n import (
    I18N_DIR,
    TomlTranslator,
    current_language,
    install_translator,
    load_table,
    load_tables,
    translation_files,
)

UI_DIR = Path(__file__).resolve().parents[2] / "app" / "ui"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n")


@pytest.fixture
def korean(qapp):
    install_translator(qapp, "ko")
    yield qapp
    install_translator(qapp, "ko")


def tr_calls() -> list[tuple[str, str, str]]:
    """(context, source, where) of every ``self.tr("...")`` and ``QCoreApplication.translate(ctx, "...")``."""
    found = []
    for path in sorted(UI_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            for node in ast.walk(cls):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                where = f"{path.name}:{node.lineno}"
                func = node.func
                if func.attr == "tr" and isinstance(func.value, ast.Name) and func.value.id == "self":
                    arg = node.args[0] if node.args else None
                    assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                        f"{where}: tr() needs a literal string so it can be translated"
                    found.append((cls.name, arg.value, where))
                elif func.attr == "translate" and len(node.args) >= 2 and all(
                        isinstance(a, ast.Constant) for a in node.args[:2]):
                    found.append((node.args[0].value, node.args[1].value, where))
    return found


def test_the_scan_finds_the_ui_texts():
    sources = {source for _, source, _ in tr_calls()}
    assert {"Pay", "Total", "Camera not connected"} <= sources


def test_every_tr_text_has_a_korean_entry():
    table = load_tables(translation_files("ko"))
    missing = [f"{where}: [{ctx}] {src!r}" for ctx, src, where in tr_calls() if src not in table.get(ctx, {})]
    assert not missing, "add these to resources/i18n/ko.toml (or ko.<area>.toml):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders_and_none_is_stale():
    table = load_tables(translation_files("ko"))
    used = {(ctx, src) for ctx, src, _ in tr_calls()}
    for ctx, entries in table.items():
        for src, text in entries.items():
            assert text.strip(), f"[{ctx}] {src!r} has an empty translation"
            assert sorted(PLACEHOLDER.findall(src.split("|")[0])) == sorted(PLACEHOLDER.findall(text)), \
                f"[{ctx}] {src!r}: placeholders differ in {text!r}"
            assert (ctx, src.split("|")[0]) in used, f"[{ctx}] {src!r} is not used in app/ui any more"


def test_translator_gives_korean_and_falls_back_to_the_source(qapp):
    translator = TomlTranslator(I18N_DIR / "ko.toml", "ko")
    assert translator.translate("CartPanel", "Pay") == "결제하기"
    assert translator.translate("CartTotal", "Total") == "합계"
    assert translator.translate("SomeSubclass", "Pay") == "결제하기"  # PyQt's tr uses the runtime class
    assert translator.translate("CartPanel", "Never translated") is None
    assert not translator.isEmpty()


def test_disambiguation(tmp_path: Path, qapp):
    path = tmp_path / "ko.toml"
    path.write_text('[Ctx]\n"Open" = "열기"\n"Open|door" = "문 열기"\n', encoding="utf-8")
    translator = TomlTranslator(path, "ko")
    assert translator.translate("Ctx", "Open", "door") == "문 열기"
    assert translator.translate("Ctx", "Open", "file") == "열기"


def test_installed_translator_is_used_by_qt(korean):
    assert current_language(korean) == "ko"
    assert QCoreApplication.translate("CartPanel", "Pay") == "결제하기"
    # Unknown texts keep the source (an empty string here would blank out Qt's own texts).
    assert QCoreApplication.translate("CartPanel", "Something else %1") == "Something else %1"
    assert QCoreApplication.translate("QLineEdit", "&Undo") == "&Undo"
    install_translator(korean, "en")
    assert current_language(korean) == "en"
    assert QCoreApplication.translate("CartPanel", "Pay") == "Pay"


def test_unknown_language_and_bad_file(qapp, tmp_path: Path):
    with pytest.raises(ValueError, match="unknown language"):
        install_translator(qapp, "fr")
    bad = tmp_path / "bad.toml"
    bad.write_text("[Ctx]\nkey = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml"):
        load_table(bad)


def test_area_files_merge_and_a_text_translated_twice_is_refused(tmp_path: Path):
    first, second = tmp_path / "ko.toml", tmp_path / "ko.admin.toml"
    first.write_text('[Ctx]\n"Open" = "열기"\n', encoding="utf-8")
    second.write_text('[Other]\n"Close" = "닫기"\n', encoding="utf-8")
    assert load_tables([first, second]) == {"Ctx": {"Open": "열기"}, "Other": {"Close": "닫기"}}
    second.write_text('[Ctx]\n"Open" = "열다"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="already translated"):
        load_tables([first, second])
    assert translation_files("ko")[0] == I18N_DIR / "ko.toml"
