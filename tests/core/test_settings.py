"""Settings: defaults, TOML overrides, and clear rejections naming the file and the key."""

from __future__ import annotations

import pytest

from app.core.settings import Settings, SettingsError, load_settings


def test_defaults_describe_every_setting():
    described = Settings.describe()
    assert {name for name, _, _ in described} >= {"language", "counter_camera", "face_camera", "database_url"}
    assert all(help_text for _, _, help_text in described)


def test_toml_file_overrides_defaults_and_cli_overrides_the_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('language = "en"\ncamera_fps = 15\ncounter_camera = 2\n', encoding="utf-8")
    settings = load_settings(path, {"camera_fps": 24})
    assert settings.language == "en" and settings.camera_fps == 24 and settings.counter_camera == "2"


@pytest.mark.parametrize("text, fragment", [
    ('langauge = "en"', "unknown setting 'langauge'"),
    ('language = "fr"', "must be one of ko, en"),
    ("camera_fps = 0", "between 1 and 240"),
    ('camera_fps = "fast"', "whole number"),
    ("fullscreen = 1", "true or false"),
    ("language = ", "not a valid TOML file"),
    (f'counter_camera = "{"x" * 5000}"', "too long"),
])
def test_bad_settings_are_rejected_with_file_and_key(tmp_path, text, fragment):
    path = tmp_path / "s.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    settings = Settings(data_dir=str(tmp_path))
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'kiosk.db'}"
    assert Settings(database_url="postgresql+psycopg://k@db/store").resolved_database_url.startswith("postgresql")
